// The protection experiment on the real teacher answers (skipped without ../shared/datasets).
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runExperiment } from "./experiment.js";

const DATASETS = new URL("../../../shared/datasets", import.meta.url).pathname;
const present = existsSync(DATASETS);

// vitest lists it as skipped, with this name, where the datasets are absent
describe.skipIf(!present)("protection experiment (needs ../shared/datasets)", () => {
  it("detects a student trained on marked answers, not one trained on unmarked ones, and leaves code alone", () => {
    const r = runExperiment({
      datasets: DATASETS,
      fractions: [0, 1],
      orders: [3],
      budgets: [10_000],
      modes: ["cohort"],
      randomKeys: 100,
      wrongKeys: 50,
    });
    expect(r.quality.code_blocks_altered).toBe(0);
    expect(r.quality.answers_with_code).toBeGreaterThan(100);
    expect(r.quality.words_changed_share).toBeGreaterThan(0.001);
    expect(r.quality.words_changed_share).toBeLessThan(0.05);
    const none = r.rows.find((x) => x.fraction === 0);
    const all = r.rows.find((x) => x.fraction === 1);
    expect(all?.p_value).toBeLessThan(1e-6);
    expect(none?.p_value).toBeGreaterThan(1e-3);
  }, 120_000);
});
