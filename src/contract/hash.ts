// The one non-cryptographic string hash of the project: 32-bit FNV-1a, with the finishing
// mixers of murmur3 where keys must spread over buckets. Everything that keys counters,
// buckets features or seeds the simulator's streams hashes through here, so that a key
// computed in one stage is the same key in another. (Secrets and content digests use
// node:crypto, never this.)

/** FNV-1a's 32-bit offset basis, the default seed. */
export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One FNV-1a step: the hash `h` with one more code unit `c` (a signed 32-bit value). */
export const fnvStep = (h: number, c: number): number => Math.imul(h ^ c, FNV_PRIME);

/**
 * 32-bit FNV-1a of a string's UTF-16 code units, unsigned. `seed` replaces the offset basis;
 * `stride` reads every stride-th code unit only (a cheap stable hash of a long text).
 */
export function fnv1a(s: string, seed = FNV_OFFSET, stride = 1): number {
  let h = seed;
  for (let i = 0; i < s.length; i += stride) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** FNV-1a as 8 hex digits (prompt and task keys, scaffold keys). */
export function fnv1aHex(s: string): string {
  return fnv1a(s).toString(16).padStart(8, "0");
}

/** murmur3's finishing mixer without its last step, unsigned: spreads an FNV hash's low bits. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** murmur3's full finishing mixer (fmix32), unsigned. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
