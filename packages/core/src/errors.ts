/** Every code a {@link MultiLoraError} can carry, grouped by the family of input it rejects. */
export type MultiLoraErrorCode =
  // configuration
  | 'INVALID_CONFIG'
  // safetensors files
  | 'SAFETENSORS_TRUNCATED'
  | 'SAFETENSORS_HEADER_TOO_LARGE'
  | 'SAFETENSORS_INVALID_UTF8'
  | 'SAFETENSORS_INVALID_JSON'
  | 'SAFETENSORS_DUPLICATE_NAME'
  | 'SAFETENSORS_INVALID_ENTRY'
  | 'SAFETENSORS_UNKNOWN_DTYPE'
  | 'SAFETENSORS_BAD_OFFSETS'
  | 'SAFETENSORS_UNSUPPORTED_DTYPE'
  // adapters
  | 'ADAPTER_MISSING_FILE'
  | 'ADAPTER_MISSING_TENSOR'
  | 'ADAPTER_SHAPE_MISMATCH'
  | 'ADAPTER_UNEXPECTED_TENSOR'
  | 'ADAPTER_NOT_FINITE'
  // math and kernels
  | 'SHAPE_MISMATCH'
  | 'KERNEL_UNAVAILABLE'
  | 'KERNEL_OUT_OF_MEMORY'
  // framework plugins (a model and its layers)
  | 'TARGET_NOT_FOUND'
  | 'UNSUPPORTED_LAYER'
  | 'INVALID_STATE'
  // ONNX graphs (the transformers.js plugin)
  | 'ONNX_INVALID_MODEL'
  | 'ONNX_EXTERNAL_DATA'
  | 'ONNX_MODEL_FILE_NOT_FOUND'
  | 'ONNX_NODE_NOT_FOUND'
  | 'ONNX_AMBIGUOUS_NODE'
  | 'ONNX_UNSUPPORTED_OP'
  // diagnostics (SVD and spectra)
  | 'DIAGNOSTICS_EMPTY'
  | 'DIAGNOSTICS_NOT_FINITE'
  | 'DIAGNOSTICS_NO_CONVERGENCE'
  // the runtime (a Node-only feature, e.g. reading a path, called in a browser build)
  | 'UNSUPPORTED_ENVIRONMENT'
  // testing utilities (a numeric comparison outside its tolerance)
  | 'TOLERANCE_EXCEEDED';

/**
 * The one error class of the multilora packages. `code` is stable and machine-readable; the message
 * names the offending input, what was expected, and where possible how to fix it.
 */
export class MultiLoraError extends Error {
  /** Stable identifier of the failure, e.g. `SAFETENSORS_BAD_OFFSETS`. */
  readonly code: MultiLoraErrorCode;

  constructor(code: MultiLoraErrorCode, message: string) {
    super(message);
    this.name = 'MultiLoraError';
    this.code = code;
  }
}

/** Throws a {@link MultiLoraError} with `code` and `message` unless `condition` holds. */
export function check(condition: unknown, code: MultiLoraErrorCode, message: () => string): asserts condition {
  if (!condition) throw new MultiLoraError(code, message());
}
