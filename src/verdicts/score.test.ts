import { describe, expect, it } from "vitest";
import { acct, type Ex, H, opts, profileOf, T0 } from "./_test-helpers.js";
import { featureValues } from "./features.js";
import { shippedAccountModel } from "./model.js";
import { Population } from "./population.js";
import { reasonScore, scoreProfile, valuesScore } from "./score.js";

// accounts unlike each other, so that many features and their rounding take part
function accounts(): ReturnType<typeof profileOf>[] {
  const out: ReturnType<typeof profileOf>[] = [];
  for (let k = 0; k < 12; k++) {
    const ex: Ex[] = Array.from({ length: 10 + 7 * k }, (_, i) => ({
      account: `a${k}`,
      ts: T0 + i * (k + 1) * 23 * 60_000,
      prompt:
        k % 3 === 0
          ? `Solve step by step and give the final answer: a shop sells ${i + k} pens at ${i * 3 + 1} dollars each.`
          : k % 3 === 1
            ? `hey, what do you think about my plan for the weekend ${i}?`
            : `Write a Python function that returns the ${i + 2}th prime number.`,
      out: 200 + 90 * k,
      ...(i % 4 === 3 && k % 2 === 0 ? { history: [{ user: "earlier", assistant: "..." }] } : {}),
    }));
    out.push(
      profileOf(
        acct(`a${k}`, {
          created_at: new Date(T0 - (k * 40 + 1) * 24 * H).toISOString(),
          signup_country: k % 4 === 0 ? "CN" : "US",
        }),
        ex,
      ),
    );
  }
  return out;
}

describe("the checkpoints' score without reasons", () => {
  it("equals what the reasons add up to, with and without a population, less skipped signals", () => {
    const model = shippedAccountModel();
    const ps = accounts();
    const withoutPop = { ...opts, population: new Population(model.population, []) };
    const pop = new Population();
    for (const p of ps) pop.consider(p, true);
    for (const context of [withoutPop, { ...opts, population: pop }]) {
      for (const p of ps) {
        const s = scoreProfile(p, { ...context, model, details: false });
        const x = featureValues(p, context);
        expect(valuesScore(x, model)).toBe(s.score);
        expect(reasonScore(s.reasons)).toBe(s.score);
        // skipping the strongest signal takes exactly its weight away
        const top = s.reasons[0];
        if (top === undefined) continue;
        const skipped = valuesScore(x, model, new Set([top.signal]));
        expect(skipped).toBeCloseTo(s.score - top.weight, 9);
      }
    }
    // the accounts differ: the equality above is not of one constant
    const scores = new Set(ps.map((p) => scoreProfile(p, { ...opts, model }).score));
    expect(scores.size).toBeGreaterThan(3);
  });
});
