// The name order of the reference writer: by code point, i.e. by UTF-8 bytes.

/**
 * Orders strings by Unicode code point, which is the byte order of their UTF-8 encodings (Rust's `str`
 * order, used by the reference writer); plain `<` compares UTF-16 code units, which differs above U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (U+D800–DFFF) above U+E000–FFFF so that code units sort like code points. */
function codeUnitRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit;
}
