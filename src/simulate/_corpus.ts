// Where the simulator's words come from: the built-in grammars, or, with --prompts,
// the real prompt sets in ../shared/datasets (see its README for provenance). Each
// purpose draws from the datasets that match it; a missing file is skipped with a
// message and that purpose falls back to built-in text.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { at, isObject } from "../contract/index.js";
import { BBH_TASKS, type Json, json, jsonl, objects, parseCsv, readText } from "../datasets/index.js";
import * as B from "./_builtin-text.js";
import type { Rng } from "./_rng.js";

export interface QA {
  readonly question: string;
  readonly answer: string;
}

export interface Corpus {
  readonly source: "builtin" | "datasets";
  /** real users' conversation openers and their later turns */
  chat(rng: Rng): { opener: string; followUps: readonly string[] };
  /** a persona or role prompt a user sets as the system prompt */
  persona(rng: Rng): string;
  /** a task a developer gives a coding agent */
  codingTask(rng: Rng): string;
  /** a homework problem (students) */
  homework(rng: Rng): QA;
  /** a benchmark item (evaluation sweeps) */
  benchmark(rng: Rng): QA & { readonly suite: string };
  /**
   * a run of one benchmark: n consecutive items of a suite from a random start (wrapping), as
   * an evaluation harness sends them; the same suite run again repeats its items
   */
  benchmarkRun(rng: Rng, n: number): (QA & { readonly suite: string })[];
  /** a question and a model's answer to be judged */
  judgeItem(rng: Rng): QA;
  /** a solved problem: the reasoning campaign asks for the reasoning behind the answer */
  solvedProblem(rng: Rng): QA;
  /** an instruction and its answer from a distillation data set (reward-model grading) */
  gradingItem(rng: Rng): QA;
  /** a generic instruction, as distillation sweeps use */
  instruction(rng: Rng): { instruction: string; input: string };
  codeInstruction(rng: Rng): string;
  toolTask(rng: Rng): string;
  cotSystem(rng: Rng): string;
  /** an exam or benchmark question (TruthfulQA, BIG-Bench Hard) */
  exam(rng: Rng): string;
  /** an instruction in another language (Chinese Alpaca) */
  foreign(rng: Rng): string;
}

export type CorpusLog = (message: string) => void;

const MAX_CHARS = 3000;
const clip = (s: string): string => (s.length > MAX_CHARS ? s.slice(0, MAX_CHARS) : s);

class Pools {
  readonly chats: { opener: string; followUps: string[] }[] = [];
  readonly personas: string[] = [];
  readonly coding: string[] = [];
  readonly homework: QA[] = [];
  readonly bench: (QA & { suite: string })[] = [];
  readonly judge: QA[] = [];
  readonly solved: QA[] = [];
  readonly grading: QA[] = [];
  readonly instructions: { instruction: string; input: string }[] = [];
  readonly codeInstr: string[] = [];
  readonly tools: string[] = [];
  readonly cot: string[] = [];
  readonly exam: string[] = [];
  readonly foreign: string[] = [];
}

/** Built-in text only. */
export function builtinCorpus(): Corpus {
  return makeCorpus(new Pools(), "builtin");
}

function fromPool<T>(rng: Rng, pool: readonly T[], share: number, fallback: () => T): T {
  return pool.length > 0 && rng.chance(share) ? rng.pick(pool) : fallback();
}

function makeCorpus(p: Pools, source: Corpus["source"]): Corpus {
  const real = source === "datasets" ? 0.9 : 0;
  return {
    source,
    chat: (rng) =>
      fromPool(rng, p.chats, real, () => ({
        opener: B.chatOpener(rng),
        followUps: Array.from({ length: 6 }, () => B.chatFollowUp(rng)),
      })),
    persona: (rng) =>
      fromPool(rng, p.personas, real, () => `You are a friendly assistant helping with ${B.chatOpener(rng)}`),
    codingTask: (rng) => fromPool(rng, p.coding, real * 0.6, () => B.codingTask(rng)),
    homework: (rng) => fromPool(rng, p.homework, real, () => mathQA(rng)),
    benchmark: (rng) => fromPool(rng, p.bench, real, () => ({ ...mathQA(rng), suite: "builtin-math" })),
    benchmarkRun: (rng, n) => {
      const suites = [...new Set(p.bench.map((b) => b.suite))];
      if (suites.length === 0 || !rng.chance(real))
        return Array.from({ length: n }, () => ({ ...mathQA(rng), suite: "builtin-math" }));
      const suite = rng.pick(suites);
      const items = p.bench.filter((b) => b.suite === suite);
      const start = rng.int(0, items.length - 1);
      return Array.from({ length: n }, (_, i) => at(items, (start + i) % items.length));
    },
    judgeItem: (rng) =>
      fromPool(rng, p.judge, real, () => ({ question: B.chatOpener(rng), answer: B.prose(rng, 120) })),
    solvedProblem: (rng) => fromPool(rng, p.solved, real, () => mathQA(rng)),
    gradingItem: (rng) =>
      fromPool(rng, p.grading, real, () => {
        const i = B.genericInstruction(rng);
        return { question: i.instruction, answer: B.prose(rng, 100) };
      }),
    instruction: (rng) => fromPool(rng, p.instructions, real, () => B.genericInstruction(rng)),
    codeInstruction: (rng) => fromPool(rng, p.codeInstr, real, () => B.codeInstruction(rng)),
    toolTask: (rng) => fromPool(rng, p.tools, real, () => B.toolTask(rng)),
    cotSystem: (rng) => fromPool(rng, p.cot, real * 0.7, () => B.cotSystem(rng)),
    exam: (rng) => fromPool(rng, p.exam, real, () => mathQA(rng).question),
    foreign: (rng) =>
      fromPool(rng, p.foreign, real, () => `请解释：${B.genericInstruction(rng).instruction}`),
  };
}

function mathQA(rng: Rng): QA {
  const m = B.mathProblem(rng);
  return { question: m.question, answer: m.answer };
}

// --- loading the shared datasets ---

const str = (v: Json): string | undefined =>
  typeof v === "string" && v.trim().length > 0 ? clip(v) : undefined;

const CODEY =
  /\b(?:code|function|python|javascript|typescript|java|sql|error|bug|api|script|regex|class|compile|react|html|css)\b/i;

/** GSM8K puts the final answer after "####" on the last line. */
function gsmAnswer(answer: unknown): string | undefined {
  if (typeof answer !== "string") return undefined;
  const at = answer.lastIndexOf("####");
  const a = at < 0 ? "" : answer.slice(at + 4).trim();
  return a.length > 0 && a.length <= 40 ? a : undefined;
}

/**
 * Loads the prompt sets under `dir`. Each file that is absent is reported through
 * `log` and skipped; the corresponding purpose then uses built-in text.
 */
export function loadCorpus(dir: string, log: CorpusLog): Corpus {
  const p = new Pools();
  const loaded: string[] = [];
  const use = (rel: string, fn: (path: string) => void): void => {
    const path = join(dir, rel);
    if (!existsSync(path)) {
      log(`prompts: ${rel} not found under ${dir}; using built-in text for it`);
      return;
    }
    try {
      fn(path);
      loaded.push(rel);
    } catch (err) {
      log(`prompts: could not read ${rel} (${(err as Error).message}); using built-in text for it`);
    }
  };

  use("sharegpt-sample/conversations.jsonl", (path) => {
    for (const c of jsonl(path)) {
      if (!isObject(c) || !Array.isArray(c.conversations)) continue;
      const human = c.conversations
        .flatMap((t) => (isObject(t) && t.from === "human" ? [str(t.value)] : []))
        .filter((s): s is string => s !== undefined);
      const [opener, ...followUps] = human;
      if (!opener) continue;
      p.chats.push({ opener, followUps });
      if (CODEY.test(opener)) p.coding.push(opener);
    }
  });
  use("oasst-eval-samples/prompt_lottery_en_250_text.jsonl", (path) => {
    for (const s of jsonl(path))
      if (typeof s === "string" && s.length > 0) p.chats.push({ opener: clip(s), followUps: [] });
  });
  use("oasst-eval-samples/en_100_text.jsonl", (path) => {
    for (const s of jsonl(path))
      if (typeof s === "string" && s.length > 0) p.chats.push({ opener: clip(s), followUps: [] });
  });
  use("alpaca-eval/model_outputs.json", (path) => {
    for (const it of objects(json(path))) {
      const q = str(it.instruction);
      const a = str(it.output);
      if (!q) continue;
      p.chats.push({ opener: q, followUps: [] });
      if (a) p.judge.push({ question: q, answer: a });
    }
  });
  use("awesome-chatgpt-prompts/prompts.csv", (path) => {
    const rows = parseCsv(readText(path));
    for (const row of rows.slice(1)) {
      const prompt = row[1];
      if (prompt && prompt.length > 20) p.personas.push(clip(prompt));
    }
  });
  use("gsm8k/train.jsonl", (path) => {
    jsonl(path).forEach((r, i) => {
      if (!isObject(r)) return;
      const q = str(r.question);
      const a = gsmAnswer(r.answer);
      if (!q || !a) return;
      // students get one half of the training set, the reasoning campaign the other
      (i % 2 === 0 ? p.homework : p.solved).push({ question: q, answer: a });
    });
  });
  use("gsm8k/test.jsonl", (path) => {
    for (const r of objects(jsonl(path))) {
      const q = str(r.question);
      const a = gsmAnswer(r.answer);
      if (q && a) p.bench.push({ question: q, answer: a, suite: "gsm8k" });
    }
  });
  use("math500/test.jsonl", (path) => {
    for (const r of objects(jsonl(path))) {
      const q = str(r.problem);
      const a = str(r.answer);
      if (q && a) p.bench.push({ question: q, answer: a, suite: "math500" });
    }
  });
  use("humaneval/HumanEval.jsonl.gz", (path) => {
    for (const r of objects(jsonl(path))) {
      const q = str(r.prompt);
      if (q)
        p.bench.push({
          question: `Complete the following Python function.\n\n${q}`,
          answer: "",
          suite: "humaneval",
        });
    }
  });
  for (const bench of ["mt-bench/mt_bench/question.jsonl", "mt-bench/vicuna_bench/question.jsonl"]) {
    use(bench, (path) => {
      for (const r of jsonl(path)) {
        if (!isObject(r) || !Array.isArray(r.turns)) continue;
        const q = str(r.turns[0]);
        if (q) p.bench.push({ question: q, answer: "", suite: bench.split("/")[1] ?? "mt-bench" });
      }
    });
  }
  for (const rl of [
    "reasoning-rl-prompts/aime.json",
    "reasoning-rl-prompts/math.json",
    "reasoning-rl-prompts/leetcode.json",
  ]) {
    use(rl, (path) => {
      for (const r of objects(json(path))) {
        const q = str(r.problem);
        const a = str(r.answer) ?? (typeof r.answer === "number" ? String(r.answer) : undefined) ?? "";
        if (!q) continue;
        if (rl.includes("leetcode")) p.codeInstr.push(q);
        else p.solved.push({ question: q, answer: a });
      }
    });
  }
  use("alpaca-sample/alpaca_en_demo.json", (path) => {
    for (const r of objects(json(path))) {
      const q = str(r.instruction);
      const a = str(r.output);
      if (!q) continue;
      p.instructions.push({ instruction: q, input: str(r.input) ?? "" });
      if (a) p.grading.push({ question: q, answer: a });
    }
  });
  for (const seeds of ["self-instruct/seed_tasks.jsonl", "self-instruct/user_oriented_instructions.jsonl"]) {
    use(seeds, (path) => {
      for (const r of objects(jsonl(path))) {
        const q = str(r.instruction);
        const inst = Array.isArray(r.instances) ? r.instances[0] : undefined;
        if (q) p.instructions.push({ instruction: q, input: isObject(inst) ? (str(inst.input) ?? "") : "" });
      }
    });
  }
  use("codealpaca/code_alpaca_2k.json", (path) => {
    for (const r of objects(json(path))) {
      const q = str(r.instruction);
      const input = str(r.input);
      if (q) p.codeInstr.push(input ? `${q}\n\n${input}` : q);
    }
  });
  use("gpteacher/codegen-instruct.json", (path) => {
    for (const r of objects(json(path))) {
      const q = str(r.instruction);
      if (q) p.codeInstr.push(q);
    }
  });
  use("gpteacher/toolformer-dedupe-only-dataset.json", (path) => {
    for (const r of objects(json(path))) {
      const q = str(r.instruction);
      if (q) p.tools.push(q);
    }
  });
  use("gpteacher/roleplay-simple-deduped-roleplay-instruct.json", (path) => {
    for (const r of objects(json(path))) {
      const q = str(r.instruction);
      if (q) p.instructions.push({ instruction: q, input: str(r.input) ?? "" });
    }
  });
  use("orca-system-prompts/orca_system_prompts.derived.json", (path) => {
    const doc = json(path);
    if (!isObject(doc) || !Array.isArray(doc.system_messages)) return;
    for (const s of doc.system_messages) {
      const v = str(s);
      if (v) p.cot.push(v.trim());
    }
  });
  use("orca-system-prompts/system_messages.derived.json", (path) => {
    const doc = json(path);
    if (!isObject(doc) || !isObject(doc.lists)) return;
    for (const list of Object.values(doc.lists)) {
      if (!Array.isArray(list)) continue;
      for (const s of list) {
        const v = str(s);
        if (v) p.cot.push(v.trim().replace(/\s+/g, " "));
      }
    }
  });
  use("truthfulqa/TruthfulQA.csv", (path) => {
    for (const row of parseCsv(readText(path)).slice(1)) {
      const q = str(row[2]);
      if (q) p.exam.push(q);
    }
  });
  for (const t of BBH_TASKS)
    use(`bbh/bbh/${t}.json`, (path) => {
      const doc = json(path);
      if (isObject(doc))
        for (const e of objects(doc.examples)) {
          const q = str(e.input);
          if (q) p.exam.push(q);
        }
    });
  use("alpaca-zh/zh_data_sample_3000.json", (path) => {
    for (const r of objects(json(path))) {
      const q = str(r.instruction);
      const input = str(r.input);
      if (q) p.foreign.push(input ? `${q}\n\n${input}` : q);
    }
  });
  if (loaded.length === 0) log(`prompts: no prompt set found under ${dir}; using built-in text`);
  return makeCorpus(p, loaded.length > 0 ? "datasets" : "builtin");
}
