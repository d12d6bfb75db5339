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

describe("Tally", () => {
  it("counts each kind like its own capped map: before-counts, refusals past the cap, lookups, top", async () => {
    const fc = await import("fast-check");
    const { Tally, TALLY_KINDS, readingTally } = await import("./profile.js");
    const kinds = TALLY_KINDS.length;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: kinds - 1 }),
            fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 28 - 1 })),
          ),
          { maxLength: 3000 },
        ),
        (ops) => {
          const t = new Tally();
          const models = TALLY_KINDS.map(([, cap]) => new CappedCounter<number>(cap));
          for (const [kind, key] of ops) expect(t.add(kind, key)).toBe(models[kind]?.add(key));
          for (let kind = 0; kind < kinds; kind++) {
            const m = models[kind] as CappedCounter<number>;
            const v = t.view((TALLY_KINDS[kind] as (typeof TALLY_KINDS)[number])[0]);
            expect(v.size).toBe(m.counts.size);
            expect(v.overflow).toBe(m.overflow);
            expect(v.distinct).toBe(m.distinct);
            expect(new Map(v.entries())).toEqual(m.counts);
            const seen = new Map<number, number>();
            v.forEach((k, c) => {
              seen.set(k, c);
            });
            expect(seen).toEqual(m.counts);
            // inside readingTally (one pass for every kind) the same pairs in the same order,
            // and after it the table is read directly again
            const order: [number, number][] = [];
            v.forEach((k, c) => {
              order.push([k, c]);
            });
            const swept: [number, number][] = [];
            readingTally(t, () =>
              v.forEach((k, c) => {
                swept.push([k, c]);
              }),
            );
            expect(swept).toEqual(order);
            expect(readingTally(t, () => v.largest())).toBe(Math.max(0, ...m.counts.values()));
            expect(v.largest()).toBe(Math.max(0, ...m.counts.values()));
            expect(v.top(3)).toEqual([...m.counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3));
          }
          for (const [kind, key] of ops) expect(t.get(kind, key)).toBe(models[kind]?.counts.get(key));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads another tally directly while one is being read (a sweep is for its own tally only)", async () => {
    const { Tally, readingTally } = await import("./profile.js");
    const a = new Tally();
    const b = new Tally();
    a.add(2, 5);
    b.add(2, 6, 3);
    const seen: number[] = [];
    readingTally(a, () => {
      b.forEach(2, (k, c) => {
        seen.push(k, c);
      });
      readingTally(b, () =>
        a.forEach(2, (k, c) => {
          seen.push(k, c);
        }),
      );
    });
    expect(seen).toEqual([6, 3, 5, 1]);
  });

  it("keeps the low 28 bits of a key: keys of different kinds never meet", async () => {
    const { Tally } = await import("./profile.js");
    const t = new Tally();
    expect(t.add(0, 7)).toBe(0);
    expect(t.add(1, 7)).toBe(0);
    expect(t.add(0, 7 + 2 ** 28)).toBe(1);
    expect(t.get(0, 7)).toBe(2);
    expect(t.get(1, 7)).toBe(1);
    expect(t.get(2, 7)).toBeUndefined();
  });
});
