// @multilora/wasm-kernels' WebAssembly module. Built twice from these sources: with `--enable simd`
// (f32x4 and f64x2 code paths) and without (scalar code paths, for engines without SIMD); `ASC_FEATURE_SIMD`
// selects the paths at compile time. The module imports nothing, allocates nothing, and works on
// memory the host lays out above `hostBase()`.

export { hostBase } from './blocking';
export { gemm } from './gemm';
export { gemmF64 } from './gemm-f64';
export { rotateVectorsF64 } from './rotations-f64';
export { fusedForward, fusedBackward, deltaWeight } from './fused';
export { peak, peakLanes } from './peak';
