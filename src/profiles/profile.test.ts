import { describe, expect, it } from "vitest";
import { CappedCounter, hashKey } from "./profile.js";

describe("hashKey", () => {
  it("maps hex hashes and SimHash bands to distinct 31-bit integers", () => {
    const keys = ["ffffffff", "00000000", "89abcdef", "0:ffffffff", "1:ffffffff", "0:89abcdef", "1:89abcdef"];
    const out = keys.map(hashKey);
    for (const k of out) {
      expect(Number.isInteger(k)).toBe(true);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(2 ** 31);
    }
    // hashes and bands live in different counters: distinct within each kind
    expect(new Set(out.slice(0, 3)).size).toBe(3);
    expect(new Set(out.slice(3)).size).toBe(4);
    expect(hashKey("0:89abcdef")).toBe(hashKey("0:89abcdef"));
  });
});

describe("CappedCounter", () => {
  it("stops admitting keys at its cap and counts what it refused", () => {
    const c = new CappedCounter<number>(2);
    expect(c.add(1)).toBe(0);
    expect(c.add(1)).toBe(1);
    expect(c.add(2)).toBe(0);
    expect(c.add(3, 5)).toBe(-1);
    expect(c.overflow).toBe(5);
    expect(c.distinct).toBe(3);
    expect(c.top(1)).toEqual([[1, 2]]);
  });
});
