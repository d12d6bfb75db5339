// The protection experiment on the real teacher answers (skipped without ../shared/datasets).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DatasetsMissing, heldOutTeacherAnswers, runExperiment } from "./experiment.js";

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

describe("held-out teacher answers", () => {
  it("reads every assistant turn of HH-RLHF conversations and OpenAssistant trees, and nothing the human wrote", () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-teacher-"));
    try {
      mkdirSync(join(dir, "hh-rlhf/helpful-base"), { recursive: true });
      mkdirSync(join(dir, "oasst-eval-samples"), { recursive: true });
      const chosen =
        "\n\nHuman: Hi?\n\nAssistant: Hello there.\n\nHuman: And then?\n\nAssistant: Then we stop.";
      const lines = [JSON.stringify({ chosen, rejected: "no" }), "", JSON.stringify({ chosen: 3 })];
      writeFileSync(join(dir, "hh-rlhf/helpful-base/test.jsonl.gz"), gzipSync(lines.join("\n")));
      const tree = {
        role: "prompter",
        text: "Question?",
        replies: [
          {
            role: "assistant",
            text: "First answer.",
            replies: [
              { role: "prompter", text: "More?", replies: [{ role: "assistant", text: "Deeper answer." }] },
            ],
          },
          { role: "assistant", text: "Second answer." },
        ],
      };
      writeFileSync(join(dir, "oasst-eval-samples/en_100_message.jsonl"), `${JSON.stringify(tree)}\n`);
      expect(heldOutTeacherAnswers(dir)).toEqual([
        "Hello there.",
        "Then we stop.",
        "First answer.",
        "Deeper answer.",
        "Second answer.",
      ]);
      rmSync(join(dir, "hh-rlhf"), { recursive: true });
      rmSync(join(dir, "oasst-eval-samples"), { recursive: true });
      expect(() => heldOutTeacherAnswers(dir)).toThrow(DatasetsMissing);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
