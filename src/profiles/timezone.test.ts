import { describe, expect, it } from "vitest";
import { countriesAt, impliedOffset, offsetDistance, zoneContradiction } from "./timezone.js";

/** A person's day in a zone: busy 9-23 local, asleep 1-7. */
function day(offset: number): number[] {
  const h = new Array<number>(24).fill(0);
  for (let local = 9; local < 23; local++) {
    const utc = (((local - offset) % 24) + 24) % 24;
    h[utc] = 10;
  }
  return h;
}

describe("implied time zone", () => {
  it.each([-6, 0, 1, 8, 9])("recovers UTC%i from a daily rhythm", (o) => {
    const r = impliedOffset(day(o));
    expect(Math.abs(r.offset - o)).toBeLessThanOrEqual(1);
    expect(r.strength).toBeGreaterThan(0.4);
  });
  it("finds no rhythm in flat activity", () => {
    expect(impliedOffset(new Array(24).fill(5)).strength).toBe(0);
  });
  it("measures the distance to a country's zones", () => {
    expect(offsetDistance("US", -7)).toBe(0);
    expect(offsetDistance("US", 8)).toBe(11);
    expect(offsetDistance("GB", 8)).toBe(8);
    expect(offsetDistance("ZZ", 0)).toBeUndefined();
    expect(countriesAt(8, ["CN", "RU", "IR"])).toEqual(["CN", "RU"]);
  });

  it("contradicts a declared country only beyond the sampling noise of the hours seen", () => {
    // a day in Beijing declared as the US: firm over many active hours
    const beijing = day(8);
    expect(zoneContradiction(beijing, "US", 60)?.z).toBeGreaterThan(3);
    // the same shape from four active hours is not evidence
    expect(zoneContradiction(beijing, "US", 4)?.z).toBeLessThan(3);
    // a US student's late evenings and mornings (UTC 0-5 and 12-15) fit the US day
    const student = new Array<number>(24).fill(0);
    for (const h of [0, 3, 4, 5, 12, 13, 14, 15, 19, 20]) student[h] = 4;
    expect(zoneContradiction(student, "US", 20)?.z ?? 0).toBeLessThan(3);
    // a day inside the declared country's zones never contradicts it
    expect(zoneContradiction(day(-6), "US", 200)?.z).toBe(0);
    expect(zoneContradiction(beijing, "ZZ", 60)).toBeUndefined();
  });
});
