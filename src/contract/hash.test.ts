import { describe, expect, it } from "vitest";
import { FNV_OFFSET, fmix32, fnv1a, fnv1aHex, fnvStep, mix32 } from "./hash.js";

describe("hash", () => {
  it("is FNV-1a: the published test vectors", () => {
    // FNV-1a 32-bit of "" is the offset basis, of "a" 0xe40c292c, of "foobar" 0xbf9cf968
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
    expect(fnv1aHex("a")).toBe("e40c292c");
  });

  it("steps, seeds and strides as the whole-string form does", () => {
    let h = FNV_OFFSET;
    for (const c of "foobar") h = fnvStep(h, c.charCodeAt(0));
    expect(h >>> 0).toBe(fnv1a("foobar"));
    expect(fnv1a("abc", 7)).not.toBe(fnv1a("abc"));
    expect(fnv1a("a-b-c", FNV_OFFSET, 2)).toBe(fnv1a("abc"));
  });

  it("mixes low bits into high ones", () => {
    expect(fmix32(0)).toBe(0);
    // murmur3 fmix32(1) = 0x514e28b7
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(mix32(1) >>> 16).not.toBe(0);
  });
});
