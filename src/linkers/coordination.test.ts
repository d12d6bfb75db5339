import { describe, expect, it } from "vitest";
import { ActiveHours } from "../profiles/index.js";
import { densestBlock, HandoffWatch, lockstepPairs, MAX_HANDOFF_PAIRS } from "./coordination.js";

describe("HandoffWatch", () => {
  it("pairs the account refused a prompt with the one that sends it within seconds", () => {
    const w = new HandoffWatch(10_000);
    expect(w.observe("a", "p1", 1000, 429)).toBeUndefined();
    expect(w.observe("b", "p1", 4000, 200)).toBe("a");
    // too late, or the same account retrying, is no hand-off
    w.observe("a", "p2", 1000, 429);
    expect(w.observe("b", "p2", 20_000, 200)).toBeUndefined();
    w.observe("c", "p3", 1000, 429);
    expect(w.observe("c", "p3", 2000, 200)).toBeUndefined();
    expect(w.pairs).toEqual([{ a: "a", b: "b", weight: 1 }]);
  });

  it("keeps at most MAX_HANDOFF_PAIRS pairs and counts the rest", () => {
    const w = new HandoffWatch(10_000);
    const n = MAX_HANDOFF_PAIRS + 25;
    for (let i = 0; i < n; i++) {
      w.observe("a", `p${i}`, i * 10, 429);
      w.observe("b", `p${i}`, i * 10 + 5, 200);
    }
    expect(w.pairs.length).toBe(MAX_HANDOFF_PAIRS);
    expect(w.dropped).toBe(25);
  });
});

const H = 3_600_000;
const T0 = Date.UTC(2026, 1, 2);
const hoursOf = (hs: readonly number[]): ActiveHours => {
  const a = new ActiveHours();
  for (const h of hs) a.mark(T0 + h * H + 60_000);
  return a;
};
const range = (from: number, n: number, step = 1): number[] =>
  Array.from({ length: n }, (_, i) => from + i * step);

describe("lockstepPairs", () => {
  it("pairs the members of a group active in the same hours, and no one else", () => {
    const hours = new Map([
      ["a", hoursOf(range(0, 40))],
      ["b", hoursOf(range(2, 40))],
      // the same group, another shift
      ["c", hoursOf(range(100, 40))],
      // in step with a, but too little activity to judge
      ["d", hoursOf(range(0, 10))],
    ]);
    const pairs = lockstepPairs([{ members: new Set(["a", "b", "c", "d"]) }], hours);
    expect(pairs.map((p) => [p.a, p.b])).toEqual([["a", "b"]]);
    // 38 shared hours of 42
    expect(pairs[0]?.weight).toBeCloseTo(38 / 42, 6);
  });

  it("reads a pair once however many groups hold it, and skips groups too large to compare", () => {
    const hours = new Map([
      ["a", hoursOf(range(0, 30))],
      ["b", hoursOf(range(0, 30))],
    ]);
    const both = lockstepPairs([{ members: new Set(["a", "b"]) }, { members: new Set(["b", "a"]) }], hours);
    expect(both).toHaveLength(1);
    const big = new Set(["a", "b", ...range(0, 70).map((i) => `x${i}`)]);
    expect(lockstepPairs([{ members: big }], hours)).toEqual([]);
    // the threshold is the caller's
    const loose = new Map([
      ["a", hoursOf(range(0, 30))],
      ["b", hoursOf(range(15, 30))],
    ]);
    expect(lockstepPairs([{ members: new Set(["a", "b"]) }], loose)).toEqual([]);
    expect(lockstepPairs([{ members: new Set(["a", "b"]) }], loose, { min: 0.3 })).toHaveLength(1);
  });
});

describe("densestBlock", () => {
  it("peels away accounts that share only popular values and finds the block that shares rare ones", () => {
    const av = new Map<string, string[]>();
    // a block: six accounts on the same card, exit and agent string, camouflaged with the
    // agent string everyone uses
    for (let i = 0; i < 6; i++) av.set(`c${i}`, ["card-x", "ip-x", "ua-x", "ua-common"]);
    // forty ordinary accounts: the common agent string and values of their own
    for (let i = 0; i < 40; i++) av.set(`u${i}`, ["ua-common", `ip-${i}`, `card-${i}`]);
    const { accounts, density } = densestBlock(av);
    expect(accounts).toEqual(["c0", "c1", "c2", "c3", "c4", "c5"]);
    // the block's own value: denser than the whole graph
    const whole = densestBlock(new Map([...av].filter(([a]) => a.startsWith("u"))));
    expect(density).toBeGreaterThan(whole.density);
  });

  it("returns nothing from nothing, and a lone account as its own block", () => {
    expect(densestBlock(new Map())).toEqual({ accounts: [], density: 0 });
    expect(densestBlock(new Map([["a", ["v"]]])).accounts).toEqual(["a"]);
  });
});
