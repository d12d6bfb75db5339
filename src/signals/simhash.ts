// A near-duplicate signature of a prompt's scaffold: 64-bit SimHash (Charikar 2002)
// over word 3-shingles, split into two 32-bit bands, so that lightly paraphrased
// templates can meet in a band even when their exact scaffold keys differ.
import { FNV_OFFSET, fnv1a, mix32 } from "../contract/hash.js";

const WORD = /[a-z0-9<>#]+/g;

const hash32 = (s: string, seed: number): number => mix32(fnv1a(s, seed));

/** SimHash of the text's word 3-shingles as [high, low] 32-bit halves. */
export function simhash(text: string): [number, number] {
  const words = text.toLowerCase().match(WORD) ?? [];
  const counts = new Int32Array(64);
  // the first 120 shingles carry a template's wording; more only costs time
  const n = Math.min(120, Math.max(1, words.length - 2));
  for (let i = 0; i < n; i++) {
    const shingle = `${words[i] ?? ""} ${words[i + 1] ?? ""} ${words[i + 2] ?? ""}`;
    const hi = hash32(shingle, FNV_OFFSET);
    const lo = hash32(shingle, 0x2545f491);
    for (let b = 0; b < 32; b++) {
      counts[b] = (counts[b] ?? 0) + ((hi >>> b) & 1 ? 1 : -1);
      counts[b + 32] = (counts[b + 32] ?? 0) + ((lo >>> b) & 1 ? 1 : -1);
    }
  }
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    if ((counts[b] ?? 0) > 0) hi |= 1 << b;
    if ((counts[b + 32] ?? 0) > 0) lo |= 1 << b;
  }
  return [hi >>> 0, lo >>> 0];
}

export function hamming(a: readonly [number, number], b: readonly [number, number]): number {
  const pop = (x: number): number => {
    let v = x - ((x >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  };
  return pop((a[0] ^ b[0]) >>> 0) + pop((a[1] ^ b[1]) >>> 0);
}

/**
 * The two 32-bit halves, each tagged with its position. Scaffolds within Hamming
 * distance 1 always share a half; chance collisions between unrelated prompts are
 * about one in four billion per pair, so a shared half is evidence, not noise.
 */
export function bands(h: readonly [number, number]): string[] {
  return [`0:${h[0].toString(16)}`, `1:${h[1].toString(16)}`];
}
