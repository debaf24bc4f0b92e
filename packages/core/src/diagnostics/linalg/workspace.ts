/**
 * Reusable float64 scratch memory for the factorisations. The first touch of a freshly allocated
 * large typed array costs a page fault per 4 KiB; on the sandboxed machines this project runs on that
 * measured ~3.5 ms per MiB (an 8 MiB temporary: ~28 ms, as long as a 1024 × 1024 bidiagonalisation
 * spends on a tenth of its arithmetic), against ~0.1 ms per MiB for memory that is reused. So the large
 * temporaries whose sizes repeat from call to call live in named slots that are kept between calls,
 * each at the size of the largest request so far. Internal to diagnostics.
 *
 * A slot's contents belong to its caller until that caller returns: use a distinct name per
 * temporary that is alive at the same time (nested calls included), and never return slot memory.
 */
const slots = new Map<string, Float64Array>();

/** A scratch array of exactly `length` values (contents unspecified) from the slot `name`. */
export function scratch(name: string, length: number): Float64Array {
  let buffer = slots.get(name);
  if (!buffer || buffer.length < length) {
    buffer = new Float64Array(length);
    slots.set(name, buffer);
  }
  return buffer.subarray(0, length);
}

/** {@link scratch} filled with zeros. */
export function zeroedScratch(name: string, length: number): Float64Array {
  return scratch(name, length).fill(0);
}
