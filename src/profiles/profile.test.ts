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

describe("IntCounter", () => {
  it("counts like a capped map: before-counts, refusals past the cap, lookups and top", async () => {
    const fc = await import("fast-check");
    const { IntCounter } = await import("./profile.js");
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })), {
          maxLength: 400,
        }),
        fc.integer({ min: 1, max: 64 }),
        (keys, cap) => {
          const c = new IntCounter(cap);
          const m = new CappedCounter<number>(cap);
          for (const k of keys) expect(c.add(k)).toBe(m.add(k));
          expect(c.size).toBe(m.counts.size);
          expect(c.overflow).toBe(m.overflow);
          for (const k of keys) expect(c.get(k)).toBe(m.counts.get(k));
          expect(new Map(c.entries())).toEqual(m.counts);
          expect(c.top(3)).toEqual([...m.counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3));
        },
      ),
    );
  });
});
