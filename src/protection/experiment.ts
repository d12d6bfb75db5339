// The protection experiment (distillguard protect-experiment; docs/protection.md): does a
// student trained on a teacher's answers, a fraction of them watermarked, carry the mark
// far enough for verify-model to find it, and how often would a wrong key be accused?
//
// 1. The teacher's answers: real model answers from ../shared/datasets (ShareGPT
//    assistant turns, Alpaca GPT-4 and text-davinci-003 answers, GPTeacher), split into a
//    training pool and a held-out reference (the provider's unmarked outputs).
// 2. For each fraction (0, 1%, 5%, 20%, 100%), that share of the pool's answers is marked
//    with one key and a word n-gram student is trained on the mixture.
// 3. The student is sampled, probed with contexts from the answers served to the cohort
//    (or held-out ones, or freely: `Mode`): a context ends where the teacher's answer had a
//    marked position, and the student writes up to four tokens. The samples are tested with
//    the true key, counting the groups served to the cohort, against a null fitted to random
//    keys; wrong keys (not used anywhere) measure the false-positive rate at `alpha`.
// 4. With `remover`, every harvested answer goes through it before the student is trained:
//    the remover suite (removers.ts) measures each channel against a white-box attacker.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { at } from "../contract/index.js";
import type { Carriers } from "./lexicon.js";
import { detokenize, NGramModel, rng, tokenize } from "./ngram.js";
import { removerCost } from "./removers.js";
import { calibrate, Reference, servedGroups, testCombined } from "./verify.js";
import {
  channelAt,
  DEFAULT_MAX_CHANGED_SHARE,
  deriveKey,
  KeyedChoice,
  type Occurrence,
  occurrencesOf,
  probeLength,
  type WatermarkKey,
  watermarkText,
} from "./watermark.js";

/** The datasets are not where they were looked for. */
export class DatasetsMissing extends Error {
  override readonly name = "DatasetsMissing";
}

type Json = Record<string, unknown>;

/** Real model answers from the shared datasets (prose and code as the models wrote them). */
export function teacherAnswers(dir: string): string[] {
  if (!existsSync(dir)) throw new DatasetsMissing(`${dir} is not there`);
  const out: string[] = [];
  const json = (rel: string): unknown => {
    const p = join(dir, rel);
    return existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : undefined;
  };
  const share = join(dir, "sharegpt-sample/conversations.jsonl");
  if (existsSync(share))
    for (const line of readFileSync(share, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const c = JSON.parse(line) as { conversations?: { from?: string; value?: string }[] };
      for (const t of c.conversations ?? [])
        if (t.from === "gpt" && typeof t.value === "string") out.push(t.value);
    }
  for (const [rel, field] of [
    ["alpaca-sample/alpaca_en_demo.json", "output"],
    ["alpaca-eval/model_outputs.json", "output"],
    ["gpteacher/roleplay-simple-deduped-roleplay-instruct.json", "response"],
    ["gpteacher/codegen-instruct.json", "response"],
    ["gpteacher/toolformer-dedupe-only-dataset.json", "response"],
  ] as const) {
    const v = json(rel);
    if (Array.isArray(v))
      for (const r of v as Json[]) if (typeof r[field] === "string") out.push(r[field] as string);
  }
  if (out.length === 0) throw new DatasetsMissing(`no teacher answers found under ${dir}`);
  return out.filter((t) => t.trim().length > 0);
}

/**
 * Model answers from sources the watermark's settings were never tuned on (docs/protection.md,
 * "teacher text not used in development"): the assistant turns of Anthropic's HH-RLHF test
 * conversations (helpful and harmless, the chosen side) and OpenAssistant's assistant messages.
 */
export function heldOutTeacherAnswers(dir: string): string[] {
  if (!existsSync(dir)) throw new DatasetsMissing(`${dir} is not there`);
  const out: string[] = [];
  for (const part of ["helpful-base", "harmless-base"]) {
    const file = join(dir, "hh-rlhf", part, "test.jsonl.gz");
    if (!existsSync(file)) continue;
    for (const line of gunzipSync(readFileSync(file)).toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      const chosen = (JSON.parse(line) as { chosen?: unknown }).chosen;
      if (typeof chosen !== "string") continue;
      for (const turn of chosen.split("\n\nAssistant:").slice(1))
        out.push((turn.split("\n\nHuman:")[0] ?? "").trim());
    }
  }
  const oasst = join(dir, "oasst-eval-samples/en_100_message.jsonl");
  if (existsSync(oasst)) {
    type Message = { role?: string; text?: string; replies?: Message[] };
    const walk = (m: Message): void => {
      if (m.role === "assistant" && typeof m.text === "string") out.push(m.text);
      for (const r of m.replies ?? []) walk(r);
    };
    for (const line of readFileSync(oasst, "utf8").split("\n"))
      if (line.trim()) walk(JSON.parse(line) as Message);
  }
  if (out.length === 0) throw new DatasetsMissing(`no held-out teacher answers found under ${dir}`);
  return out.filter((t) => t.length > 0);
}

export interface QualityCost {
  readonly answers: number;
  readonly words: number;
  /** words replaced by another member, over all words */
  readonly words_changed_share: number;
  /** whitespace-separated tokens that differ, over all tokens */
  readonly tokens_changed_share: number;
  readonly answers_with_code: number;
  /** answers whose fenced code blocks are not byte-identical after marking (must be 0) */
  readonly code_blocks_altered: number;
  readonly candidates_per_100_words: number;
  /** the share of words changed, answer by answer (answers with prose only) */
  readonly per_answer: {
    readonly answers: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly over_3_percent: number;
    /** answers too short for one word changed under the bound (fewer than 1/bound words) */
    readonly too_short: number;
  };
}

/** The text inside ``` fences (every other piece between them). */
const fenced = (text: string): string[] => text.split("```").filter((_, i) => i % 2 === 1);

/** What the watermark costs on real answers: how much text changes; code must not. */
export function qualityCost(answers: readonly string[], choice: KeyedChoice, maxShare?: number): QualityCost {
  let words = 0;
  let changed = 0;
  let candidates = 0;
  let tokens = 0;
  let tokensChanged = 0;
  let withCode = 0;
  let codeAltered = 0;
  const shares: number[] = [];
  const bound = maxShare ?? DEFAULT_MAX_CHANGED_SHARE;
  let tooShort = 0;
  for (const a of answers) {
    const m = watermarkText(a, choice, maxShare);
    if (m.stats.words > 0) shares.push(m.stats.changed / m.stats.words);
    if (m.stats.words > 0 && m.stats.words * bound < 1) tooShort++;
    words += m.stats.words;
    changed += m.stats.changed;
    candidates += m.stats.candidates;
    const before = a.split(/\s+/);
    const after = m.text.split(/\s+/);
    tokens += before.length;
    if (before.length === after.length)
      for (let i = 0; i < before.length; i++) tokensChanged += before[i] === after[i] ? 0 : 1;
    else tokensChanged += m.stats.changed;
    const codeBefore = fenced(a);
    if (codeBefore.length > 0) {
      withCode++;
      const codeAfter = fenced(m.text);
      if (codeAfter.length !== codeBefore.length || codeAfter.some((c, i) => c !== codeBefore[i]))
        codeAltered++;
    }
  }
  return {
    answers: answers.length,
    words,
    words_changed_share: changed / Math.max(1, words),
    tokens_changed_share: tokensChanged / Math.max(1, tokens),
    answers_with_code: withCode,
    code_blocks_altered: codeAltered,
    candidates_per_100_words: (100 * candidates) / Math.max(1, words),
    per_answer: perAnswer(shares, tooShort),
  };
}

function perAnswer(shares: number[], tooShort: number): QualityCost["per_answer"] {
  shares.sort((a, b) => a - b);
  const q = (p: number): number => shares[Math.floor(p * (shares.length - 1))] ?? 0;
  return {
    answers: shares.length,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: shares.at(-1) ?? 0,
    over_3_percent: shares.filter((x) => x > 0.03).length,
    too_short: tooShort,
  };
}

/** The experiment's secret for a seed: its marking key and its wrong keys derive from it. */
export function experimentSecret(seed = 1): Buffer {
  return Buffer.from(`experiment-${seed}`);
}

/** The key the experiment marks the cohort's answers with. */
export function experimentKey(seed = 1): WatermarkKey {
  return deriveKey(experimentSecret(seed), "campaign:suspect", "2026-W48");
}

export interface NumericCheck {
  /** GSM8K test items whose worked answer was marked */
  readonly items: number;
  readonly words: number;
  readonly words_changed_share: number;
  /** items whose final answer (after ####) reads the same number after marking */
  readonly final_answer_kept: number;
  /** items whose every number, in order, is the same after marking */
  readonly all_numbers_kept: number;
}

const NUMBER = /-?\d[\d,]*(?:\.\d+)?/g;
const numbersIn = (t: string): string[] => (t.match(NUMBER) ?? []).map((n) => n.replaceAll(",", ""));

/**
 * Marking on answers with numeric results: GSM8K's worked solutions (test split), each
 * marked; the final answer and every number must read the same after marking.
 */
export function numericCheck(dir: string, choice: KeyedChoice): NumericCheck | undefined {
  const file = join(dir, "gsm8k/test.jsonl");
  if (!existsSync(file)) return undefined;
  let items = 0;
  let words = 0;
  let changed = 0;
  let finalKept = 0;
  let allKept = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const answer = (JSON.parse(line) as { answer?: unknown }).answer;
    if (typeof answer !== "string") continue;
    items++;
    const m = watermarkText(answer, choice);
    words += m.stats.words;
    changed += m.stats.changed;
    const final = (t: string): string | undefined => numbersIn(t.split("####")[1] ?? "")[0];
    if (final(answer) !== undefined && final(answer) === final(m.text)) finalKept++;
    if (numbersIn(answer).join(" ") === numbersIn(m.text).join(" ")) allKept++;
  }
  return {
    items,
    words,
    words_changed_share: changed / Math.max(1, words),
    final_answer_kept: finalKept,
    all_numbers_kept: allKept,
  };
}

export interface ExperimentOptions {
  readonly datasets: string;
  /** the teacher's answers (default `teacherAnswers(datasets)`) */
  readonly answers?: readonly string[];
  readonly fractions?: readonly number[];
  readonly orders?: readonly number[];
  /** sampled-token budgets at which the test is run */
  readonly budgets?: readonly number[];
  readonly randomKeys?: number;
  readonly wrongKeys?: number;
  readonly alpha?: number;
  readonly seed?: number;
  /** how the student is sampled (default all three) */
  readonly modes?: readonly Mode[];
  /** what the distiller does to every harvested answer before training (default nothing) */
  readonly remover?: (text: string) => string;
  /** the largest share of an answer's words marking may change (default `DEFAULT_MAX_CHANGED_SHARE`, 3%; 1 for no bound) */
  readonly maxShare?: number;
  /** skip the quality cost (a remover run reuses the first run's) */
  readonly skipQuality?: boolean;
  readonly onProgress?: (message: string) => void;
}

/**
 * cohort: probes from the answers served to the flagged cohort (the provider logged them);
 * held_out: probes from answers the student never saw; free: the student writes answers
 * from their start.
 */
export type Mode = "cohort" | "held_out" | "free";

export interface ExperimentRow {
  readonly fraction: number;
  readonly order: number;
  readonly mode: Mode;
  readonly sampled_tokens: number;
  readonly occurrences: number;
  /** distinct (group, previous word) contexts among them */
  readonly contexts: number;
  /** the normal z equivalent to the key's combined p-value (`combineChannels`) */
  readonly z: number;
  readonly p_value: number;
  readonly p_empirical: number;
  readonly false_positive_rate: number;
  readonly alpha: number;
  readonly random_keys: number;
  readonly wrong_keys: number;
  /** each channel's share: its occurrences and its own calibrated z (`w` lexical, `c` contractions, `b` word order, `l` list markers) */
  readonly channels: Readonly<Record<string, { readonly occurrences: number; readonly z: number }>>;
}

export interface ExperimentResult {
  readonly quality: QualityCost;
  /** what the remover cost the marked answers (when there is one) */
  readonly remover_cost?: ReturnType<typeof removerCost>;
  readonly teacher: {
    readonly answers: number;
    readonly pool: number;
    readonly reference: number;
    readonly tokens: number;
  };
  readonly rows: ExperimentRow[];
}

/**
 * Probe contexts: where an occurrence starts in these answers, the tokens before it,
 * interleaved channel by channel, so that every channel has its share of any budget and a
 * remover that empties one channel leaves the others theirs. Word order takes two turns in
 * every five (`PROBE_SHARES`): it is the one channel that neither a synonym remover nor a
 * normaliser reaches (docs/protection.md, the remover suite).
 */
/** Turns per round of probes, by channel (one where not listed). */
const PROBE_SHARES: Readonly<Record<string, number>> = { b: 2 };

function probeContexts(
  texts: readonly (readonly string[])[],
  order: number,
  random: () => number,
  carriers: Carriers | undefined,
): string[][] {
  const byChannel = new Map<string, string[][]>();
  for (const toks of texts) {
    for (let i = 1; i < toks.length; i++) {
      const channel = channelAt(toks, i, carriers);
      if (channel === undefined) continue;
      let list = byChannel.get(channel);
      if (!list) {
        list = [];
        byChannel.set(channel, list);
      }
      list.push(toks.slice(Math.max(0, i - Math.max(order - 1, 3)), i));
    }
  }
  // a fixed shuffle within each channel, then one of each in turn: budgets take a prefix
  const channels = [...byChannel.keys()].sort();
  const lists = channels.map((c) => {
    const out = byChannel.get(c) as string[][];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [at(out, j), at(out, i)];
    }
    return out;
  });
  const turns = channels.flatMap((c, i) => Array.from({ length: PROBE_SHARES[c] ?? 1 }, () => i));
  const next = channels.map(() => 0);
  const out: string[][] = [];
  while (lists.some((l, i) => at(next, i) < l.length))
    for (const i of turns) {
      const l = at(lists, i);
      const k = at(next, i);
      if (k < l.length) out.push(at(l, k));
      next[i] = k + 1;
    }
  return out;
}

/** What the student writes after a probe: one token, more when it may start a longer form. */
function probe(student: NGramModel, context: readonly string[], random: () => number): string[] {
  const first = student.sample(context, 1, random);
  const more = first.length === 0 ? 0 : probeLength(at(first, 0)) - 1;
  return more > 0 ? [...first, ...student.sample([...context, ...first], more, random)] : first;
}

/** Member occurrences in what the student wrote after a probe context. */
function probeOccurrences(
  context: readonly string[],
  written: readonly string[],
  carriers: Carriers | undefined,
): Occurrence[] {
  const before = occurrencesOf(detokenize(context), carriers).length;
  return occurrencesOf(detokenize([...context, ...written]), carriers).slice(before);
}

export function runExperiment(o: ExperimentOptions): ExperimentResult {
  const say = o.onProgress ?? (() => {});
  const fractions = o.fractions ?? [0, 0.01, 0.05, 0.2, 1];
  const orders = o.orders ?? [3];
  const budgets = [...(o.budgets ?? [10_000, 25_000, 50_000])].sort((a, b) => a - b);
  const randomKeys = o.randomKeys ?? 1000;
  const wrongKeys = o.wrongKeys ?? 200;
  const alpha = o.alpha ?? 0.01;
  const random = rng(o.seed ?? 1);
  const answers = o.answers ?? teacherAnswers(o.datasets);
  // split: 85% the pool the distiller harvests, 15% the provider's own unmarked reference
  const order = answers.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [at(order, j), at(order, i)];
  }
  const cut = Math.floor(order.length * 0.85);
  const pool = order.slice(0, cut).map((i) => at(answers, i));
  const reference = order.slice(cut).map((i) => at(answers, i));
  const secret = experimentSecret(o.seed);
  const key = experimentKey(o.seed);
  const choice = new KeyedChoice(key);
  const carriers = choice.carriers;
  const quality = o.skipQuality ? EMPTY_QUALITY : qualityCost(answers, choice, o.maxShare);
  if (!o.skipQuality)
    say(
      `teacher: ${answers.length} answers (${pool.length} pool, ${reference.length} reference); watermark changes ${(100 * quality.words_changed_share).toFixed(2)}% of words`,
    );
  const ref = new Reference();
  for (const t of reference) ref.add(occurrencesOf(t, carriers));
  const remove = o.remover ?? ((t: string) => t);
  // the distiller's training data: what it harvested, after its remover; the provider's
  // log keeps what it served (the probes come from there)
  const markedText = pool.map((t) => watermarkText(t, choice, o.maxShare).text);
  const plainTokens = pool.map((t) => tokenize(remove(t)));
  const markedTokens = markedText.map((t) => tokenize(remove(t)));
  const servedTokens = markedText.map((t) => tokenize(t));
  const teacherTokens = plainTokens.reduce((a, t) => a + t.length, 0);
  const wrong = Array.from({ length: wrongKeys }, (_, i) => deriveKey(secret, "wrong", String(i)));
  const rows: ExperimentRow[] = [];
  const referenceTokens = reference.map((t) => tokenize(t));
  const modes: readonly Mode[] = o.modes ?? ["cohort", "held_out", "free"];
  for (const studentOrder of orders) {
    const heldOut = probeContexts(referenceTokens, studentOrder, rng((o.seed ?? 1) + studentOrder), carriers);
    for (const f of fractions) {
      // the cohort: the answers the flagged accounts were served (marked with the key when
      // f > 0; at f = 0 a 5% draw left unmarked, to test the null on the same kind of probes)
      const pick = rng((o.seed ?? 1) * 7919 + Math.round(f * 1e6));
      const share = f > 0 ? f : 0.05;
      const student = new NGramModel(studentOrder);
      const cohortIndex: number[] = [];
      for (let i = 0; i < pool.length; i++) {
        const inCohort = pick() < share;
        if (inCohort) cohortIndex.push(i);
        student.add((inCohort && f > 0 ? markedTokens[i] : plainTokens[i]) as string[]);
      }
      say(
        `order ${studentOrder}, fraction ${f}: student trained on ${student.tokens} tokens (${f > 0 ? cohortIndex.length : 0} answers marked)`,
      );
      // what the cohort was served, as the provider logged it; only its groups can carry the key
      const served = cohortIndex.map((i) => (f > 0 ? at(servedTokens, i) : tokenize(at(pool, i))));
      const servedSet = servedGroups(
        cohortIndex.map((i) => (f > 0 ? at(markedText, i) : at(pool, i))),
        carriers,
      );
      const cohort = probeContexts(
        served,
        studentOrder,
        rng((o.seed ?? 1) * 13 + Math.round(f * 1e6)),
        carriers,
      );
      for (const mode of modes) {
        const probes = mode === "cohort" ? cohort : heldOut;
        const sampler = rng((o.seed ?? 1) * 31 + Math.round(f * 1e6) + modes.indexOf(mode));
        const occ: Occurrence[] = [];
        let sampled = 0;
        let next = 0;
        for (const budget of budgets) {
          while (sampled < budget) {
            if (mode !== "free" && probes.length > 0) {
              const ctx = at(probes, next++ % probes.length);
              const written = probe(student, ctx, sampler);
              sampled += Math.max(1, written.length);
              occ.push(...probeOccurrences(ctx, written, carriers));
            } else {
              const written = student.sample([], Math.min(400, budget - sampled), sampler);
              sampled += Math.max(1, written.length);
              occ.push(...occurrencesOf(detokenize(written), carriers));
            }
          }
          const cal = calibrate(occ, {
            served: servedSet,
            randomKeys,
            reference: ref,
            secret: Buffer.from(`null-${studentOrder}-${f}-${budget}-${mode}`),
          });
          const r = testCombined(cal, key);
          let falsePositives = 0;
          for (const w of wrong) if (testCombined(cal, w).p_value < alpha) falsePositives++;
          const channels: Record<string, { occurrences: number; z: number }> = {};
          for (const [c, v] of Object.entries(r.channels))
            channels[c] = { occurrences: v.occurrences, z: Math.round(v.z * 100) / 100 };
          const row: ExperimentRow = {
            fraction: f,
            order: studentOrder,
            mode,
            sampled_tokens: sampled,
            occurrences: occ.length,
            contexts: cal.contexts,
            z: Math.round(r.z * 1000) / 1000,
            p_value: r.p_value,
            p_empirical: r.p_empirical,
            false_positive_rate: falsePositives / wrong.length,
            alpha,
            random_keys: randomKeys,
            wrong_keys: wrong.length,
            channels,
          };
          rows.push(row);
          say(
            `order ${studentOrder}, fraction ${f}, ${mode}, ${sampled} tokens: ${occ.length} occurrences in ${row.contexts} contexts, z ${row.z} (calibrated), p ${row.p_value.toExponential(2)}, FPR ${row.false_positive_rate}`,
          );
        }
      }
    }
  }
  return {
    quality,
    ...(o.remover ? { remover_cost: removerCost(markedText, o.remover, 2) } : {}),
    teacher: {
      answers: answers.length,
      pool: pool.length,
      reference: reference.length,
      tokens: teacherTokens,
    },
    rows,
  };
}

const EMPTY_QUALITY: QualityCost = {
  answers: 0,
  words: 0,
  words_changed_share: 0,
  tokens_changed_share: 0,
  answers_with_code: 0,
  code_blocks_altered: 0,
  candidates_per_100_words: 0,
  per_answer: perAnswer([], 0),
};
