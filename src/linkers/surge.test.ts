import { describe, expect, it } from "vitest";
import { surgeKey } from "../profiles/index.js";
import { ContentSurge, SURGE_DAYS } from "./surge.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2);

describe("ContentSurge", () => {
  it("judges a day's content against the days before, for SURGE_DAYS days, then absorbs it", () => {
    const s = new ContentSurge();
    for (let d = 0; d < 20; d++) {
      // steady chat from 30 accounts
      for (let a = 0; a < 30; a++) s.add(surgeKey(T0 + d * DAY, 0), 10, true);
      // from day 5, a new kind of content from 8 accounts
      if (d >= 5) for (let a = 0; a < 8; a++) s.add(surgeKey(T0 + d * DAY, 3), 15, true);
      // from day 5, another new kind from one account only
      if (d >= 5) s.add(surgeKey(T0 + d * DAY, 5), 120, d === 5);
    }
    const day0 = Math.floor(T0 / DAY);
    const cells = s.list();
    const surging = cells.filter((c) => c.excess > 0).map((c) => [c.cluster, c.day - day0]);
    expect(surging).toEqual(Array.from({ length: SURGE_DAYS }, (_, i) => [3, 5 + i]));
    // the excess is the share of the day's cell the baseline does not explain
    const first = cells.find((c) => c.cluster === 3 && c.day === day0 + 5);
    expect(first?.excess).toBeGreaterThan(0.95);
    expect(s.excess(surgeKey(T0 + 5 * DAY, 3))).toBe(first?.excess);
    expect(s.excess(surgeKey(T0 + 5 * DAY, 5))).toBe(0);
    expect(s.excess(surgeKey(T0 + 5 * DAY, 0))).toBe(0);
  });

  it("judges nothing until the log holds a baseline", () => {
    const s = new ContentSurge();
    for (let a = 0; a < 10; a++) s.add(surgeKey(T0, 0), 50, true);
    for (let a = 0; a < 10; a++) s.add(surgeKey(T0 + DAY, 7), 50, true);
    expect(s.list().filter((c) => c.excess > 0)).toEqual([]);
  });
});
