/**
 * The ONNX Runtime sessions a transformers.js model holds, in both library generations:
 * - `@huggingface/transformers` 3.x/4.x: `model.sessions[name]` (`model`, `decoder_model_merged`,
 *   `embed_tokens`, …); each session carries `config = { dtype, device }`.
 * - `@xenova/transformers` 2.x: properties of the model (`session`, `decoder_merged_session`, …).
 * Each slot also knows the file stem transformers.js loads it from by default: in an encoder–decoder
 * model (`config.is_encoder_decoder`) the main slot (`model` in 3+, `session` in 2.x) holds
 * `encoder_model`; 2.x's merged decoder slots hold `decoder_model_merged`.
 * New sessions are created with the original session's own `InferenceSession` class, so they come
 * from the same onnxruntime build that the library uses, and put in the original's place.
 */
import { MultiLoraError } from '@multilora/core';

/** The part of an ONNX Runtime InferenceSession the plugin uses. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>, ...rest: unknown[]): Promise<Record<string, unknown>>;
  release?(): Promise<void>;
  [key: string]: unknown;
}

/** One place in a model that holds a session. */
export interface SessionSlot {
  /** `model`, `decoder_model_merged`, … (v4) or the property name (v2: `session`, …). */
  name: string;
  library: 'transformers.js v3+' | 'transformers.js v2';
  /** The file stem transformers.js loads the session from by default (`encoder_model`, `decoder_model_merged`, `model`, …). */
  stem: string;
  get(): OrtSession;
  set(session: OrtSession): void;
}

function isSession(v: unknown): v is OrtSession {
  const s = v as OrtSession | null;
  return !!s && typeof s === 'object' && typeof s.run === 'function' && Array.isArray(s.inputNames) && Array.isArray(s.outputNames);
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && (typeof v === 'object' || typeof v === 'function');

/** The model of a pipeline (an object with a `model`), or `target` itself (models are callable objects). */
export function unwrapModel(target: unknown): Record<string, unknown> {
  if (!isObject(target)) {
    throw new MultiLoraError('INVALID_CONFIG', `applyMultiLoRA got ${target === null ? 'null' : typeof target}; expected a ` +
      'transformers.js model (from AutoModel…from_pretrained) or a pipeline.');
  }
  return isObject(target.model) && !isSession(target.model) ? target.model : target;
}

/** The file stem of session slot `name` (see the file comment). */
function defaultStem(name: string, session: OrtSession, encoderDecoder: boolean): string {
  if ((name === 'model' || name === 'session') && encoderDecoder) return 'encoder_model';
  if (name === 'decoder_merged_session' || (name === 'session' && session.inputNames.includes('use_cache_branch'))) return 'decoder_model_merged';
  return name === 'session' ? 'model' : name;
}

/** The session slots of a loaded transformers.js model (v4 first, then v2). */
export function sessionSlots(model: Record<string, unknown>): SessionSlot[] {
  const encoderDecoder = (model.config as { is_encoder_decoder?: unknown } | undefined)?.is_encoder_decoder === true;
  const sessions = model.sessions as Record<string, unknown> | undefined;
  const holder = sessions && typeof sessions === 'object' ? sessions : model;
  const library = holder === model ? 'transformers.js v2' as const : 'transformers.js v3+' as const;
  return Object.keys(holder).filter((k) => isSession(holder[k])).map((name) => ({
    name,
    library,
    stem: defaultStem(name, holder[name] as OrtSession, encoderDecoder),
    get: () => holder[name] as OrtSession,
    set: (s: OrtSession) => { holder[name] = s; },
  }));
}

/**
 * A new session from `bytes`, created by `like`'s own InferenceSession class with `options`; carries
 * over transformers.js's `config` tag.
 */
export async function createSessionLike(like: OrtSession, bytes: Uint8Array, options: object): Promise<OrtSession> {
  const ctor = Object.getPrototypeOf(like)?.constructor as { create?: (b: Uint8Array, o: object) => Promise<OrtSession> } | undefined;
  if (typeof ctor?.create !== 'function') {
    throw new MultiLoraError('INVALID_STATE', 'the model\'s session has no InferenceSession class with create(); ' +
      'expected a session created by onnxruntime-node or onnxruntime-web.');
  }
  const session = await ctor.create(bytes, options);
  if ('config' in like) (session as Record<string, unknown>).config = like.config;
  return session;
}
