import { describe, expect, it } from "vitest";
import { HandoffWatch, MAX_HANDOFF_PAIRS } from "./coordination.js";

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
