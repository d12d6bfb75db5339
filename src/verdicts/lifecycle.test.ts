// Lifecycle (issue 18): accounts used hard for a few days and abandoned, the way a hydra
// drops accounts and grey-market accounts are drained. A life must be seen whole: an account
// already in use when the log starts, one still in use, one with a person's pauses, and a
// trial of a few requests are not short lives.
import { describe, expect, it } from "vitest";
import { acct, type Ex, H, runDetector, T0 } from "./_test-helpers.js";
import { Detector } from "./detector.js";
import { FEATURE_NAMES } from "./features.js";
import { HAND_SET_MODEL } from "./model.js";

const D = 24 * H;
const LIFE = FEATURE_NAMES.indexOf("short_lived_use");

/** `perDay` exchanges on each of the given days (days from the log's start), from 9:00, 20 minutes apart. */
function use(account: string, days: readonly number[], perDay: number): Ex[] {
  const out: Ex[] = [];
  for (const d of days)
    for (let i = 0; i < perDay; i++)
      out.push({
        account,
        ts: T0 + d * D + 9 * H + i * 20 * 60_000,
        prompt: `question ${d}-${i} from ${account} about something new each time`,
      });
  return out;
}

describe("short-lived use", () => {
  it("reads a life seen whole, and none of its look-alikes", () => {
    const accounts = ["drained", "from_start", "still_in_use", "person", "trial", "clock"];
    const exchanges = [
      // from day 3 to day 7, then nothing while the log runs to day 14
      ...use("drained", [3, 4, 5, 6, 7], 12),
      // the same pattern, but already in use when the log starts: its life began before it
      ...use("from_start", [0, 1, 2, 3], 12),
      // started on day 9 and still in use on day 13
      ...use("still_in_use", [9, 10, 11, 12, 13], 12),
      // a person who comes back after a week's pause: silence is no longer than that
      ...use("person", [2, 3, 9], 8),
      // a trial: a handful of requests, then gone
      ...use("trial", [2], 6),
      // the rest of the log, so that its clock runs to day 14
      ...use("clock", [0, 4, 8, 12, 14], 2),
    ];
    // the hand-set model weighs the sign whatever the fitted one does, so that its reason is written
    const d = runDetector(
      new Detector(new Map(accounts.map((a) => [a, acct(a)])), { model: HAND_SET_MODEL }),
      exchanges,
    );
    const life = (id: string): number => {
      const p = d.profiles.get(id);
      if (!p) throw new Error(`no profile ${id}`);
      return d.featuresOf(p)[LIFE] ?? Number.NaN;
    };
    expect(life("drained")).toBe(1);
    expect(life("from_start")).toBe(0);
    expect(life("still_in_use")).toBe(0);
    expect(life("person")).toBe(0);
    expect(life("trial")).toBe(0);
    expect(life("clock")).toBe(0);
    const reason = d.decisions.get("drained")?.reasons.find((r) => r.signal === "short_lived_use");
    expect(reason?.detail).toMatch(/^60 exchanges over 4\.\d days .*silent for 6\.9 days/);
  });
});
