// A person's day has a night; a machine's does not. The entropy of the hours (around_the_clock)
// is high for both when a person's night is not empty, so no_quiet_hours reads the quietest
// six hours instead (leave-one-family-out at 3dda964 flagged two students on the entropy).
import { describe, expect, it } from "vitest";
import type { AccountProfile } from "../profiles/index.js";
import { acct, type Ex, H, opts, profileOf, T0 } from "./_test-helpers.js";
import { FEATURES } from "./features.js";

const feature = (name: string, p: AccountProfile): number => {
  const f = FEATURES.find((x) => x.name === name);
  if (!f) throw new Error(`no feature ${name}`);
  return f.value(p, opts);
};

// relative activity by hour for a person (a student's late evenings, a thin night)
const PERSON = [1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 2, 2, 2, 2, 2.2, 2.2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 1.8];

function account(id: string, perHour: (h: number) => number): Ex[] {
  const ex: Ex[] = [];
  let k = 0;
  for (let day = 0; day < 13; day++)
    for (let h = 0; h < 24; h++) {
      // counts spread over the days so that every hour's share holds
      const n = Math.floor(perHour(h) * (day + 1)) - Math.floor(perHour(h) * day);
      for (let i = 0; i < n; i++)
        ex.push({
          account: id,
          ts: T0 + day * 24 * H + h * H + i * 60_000,
          prompt: `question ${k++} about topic ${h}`,
        });
    }
  return ex;
}

describe("rhythm", () => {
  it("tells a person's day with a thin night from a machine's by its quiet hours, not its entropy", () => {
    const person = profileOf(
      acct("person"),
      account("person", (h) => PERSON[h] ?? 0),
    );
    const machine = profileOf(
      acct("machine"),
      account("machine", () => 1.5),
    );
    // the entropy cannot tell them apart
    expect(person.hourFlatness).toBeGreaterThan(0.92);
    expect(feature("around_the_clock", person)).toBe(1);
    // the quietest six hours can
    expect(person.quietHoursShare).toBeLessThan(0.05);
    expect(feature("no_quiet_hours", person)).toBe(0);
    expect(machine.quietHoursShare).toBeCloseTo(0.25, 1);
    expect(feature("no_quiet_hours", machine)).toBe(1);
  });
});
