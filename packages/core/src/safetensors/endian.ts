/**
 * Whether this platform stores typed arrays little-endian, as safetensors does. Every browser and
 * mainstream Node platform is; on a big-endian one the reader and writer take a slower DataView path.
 */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
