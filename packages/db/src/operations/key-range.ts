/**
 * The first and last of an operation's keys in byte order, as PostgreSQL's `COLLATE "C"` compares
 * UTF-8 text: the ordering check compares these columns. Computed here because PostgreSQL spent more
 * on `min`/`max` over the unnested keys than on storing them.
 */

/**
 * A UTF-16 code unit moved so that code units compare as code points do (and so as UTF-8 bytes do):
 * surrogates (U+D800..U+DFFF, halves of U+10000 and above) go after U+E000..U+FFFF.
 */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` in UTF-8 byte order. */
export function compareByteOrder(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** The smallest and largest key in byte order; null for no keys. */
export function keyRange(keys: readonly string[]): { first: string; last: string } | null {
  if (keys.length === 0) return null;
  let first = keys[0];
  let last = keys[0];
  for (const key of keys) {
    if (compareByteOrder(key, first) < 0) first = key;
    if (compareByteOrder(key, last) > 0) last = key;
  }
  return { first, last };
}
