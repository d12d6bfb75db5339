import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../datasets/index.js";
import { builtinCorpus, loadCorpus } from "./_corpus.js";
import { Rng } from "./_rng.js";

const DATASETS = new URL("../../../shared/datasets", import.meta.url).pathname;

describe("parseCsv", () => {
  it("handles quotes, doubled quotes, embedded commas and newlines", () => {
    expect(parseCsv('a,b\n"x, y","say ""hi""\nthere"\r\nlast,1')).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"\nthere'],
      ["last", "1"],
    ]);
  });
});

describe("corpus", () => {
  it("falls back to built-in text, saying which files are missing", () => {
    const logs: string[] = [];
    const c = loadCorpus(mkdtempSync(join(tmpdir(), "dg-empty-")), (m) => logs.push(m));
    expect(c.source).toBe("builtin");
    expect(logs.some((l) => l.includes("sharegpt-sample/conversations.jsonl not found"))).toBe(true);
    expect(c.homework(new Rng(1)).answer.length).toBeGreaterThan(0);
  });

  it("varies its built-in text", () => {
    const c = builtinCorpus();
    const rng = new Rng(3);
    const openers = new Set(Array.from({ length: 200 }, () => c.chat(rng).opener));
    expect(openers.size).toBeGreaterThan(100);
  });

  it.skipIf(!existsSync(DATASETS))(
    "draws real prompts from ../shared/datasets (needs ../shared/datasets)",
    () => {
      const logs: string[] = [];
      const c = loadCorpus(DATASETS, (m) => logs.push(m));
      expect(logs).toEqual([]);
      expect(c.source).toBe("datasets");
      const rng = new Rng(5);
      const solved = Array.from({ length: 50 }, () => c.solvedProblem(rng));
      expect(solved.filter((s) => s.answer.length > 0).length).toBeGreaterThan(40);
      const cot = new Set(Array.from({ length: 100 }, () => c.cotSystem(rng)));
      expect([...cot].some((s) => s.includes("think step-by-step and justify your steps"))).toBe(true);
    },
  );
});
