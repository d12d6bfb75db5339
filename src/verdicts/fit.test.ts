// Fitting the account model: weights keep their features' signs, the cut keeps every
// benign population of the training rows under the target, and a model file is checked.
import { describe, expect, it } from "vitest";
import { FEATURE_NAMES, FEATURES } from "./features.js";
import { fitAccountModel, type TrainingRow } from "./fit.js";
import { checkModel, HAND_SET_MODEL } from "./model.js";

const at = (name: string): number => FEATURE_NAMES.indexOf(name);

function rows(seed: number): TrainingRow[] {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: TrainingRow[] = [];
  const row = (campaign: string | null, population: string, set: Record<string, number>): TrainingRow => {
    const x = new Array<number>(FEATURES.length).fill(0);
    for (const [k, v] of Object.entries(set)) x[at(k)] = v;
    return { x, campaign, population };
  };
  for (let i = 0; i < 400; i++) {
    // harvest volume separates; "verified" is noise; new_account points the wrong way in this data
    out.push(
      row("c1", "c1", {
        harvest_prompts: 0.6 + 0.4 * rnd(),
        verified: rnd() < 0.5 ? 1 : 0,
        new_account: rnd() < 0.1 ? 1 : 0,
      }),
    );
    out.push(
      row(null, "people", {
        harvest_prompts: 0.5 * rnd(),
        conversational_follow_ups: 0.3 + 0.5 * rnd(),
        verified: rnd() < 0.5 ? 1 : 0,
        new_account: rnd() < 0.6 ? 1 : 0,
      }),
    );
    if (i < 60)
      out.push(row(null, "labs", { harvest_prompts: 0.2 + 0.3 * rnd(), deterministic_decoding: 1 }));
  }
  return out;
}

const scoreOf = (m: ReturnType<typeof fitAccountModel>, r: TrainingRow): number =>
  m.baseline + FEATURE_NAMES.reduce((t, n, j) => t + (m.weights[n] ?? 0) * (r.x[j] ?? 0), 0);

describe("fitting the account model", () => {
  const data = rows(7);
  const m = fitAccountModel(data, { iterations: 600 });

  it("gives the separating feature weight and holds every weight to its feature's sign", () => {
    expect(m.weights.harvest_prompts ?? 0).toBeGreaterThan(1);
    expect(m.weights.conversational_follow_ups ?? 0).toBeLessThan(0);
    // new_account points away from the campaign in these rows, but may only weigh toward one
    expect(m.weights.new_account ?? 0).toBe(0);
    for (const f of FEATURES) expect((m.weights[f.name] ?? 0) * f.sign).toBeGreaterThanOrEqual(0);
  });

  it("puts the cut at the threshold with no benign population of the training rows over it", () => {
    for (const pop of ["people", "labs"]) {
      const over = data.filter((r) => r.population === pop && scoreOf(m, r) >= 2.5).length;
      expect(over, pop).toBe(0);
    }
    const caught = data.filter((r) => r.campaign && scoreOf(m, r) >= 2.5).length;
    expect(caught / 400).toBeGreaterThan(0.8);
    expect(m.margins?.firm ?? -1).toBeLessThanOrEqual(m.margins?.leaning ?? -2);
  });

  it("writes a model that the checker accepts, and the checker refuses a flipped sign or an unknown feature", () => {
    expect(checkModel(JSON.parse(JSON.stringify(m)), "m")).toMatchObject({ version: 1 });
    expect(() =>
      checkModel({ ...HAND_SET_MODEL, weights: { ...HAND_SET_MODEL.weights, verified: 0.5 } }, "m"),
    ).toThrow(/verified must be a number of sign -/);
    expect(() => checkModel({ ...HAND_SET_MODEL, weights: { no_such_feature: 1 } }, "m")).toThrow(
      /unknown feature no_such_feature/,
    );
    expect(() => checkModel({ version: 2 }, "m")).toThrow(/not an account model/);
  });
});
