import { describe, expect, it } from "vitest";
import { AccountProfile } from "../profiles/index.js";
import { opts } from "./_test-helpers.js";
import { FEATURE_NAMES, featureValues, RELATIVE_HALF, TRACKED_FEATURES } from "./features.js";
import { POPULATION_CAP, Population, quantiles } from "./population.js";

/** A profile whose only content is `share` of its prompts read as harvest-style (of `n`). */
function asking(id: string, share: number, n = 40): AccountProfile {
  const p = new AccountProfile(id, undefined);
  p.n = n;
  p.asked = n;
  p.distinctOpenings = n;
  p.oneShotOpenings = n;
  p.harvestLike = Math.round(n * share);
  p.harvestOneShots = p.harvestLike;
  return p;
}

function populationOf(profiles: readonly AccountProfile[], pop = new Population()): Population {
  for (const p of profiles) pop.consider(p, true);
  pop.refresh(
    TRACKED_FEATURES,
    (p) => featureValues(p, opts),
    (p) => p.harvestLike,
  );
  return pop;
}

const HARVEST_SHARE = FEATURE_NAMES.indexOf("harvest_share");
const RELATIVE = FEATURE_NAMES.indexOf("harvest_share_in_log");
/** how much of its position an account of 40 prompts keeps (the rest is drawn to the median) */
const KEPT_40 = 40 / (40 + RELATIVE_HALF);

describe("the log's own population", () => {
  it("samples the same accounts whatever order they arrive in, and stays within its cap", () => {
    const ids = Array.from({ length: 3 * POPULATION_CAP }, (_, i) => asking(`acct-${i}`, (i % 10) / 10));
    const a = populationOf(ids);
    const b = populationOf([...ids].reverse());
    expect(a.size).toBe(b.size);
    expect(a.size).toBeLessThanOrEqual(POPULATION_CAP);
    expect(a.size).toBeGreaterThanOrEqual(POPULATION_CAP / 2);
    for (const s of [0, 5, 20, 39]) expect(a.scoreRank(s)).toBe(b.scoreRank(s));
  });

  it("places an account against the log it is in: the same account stands out less where many ask as it does", () => {
    const account = asking("x", 0.6);
    // a provider whose customers seldom ask harvest-style items
    const quiet = populationOf(Array.from({ length: 400 }, (_, i) => asking(`q${i}`, (i % 5) / 10)));
    // one where most customers ask exam-style items (a tutoring platform)
    const tutoring = populationOf(Array.from({ length: 400 }, (_, i) => asking(`t${i}`, 0.4 + (i % 6) / 10)));
    const inQuiet = featureValues(account, { ...opts, population: quiet });
    const inTutoring = featureValues(account, { ...opts, population: tutoring });
    // the absolute feature is the account's own; the relative one moves with the population
    expect(inQuiet[HARVEST_SHARE]).toBe(inTutoring[HARVEST_SHARE]);
    expect(inQuiet[RELATIVE]).toBeGreaterThan(0.9 * KEPT_40);
    expect(inTutoring[RELATIVE]).toBeLessThan(0.4 * KEPT_40);
  });

  it("draws a position read from a few prompts toward the median", () => {
    const quiet = populationOf(Array.from({ length: 400 }, (_, i) => asking(`q${i}`, (i % 5) / 10)));
    const few = featureValues(asking("few", 0.75, 8), { ...opts, population: quiet })[RELATIVE] ?? 0;
    const many = featureValues(asking("many", 0.75, 400), { ...opts, population: quiet })[RELATIVE] ?? 0;
    expect(many).toBeGreaterThan(0.9);
    expect(few).toBeGreaterThan(0);
    expect(few).toBeLessThan(0.5);
  });

  it("reads 0 at or below the median, and without a population large enough to stand for the log", () => {
    const pop = populationOf(Array.from({ length: 400 }, (_, i) => asking(`q${i}`, (i % 5) / 10)));
    expect(featureValues(asking("low", 0.1), { ...opts, population: pop })[RELATIVE]).toBe(0);
    const few = populationOf(Array.from({ length: 20 }, (_, i) => asking(`f${i}`, 0)));
    expect(few.ready).toBe(false);
    expect(featureValues(asking("x", 1), { ...opts, population: few })[RELATIVE]).toBe(0);
    expect(few.scoreRank(100)).toBe(0.5);
  });

  it("lets the fitted worlds' population stand for the log until the log has its own, then fades it", () => {
    // worlds where a tenth of prompts were harvest-style, give or take
    const reference = {
      weight: 200,
      features: { harvest_share: quantiles(Array.from({ length: 1000 }, (_, i) => (i % 20) / 100)) },
      scores: quantiles(Array.from({ length: 1000 }, (_, i) => i / 100)),
    };
    const account = asking("x", 0.6);
    const prior = new Population(reference, FEATURE_NAMES);
    expect(prior.ready).toBe(true);
    // no account of its own yet: the reference places it near the top
    expect(featureValues(account, { ...opts, population: prior })[RELATIVE]).toBeGreaterThan(0.9 * KEPT_40);
    expect(prior.scoreRank(5)).toBeCloseTo(0.5, 1);
    // a tutoring platform's log of 400 accounts outweighs the prior two to one
    const tutoring = populationOf(
      Array.from({ length: 400 }, (_, i) => asking(`t${i}`, 0.4 + (i % 6) / 10)),
      new Population(reference, FEATURE_NAMES),
    );
    const blended = featureValues(account, { ...opts, population: tutoring })[RELATIVE] ?? 0;
    const alone =
      featureValues(account, {
        ...opts,
        population: populationOf(Array.from({ length: 400 }, (_, i) => asking(`t${i}`, 0.4 + (i % 6) / 10))),
      })[RELATIVE] ?? 0;
    expect(blended).toBeGreaterThan(alone);
    expect(blended).toBeLessThan(0.9 * KEPT_40);
  });
});
