// A fast keyed pseudo-random function for the watermark's choices: the 32-bit SipHash
// round function (HalfSipHash-2-4 structure) over a string's UTF-16 code units, keyed with
// 64 bits derived from the watermark key. The test for the mark evaluates it for every
// (key, context) pair over a thousand keys, which an HMAC per call would make slow.

const rotl = (x: number, b: number): number => ((x << b) | (x >>> (32 - b))) >>> 0;

export function keyedHash32(k0: number, k1: number, text: string): number {
  let v0 = k0 >>> 0;
  let v1 = k1 >>> 0;
  let v2 = (0x6c796765 ^ k0) >>> 0;
  let v3 = (0x74656462 ^ k1) >>> 0;
  const round = (): void => {
    v0 = (v0 + v1) >>> 0;
    v1 = rotl(v1, 5) ^ v0;
    v0 = rotl(v0, 16);
    v2 = (v2 + v3) >>> 0;
    v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) >>> 0;
    v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) >>> 0;
    v1 = rotl(v1, 13) ^ v2;
    v2 = rotl(v2, 16);
  };
  // two UTF-16 code units per 32-bit word
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const m = (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)) >>> 0;
    v3 = (v3 ^ m) >>> 0;
    round();
    round();
    v0 = (v0 ^ m) >>> 0;
  }
  const b = (((n & 0xff) << 24) | (i < n ? text.charCodeAt(i) : 0)) >>> 0;
  v3 = (v3 ^ b) >>> 0;
  round();
  round();
  v0 = (v0 ^ b) >>> 0;
  v2 = (v2 ^ 0xff) >>> 0;
  round();
  round();
  round();
  round();
  return (v1 ^ v3) >>> 0;
}
