// The shared prompt sets (../shared/datasets, never copied here), read by source: the
// simulator draws its words from them and the harvest classifier is trained and measured
// on them, source by source (leave-one-source-out). Each source is labelled by what its
// prompts are: `harvest` (self-contained tasks, exam and benchmark items, data-generation
// instructions, agent tasks: what a distiller sends) or `organic` (real users' and crowd
// workers' own turns in conversations). A missing file is reported and skipped.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { isObject } from "../contract/index.js";

export type Json = unknown;

export function readText(path: string): string {
  const buf = readFileSync(path);
  return (path.endsWith(".gz") ? gunzipSync(buf) : buf).toString("utf8");
}

/** The parseable lines of a JSON Lines file (others are skipped). */
export function jsonl(path: string): Json[] {
  return readText(path)
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Json];
      } catch {
        return [];
      }
    });
}

export function json(path: string): Json {
  return JSON.parse(readText(path)) as Json;
}

/** The objects of a JSON array (anything else yields nothing). */
export function objects(doc: Json): Record<string, Json>[] {
  return Array.isArray(doc) ? doc.filter(isObject) : [];
}

/** Minimal RFC 4180 CSV: quoted fields with doubled quotes and embedded newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else if (ch !== "\r") field += ch;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export type PromptLabel = "harvest" | "organic";

export interface PromptSource {
  readonly name: string;
  readonly label: PromptLabel;
  /** what the prompts are, for the tables in docs/quality.md */
  readonly what: string;
  /** files under the datasets folder it reads (all must exist) */
  readonly files: readonly string[];
  /** false: measured when held out, never trained on (see `why`) */
  readonly train: boolean;
  readonly why?: string;
  load(dir: string): string[];
}

const text = (v: Json): string | undefined => (typeof v === "string" && v.trim().length > 0 ? v : undefined);
const field = (name: string) => (r: Record<string, Json>) => text(r[name]);
const withInput = (r: Record<string, Json>): string | undefined => {
  const q = text(r.instruction);
  const input = text(r.input);
  return q === undefined ? undefined : input ? `${q}\n\n${input}` : q;
};
const defined = (xs: (string | undefined)[]): string[] => xs.filter((x): x is string => x !== undefined);

/** The human turns of an HH-RLHF transcript ("\n\nHuman: ... \n\nAssistant: ..."). */
export function hhHumanTurns(transcript: string): string[] {
  const out: string[] = [];
  for (const part of transcript.split("\n\nHuman: ").slice(1)) {
    const end = part.indexOf("\n\nAssistant:");
    const t = (end < 0 ? part : part.slice(0, end)).trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}

/** The user turns of a BFCL entry: `question` is a list of turns, each a list of messages. */
function bfclTurns(r: Record<string, Json>): string[] {
  const q = r.question;
  if (!Array.isArray(q)) return [];
  return q.flatMap((turn) =>
    Array.isArray(turn)
      ? turn.flatMap((m) => (isObject(m) && m.role === "user" ? defined([text(m.content)]) : []))
      : [],
  );
}

const BFCL_FILES = [
  "bfcl/BFCL_v4_simple_python.json",
  "bfcl/BFCL_v4_simple_java.json",
  "bfcl/BFCL_v4_simple_javascript.json",
  "bfcl/BFCL_v4_multiple.json",
  "bfcl/BFCL_v4_parallel.json",
  "bfcl/BFCL_v4_parallel_multiple.json",
  "bfcl/BFCL_v4_live_simple.json",
  "bfcl/BFCL_v4_live_parallel.json",
  "bfcl/BFCL_v4_live_multiple.json.gz",
  "bfcl/BFCL_v4_multi_turn_base.json",
];

export const BBH_TASKS = [
  "boolean_expressions",
  "causal_judgement",
  "date_understanding",
  "disambiguation_qa",
  "formal_fallacies",
  "geometric_shapes",
  "hyperbaton",
  "logical_deduction_five_objects",
  "movie_recommendation",
  "navigate",
  "object_counting",
  "penguins_in_a_table",
  "ruin_names",
  "snarks",
  "sports_understanding",
  "temporal_sequences",
  "web_of_lies",
  "word_sorting",
];

/** BFCL's JSON files are JSON Lines despite their name. */
const lines = (dir: string, rel: string): Record<string, Json>[] => jsonl(join(dir, rel)).filter(isObject);

export const PROMPT_SOURCES: readonly PromptSource[] = [
  // --- organic: people's own turns
  {
    name: "sharegpt",
    label: "organic",
    what: "ShareGPT users' turns (openers and follow-ups)",
    files: ["sharegpt-sample/conversations.jsonl"],
    train: true,
    load: (dir) =>
      jsonl(join(dir, "sharegpt-sample/conversations.jsonl")).flatMap((c) =>
        isObject(c) && Array.isArray(c.conversations)
          ? c.conversations.flatMap((t) =>
              isObject(t) && t.from === "human" ? defined([text(t.value)]) : [],
            )
          : [],
      ),
  },
  {
    name: "oasst",
    label: "organic",
    what: "OpenAssistant prompters' messages",
    files: ["oasst-eval-samples/prompt_lottery_en_250_text.jsonl", "oasst-eval-samples/en_100_text.jsonl"],
    train: true,
    load: (dir) =>
      [
        ...jsonl(join(dir, "oasst-eval-samples/prompt_lottery_en_250_text.jsonl")),
        ...jsonl(join(dir, "oasst-eval-samples/en_100_text.jsonl")),
      ].flatMap((s) => defined([text(s)])),
  },
  {
    name: "hh-helpful",
    label: "organic",
    what: "crowd workers' turns asking an assistant for help (HH-RLHF helpful-base)",
    files: ["hh-rlhf/helpful-base/test.jsonl.gz"],
    train: true,
    load: (dir) =>
      jsonl(join(dir, "hh-rlhf/helpful-base/test.jsonl.gz")).flatMap((r) =>
        isObject(r) && typeof r.chosen === "string" ? hhHumanTurns(r.chosen) : [],
      ),
  },
  {
    name: "hh-harmless",
    label: "organic",
    what: "crowd workers' red-team turns (HH-RLHF harmless-base)",
    files: ["hh-rlhf/harmless-base/test.jsonl.gz"],
    train: true,
    load: (dir) =>
      jsonl(join(dir, "hh-rlhf/harmless-base/test.jsonl.gz")).flatMap((r) =>
        isObject(r) && typeof r.chosen === "string" ? hhHumanTurns(r.chosen) : [],
      ),
  },
  {
    name: "awesome-prompts",
    label: "organic",
    what: "community role prompts (awesome-chatgpt-prompts)",
    files: ["awesome-chatgpt-prompts/prompts.csv"],
    train: true,
    load: (dir) =>
      parseCsv(readText(join(dir, "awesome-chatgpt-prompts/prompts.csv")))
        .slice(1)
        .flatMap((row) => defined([text(row[1])])),
  },
  {
    name: "alpaca-eval",
    label: "organic",
    what: "AlpacaEval's instructions (mostly real users' queries: OASST, Koala, Vicuna, HH)",
    files: ["alpaca-eval/model_outputs.json"],
    train: true,
    load: (dir) =>
      defined(objects(json(join(dir, "alpaca-eval/model_outputs.json"))).map(field("instruction"))),
  },
  // --- harvest: what distillers send
  {
    name: "gsm8k",
    label: "harvest",
    what: "GSM8K grade-school word problems",
    files: ["gsm8k/train.jsonl", "gsm8k/test.jsonl"],
    train: true,
    load: (dir) =>
      defined(
        [...jsonl(join(dir, "gsm8k/train.jsonl")), ...jsonl(join(dir, "gsm8k/test.jsonl"))]
          .filter(isObject)
          .map(field("question")),
      ),
  },
  {
    name: "math",
    label: "harvest",
    what: "MATH competition problems (RL pool and MATH-500)",
    files: ["reasoning-rl-prompts/math.json", "math500/test.jsonl"],
    train: true,
    load: (dir) => [
      ...defined(objects(json(join(dir, "reasoning-rl-prompts/math.json"))).map(field("problem"))),
      ...defined(jsonl(join(dir, "math500/test.jsonl")).filter(isObject).map(field("problem"))),
    ],
  },
  {
    name: "aime",
    label: "harvest",
    what: "AIME problems",
    files: ["reasoning-rl-prompts/aime.json"],
    train: true,
    load: (dir) => defined(objects(json(join(dir, "reasoning-rl-prompts/aime.json"))).map(field("problem"))),
  },
  {
    name: "leetcode",
    label: "harvest",
    what: "LeetCode programming problems",
    files: ["reasoning-rl-prompts/leetcode.json"],
    train: true,
    load: (dir) =>
      defined(objects(json(join(dir, "reasoning-rl-prompts/leetcode.json"))).map(field("problem"))),
  },
  {
    name: "humaneval",
    label: "harvest",
    what: "HumanEval function-completion problems",
    files: ["humaneval/HumanEval.jsonl.gz"],
    train: true,
    load: (dir) =>
      defined(jsonl(join(dir, "humaneval/HumanEval.jsonl.gz")).filter(isObject).map(field("prompt"))),
  },
  {
    name: "bbh",
    label: "harvest",
    what: "BIG-Bench Hard reasoning items",
    files: BBH_TASKS.map((t) => `bbh/bbh/${t}.json`),
    train: true,
    load: (dir) =>
      BBH_TASKS.flatMap((t) => {
        const doc = json(join(dir, `bbh/bbh/${t}.json`));
        return isObject(doc) ? defined(objects(doc.examples).map(field("input"))) : [];
      }),
  },
  {
    name: "truthfulqa",
    label: "harvest",
    what: "TruthfulQA exam questions",
    files: ["truthfulqa/TruthfulQA.csv"],
    train: true,
    load: (dir) =>
      parseCsv(readText(join(dir, "truthfulqa/TruthfulQA.csv")))
        .slice(1)
        .flatMap((row) => defined([text(row[2])])),
  },
  {
    name: "mt-bench",
    label: "harvest",
    what: "MT-Bench and Vicuna-bench questions (expert-written benchmark prompts)",
    files: ["mt-bench/mt_bench/question.jsonl", "mt-bench/vicuna_bench/question.jsonl"],
    train: true,
    load: (dir) =>
      ["mt-bench/mt_bench/question.jsonl", "mt-bench/vicuna_bench/question.jsonl"].flatMap((f) =>
        jsonl(join(dir, f)).flatMap((r) =>
          isObject(r) && Array.isArray(r.turns) ? defined([text(r.turns[0])]) : [],
        ),
      ),
  },
  {
    name: "alpaca",
    label: "harvest",
    what: "Alpaca instructions (GPT-4 distillation set)",
    files: ["alpaca-sample/alpaca_en_demo.json"],
    train: true,
    load: (dir) => defined(objects(json(join(dir, "alpaca-sample/alpaca_en_demo.json"))).map(withInput)),
  },
  {
    name: "self-instruct",
    label: "harvest",
    what: "self-instruct and Stanford Alpaca seed tasks, user-oriented instructions",
    files: [
      "self-instruct/seed_tasks.jsonl",
      "self-instruct/user_oriented_instructions.jsonl",
      "stanford-alpaca/seed_tasks.jsonl",
    ],
    train: true,
    load: (dir) =>
      [
        "self-instruct/seed_tasks.jsonl",
        "self-instruct/user_oriented_instructions.jsonl",
        "stanford-alpaca/seed_tasks.jsonl",
      ].flatMap((f) =>
        jsonl(join(dir, f)).flatMap((r) => {
          if (!isObject(r)) return [];
          const q = text(r.instruction);
          const inst = Array.isArray(r.instances) ? r.instances[0] : undefined;
          const input = isObject(inst) ? text(inst.input) : undefined;
          return q === undefined ? [] : [input ? `${q}\n\n${input}` : q];
        }),
      ),
  },
  {
    name: "codealpaca",
    label: "harvest",
    what: "Code Alpaca instructions (2k sample and the GPT-4 codegen set)",
    files: ["codealpaca/code_alpaca_2k.json", "codealpaca/new_codealpaca.json"],
    train: true,
    load: (dir) => [
      ...defined(objects(json(join(dir, "codealpaca/code_alpaca_2k.json"))).map(withInput)),
      ...defined(objects(json(join(dir, "codealpaca/new_codealpaca.json"))).map(withInput)),
    ],
  },
  {
    name: "gpteacher-codegen",
    label: "harvest",
    what: "GPTeacher code-generation instructions",
    files: ["gpteacher/codegen-instruct.json"],
    train: true,
    load: (dir) => defined(objects(json(join(dir, "gpteacher/codegen-instruct.json"))).map(withInput)),
  },
  {
    name: "gpteacher-roleplay",
    label: "harvest",
    what: "GPTeacher role-play instructions (model-generated)",
    files: ["gpteacher/roleplay-simple-deduped-roleplay-instruct.json"],
    train: true,
    load: (dir) =>
      defined(
        objects(json(join(dir, "gpteacher/roleplay-simple-deduped-roleplay-instruct.json"))).map(withInput),
      ),
  },
  {
    name: "gpteacher-toolformer",
    label: "harvest",
    what: "GPTeacher Toolformer tool-use instructions",
    files: ["gpteacher/toolformer-dedupe-only-dataset.json"],
    train: true,
    load: (dir) =>
      defined(objects(json(join(dir, "gpteacher/toolformer-dedupe-only-dataset.json"))).map(withInput)),
  },
  {
    name: "bfcl",
    label: "harvest",
    what: "Berkeley Function Calling Leaderboard user requests",
    files: BFCL_FILES,
    train: true,
    load: (dir) => BFCL_FILES.flatMap((f) => lines(dir, f).flatMap(bfclTurns)),
  },
  {
    name: "alpaca-zh",
    label: "harvest",
    what: "Chinese Alpaca-style instructions",
    files: ["alpaca-zh/zh_data_sample_3000.json"],
    train: false,
    why: "no organic Chinese set to contrast it with: trained on, it would teach that Chinese means harvest",
    load: (dir) => defined(objects(json(join(dir, "alpaca-zh/zh_data_sample_3000.json"))).map(withInput)),
  },
];

export interface LoadedSource {
  readonly source: PromptSource;
  readonly texts: readonly string[];
}

/**
 * Reads every source whose files are present under `dir`; a source with a missing or
 * unreadable file is reported through `log` and left out.
 */
export function loadPromptSources(dir: string, log: (message: string) => void): LoadedSource[] {
  const out: LoadedSource[] = [];
  for (const source of PROMPT_SOURCES) {
    const missing = source.files.filter((f) => !existsSync(join(dir, f)));
    if (missing.length > 0) {
      log(`datasets: ${source.name} left out (${missing[0]} not found under ${dir})`);
      continue;
    }
    try {
      // one text per distinct prompt, clipped as the classifier reads it
      const texts = [...new Set(source.load(dir).map((t) => t.trim()))].filter((t) => t.length > 0);
      out.push({ source, texts });
    } catch (err) {
      log(`datasets: ${source.name} left out (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return out;
}
