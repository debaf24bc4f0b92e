/**
 * `applyMultiLoRA`: attaches adapters to a loaded transformers.js model (or pipeline) by rewriting
 * the ONNX graph of every session that holds an adapted layer and putting new sessions in the old
 * ones' place. Atomic: all new sessions are built before any is swapped in; on any failure the
 * model keeps its original sessions. The returned handle switches, mixes, disables and removes
 * adapters and saves a merged model folder.
 */
import { MultiLoraError, type AdapterModule } from '@multilora/core';
import { loadAdapters, type AdapterInput, type NamedAdapter } from './adapters.js';
import { buildGraph, planModules, type BuildSpec, type Mode, type ModulePlan } from './build.js';
import { MixFeed, dynamicLayers, wrapDynamicSession, type DynamicLayer } from './dynamic.js';
import { writeModelFolder } from './files.js';
import { createSessionLike, sessionSlots, unwrapModel, type OrtSession, type SessionSlot } from './sessions.js';
import { givenFile, readSessionSource, type ModelSource, type SessionSource } from './source.js';

/** Options of {@link applyMultiLoRA}. */
export interface ApplyOptions extends ModelSource {
  /** `merge` (default: ΔW written into the weights, no overhead), `branch` (graph branch, exact on q8/q4) or `dynamic` (switch and mix per call). */
  mode?: Mode;
  /** The adapter, or mix { name: weight }, active after apply (default: the first adapter at weight 1). */
  active?: string | Record<string, number>;
  /** ONNX Runtime session options for the rebuilt sessions (default: onnxruntime's defaults; transformers.js's own are not readable). */
  sessionOptions?: Record<string, unknown>;
  /** Replaces rule 1 of the name mapping (mapping.ts): module name → node scope (e.g. `/model/layers.0/self_attn/q_proj`). */
  scopeOf?: (module: string) => string;
}

/** Options of {@link MultiLoraHandle.saveMerged}. */
export interface SaveMergedOptions {
  /** The mix to bake in (default: the active one). */
  mix?: string | Record<string, number>;
}

/** What applyMultiLoRA returns. */
export interface MultiLoraHandle {
  readonly mode: Mode;
  /** Names of the loaded adapters. */
  readonly adapters: readonly string[];
  /** The active mix, or null while disabled. */
  readonly active: Readonly<Record<string, number>> | null;
  /** Adapted module names with the sessions that hold them and the kind of layer (matmul, gemm, q8, q4). */
  readonly modules: readonly ModulePlan[];
  /** Activates one adapter (weight 1) or a weighted mix; dynamic mode swaps feeds only, other modes rebuild sessions. */
  setAdapter(mix: string | Record<string, number>): Promise<void>;
  /** Puts the original sessions back (the adapters stay loaded; setAdapter re-enables). */
  disable(): Promise<void>;
  /** Puts the original sessions back for good and releases the rewritten ones. */
  remove(): Promise<void>;
  /** Writes a model folder (onnx/<file>.onnx, config, tokenizer files) that transformers.js loads without the plugin. */
  saveMerged(dir: string, options?: SaveMergedOptions): Promise<void>;
}

/** Models with adapters (or being given adapters right now). */
const applied = new WeakSet<object>();

function normalizeMix(mix: string | Record<string, number>, names: readonly string[]): Record<string, number> {
  const record = typeof mix === 'string' ? { [mix]: 1 } : mix;
  if (!record || typeof record !== 'object') {
    throw new MultiLoraError('INVALID_CONFIG', `setAdapter got ${typeof mix}; expected an adapter name or { name: weight }.`);
  }
  const out: Record<string, number> = {};
  for (const [name, w] of Object.entries(record)) {
    if (!names.includes(name)) {
      throw new MultiLoraError('INVALID_CONFIG', `no adapter named "${name}"; loaded: ${names.map((n) => `"${n}"`).join(', ')}.`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      throw new MultiLoraError('INVALID_CONFIG', `the weight of adapter "${name}" is ${w}; expected a finite number.`);
    }
    out[name] = w;
  }
  return out;
}

async function releaseAll(sessions: Iterable<OrtSession>): Promise<void> {
  await Promise.all([...sessions].map((s) => s.release?.().catch(() => undefined)));
}

class Handle implements MultiLoraHandle {
  active: Record<string, number> | null;
  private patched = new Map<string, OrtSession>();
  private removed = false;

  constructor(
    readonly mode: Mode,
    private readonly model: object,
    private readonly named: NamedAdapter[],
    private readonly slots: SessionSlot[],
    private readonly sources: Map<string, SessionSource>,
    private readonly plans: Map<string, ModulePlan>,
    private readonly options: ApplyOptions,
    private readonly dynamic: { feed: MixFeed; layers: DynamicLayer[] } | undefined,
    active: Record<string, number>,
  ) {
    this.active = active;
  }

  get adapters(): string[] {
    return this.named.map((a) => a.name);
  }

  get modules(): ModulePlan[] {
    return [...this.plans.values()];
  }

  private adaptedSlots(): SessionSlot[] {
    const names = new Set([...this.plans.values()].flatMap((p) => p.sessions));
    return this.slots.filter((s) => names.has(s.name));
  }

  private spec(mode: BuildSpec['mode'], mix: Record<string, number>): BuildSpec {
    if (mode === 'dynamic') return { mode, layers: this.dynamic!.layers, adapterCount: this.named.length };
    return { mode, mix: this.named.filter((a) => a.name in mix).map((a) => ({ ...a, weight: mix[a.name] })) };
  }

  /** Builds the sessions for `mix`; on failure releases what was built and rethrows. */
  async build(mix: Record<string, number>): Promise<Map<string, OrtSession>> {
    const built = new Map<string, OrtSession>();
    try {
      for (const slot of this.adaptedSlots()) {
        const bytes = buildGraph(this.sources.get(slot.name)!.bytes, slot.name, this.spec(this.mode, mix), this.plans);
        const session = await createSessionLike(this.original(slot), bytes, this.options.sessionOptions ?? {});
        built.set(slot.name, this.dynamic ? wrapDynamicSession(session, this.dynamic.feed) : session);
      }
    } catch (e) {
      await releaseAll(built.values());
      throw e;
    }
    return built;
  }

  private originals = new Map<string, OrtSession>();

  /** Records the slots' current sessions as the originals. */
  captureOriginals(): void {
    for (const slot of this.slots) this.originals.set(slot.name, slot.get());
  }

  private original(slot: SessionSlot): OrtSession {
    return this.originals.get(slot.name)!;
  }

  install(sessions: Map<string, OrtSession>): void {
    for (const slot of this.adaptedSlots()) slot.set(sessions.get(slot.name)!);
    this.patched = sessions;
  }

  private checkLive(): void {
    if (this.removed) throw new MultiLoraError('INVALID_STATE', 'this MultiLoRA handle was removed; call applyMultiLoRA again.');
  }

  async setAdapter(mix: string | Record<string, number>): Promise<void> {
    this.checkLive();
    const next = normalizeMix(mix, this.adapters);
    if (this.dynamic) {
      this.dynamic.feed.select(next);
      if (!this.active) this.install(this.patched);
      this.active = next;
      return;
    }
    const sessions = await this.build(next);
    const old = this.patched;
    this.install(sessions);
    this.active = next;
    await releaseAll(old.values());
  }

  async disable(): Promise<void> {
    this.checkLive();
    for (const slot of this.slots) slot.set(this.original(slot));
    this.active = null;
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    await this.disable();
    this.removed = true;
    applied.delete(this.model);
    await releaseAll(this.patched.values());
    this.patched.clear();
  }

  async saveMerged(dir: string, options: SaveMergedOptions = {}): Promise<void> {
    this.checkLive();
    const mix = options.mix !== undefined ? normalizeMix(options.mix, this.adapters) : this.active;
    if (!mix) throw new MultiLoraError('INVALID_STATE', 'the adapters are disabled; pass { mix } to saveMerged or call setAdapter first.');
    const adapted = new Set(this.adaptedSlots().map((s) => s.name));
    const files = [...this.sources].map(([name, source]) => ({
      fileName: source.fileName,
      bytes: () => (adapted.has(name) ? buildGraph(source.bytes, name, this.spec('bake', mix), this.plans) : source.bytes),
    }));
    await writeModelFolder(dir, files, { modelPath: this.options.modelPath, subfolder: this.options.subfolder, config: (this.model as { config?: object }).config });
  }
}

/**
 * Attaches `adapters` (one adapter, named `default`, or a record { name: adapter }; each an
 * {@link Adapter}, `{ config, weights }` or an adapter folder path) to `target`, a transformers.js
 * model or pipeline, in `options.mode`. The graphs are read from `options.modelPath` or
 * `options.files` (see source.ts; with `files` and no `modelPath`, only the sessions named there, by
 * session name or file stem, are considered). Throws, leaving the model untouched: ONNX_NODE_NOT_FOUND (with
 * the nearest node names), SHAPE_MISMATCH (both shapes), ONNX_UNSUPPORTED_OP (the op), ONNX_MODEL_FILE_NOT_FOUND,
 * INVALID_STATE when the model already has adapters, and core's adapter errors.
 */
export async function applyMultiLoRA(target: unknown, adapters: AdapterInput | Record<string, AdapterInput>,
  options: ApplyOptions = {}): Promise<MultiLoraHandle> {
  const mode = options.mode ?? 'merge';
  if (!['merge', 'branch', 'dynamic'].includes(mode)) {
    throw new MultiLoraError('INVALID_CONFIG', `mode is ${JSON.stringify(mode)}; expected "merge", "branch" or "dynamic".`);
  }
  const model = unwrapModel(target);
  if (applied.has(model)) {
    throw new MultiLoraError('INVALID_STATE', 'this model already has MultiLoRA adapters; call remove() on its handle first.');
  }
  const slots = sessionSlots(model).filter((s) => options.modelPath !== undefined || !options.files || givenFile(s, options.files));
  if (slots.length === 0) {
    throw new MultiLoraError('INVALID_CONFIG', 'the model holds no ONNX Runtime sessions (or none named in files); expected a ' +
      'model loaded by transformers.js (model.sessions in 3.x/4.x, model.session in 2.x).');
  }
  applied.add(model);
  try {
    return await attach(model, slots, adapters, mode, options);
  } catch (e) {
    applied.delete(model);
    throw e;
  }
}

async function attach(model: object, slots: SessionSlot[], adapters: AdapterInput | Record<string, AdapterInput>, mode: Mode,
  options: ApplyOptions): Promise<MultiLoraHandle> {
  const named = await loadAdapters(adapters);
  const active = normalizeMix(options.active ?? named[0].name, named.map((a) => a.name));
  const sources = new Map<string, SessionSource>();
  for (const slot of slots) sources.set(slot.name, await readSessionSource(slot, options));
  const plans = planModules(sources, named, options.scopeOf);
  let dynamic: { feed: MixFeed; layers: DynamicLayer[] } | undefined;
  if (mode === 'dynamic') {
    const byModule = new Map<string, { adapter: number; module: AdapterModule }[]>();
    named.forEach(({ adapter }, i) => {
      for (const m of adapter.modules.values()) byModule.set(m.name, [...(byModule.get(m.name) ?? []), { adapter: i, module: m }]);
    });
    dynamic = { feed: new MixFeed(named.map((a) => a.name)), layers: dynamicLayers(byModule) };
    dynamic.feed.select(active);
  }
  const handle = new Handle(mode, model, named, slots, sources, plans, options, dynamic, active);
  handle.captureOriginals();
  handle.install(await handle.build(active));
  return handle;
}
