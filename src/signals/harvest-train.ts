// Fitting and measuring the harvest classifier (src/signals/harvest.ts) on the public
// prompt sets, source by source. Used by scripts/train-harvest.ts (the shipped model and
// the leave-one-source-out table in docs/quality.md) and by the tests.
//
// The protocol, so that the table measures generalisation and not fit:
// - every source is split 80/20 by a hash of the text; nothing is trained on a 20% part;
// - held out, a source is left out of training whole; a harvest source is scored against
//   the 20% parts of the organic sources, an organic one against the 20% parts of the
//   harvest sources, with the cut at 1% false positives on the other organic parts;
// - sources weigh equally within a class (at most MAX_PER_SOURCE texts each) and the two
//   classes equally, so that the largest sets do not decide what "harvest" means;
// - casual phrasing ("ok so", "pls", greetings) is added to both classes alike, so the
//   model cannot learn that politeness or slang means a person: attackers add it.

import { FNV_OFFSET, fnv1a } from "../contract/hash.js";
import { at } from "../contract/index.js";
import type { LoadedSource } from "../datasets/index.js";
import { HARVEST_BITS, HarvestModel, harvestFeatures } from "./harvest.js";

export const MAX_PER_SOURCE = 4000;

interface Sample {
  readonly features: Uint32Array;
  readonly y: 0 | 1;
  w: number;
}

/** A small seeded generator (mulberry32), so a fit is repeatable. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CASUAL_BEFORE = [
  "ok so ",
  "hey, ",
  "hi! ",
  "quick question: ",
  "can you help me with this? ",
  "pls ",
  "so ",
  "hmm ",
  "next one: ",
  "another one - ",
  "i need help. ",
  "hello there. ",
];
const CASUAL_AFTER = [" thanks!", " pls", " thx", " :)", " asap", " can you explain?", "??", " ty", " lol"];

/** The text with casual phrasing added (as attackers and people both do). */
export function casual(text: string, rnd: () => number): string {
  const r = rnd();
  const before = CASUAL_BEFORE[Math.floor(rnd() * CASUAL_BEFORE.length)] ?? "";
  const after = CASUAL_AFTER[Math.floor(rnd() * CASUAL_AFTER.length)] ?? "";
  return r < 0.4 ? before + text : r < 0.7 ? text + after : before + text + after;
}

/** Whether a text belongs to a source's 20% test part (a stable hash of its text). */
export function isTestPart(text: string): boolean {
  return fnv1a(text, FNV_OFFSET, 3) % 5 === 0;
}

function subsample(texts: readonly string[], n: number, rnd: () => number): string[] {
  if (texts.length <= n) return [...texts];
  const a = [...texts];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (a.length - i));
    [a[i], a[j]] = [at(a, j), at(a, i)];
  }
  return a.slice(0, n);
}

/** Training samples from sources, weighted so sources count equally within a class and classes equally. */
function samples(
  sources: readonly { label: string; texts: readonly string[] }[],
  rnd: () => number,
): Sample[] {
  const out: Sample[] = [];
  const byClass = { harvest: 0, organic: 0 };
  for (const s of sources) if (s.texts.length > 0) byClass[s.label as keyof typeof byClass]++;
  for (const s of sources) {
    const texts = subsample(s.texts, MAX_PER_SOURCE, rnd);
    if (texts.length === 0) continue;
    const y: 0 | 1 = s.label === "harvest" ? 1 : 0;
    const classCount = byClass[s.label as keyof typeof byClass] || 1;
    const w = 1 / (classCount * texts.length);
    for (const t of texts) {
      const text = rnd() < 0.35 ? casual(t, rnd) : t;
      out.push({ features: Uint32Array.from(harvestFeatures(text)), y, w });
    }
  }
  // scale weights to a mean of 1 (the learning rate assumes it)
  const total = out.reduce((t, s) => t + s.w, 0);
  for (const s of out) s.w = (s.w * out.length) / total;
  return out;
}

export interface FitOptions {
  readonly epochs?: number;
  readonly rate?: number;
  readonly l2?: number;
  readonly seed?: number;
}

/** Logistic regression by AdaGrad over the samples (features scaled by 1/sqrt(count), as scored). */
function adagrad(data: Sample[], o: FitOptions): HarvestModel {
  const n = 1 << HARVEST_BITS;
  const w = new Float32Array(n);
  const g2 = new Float32Array(n).fill(1e-6);
  let bias = 0;
  let b2 = 1e-6;
  const rate = o.rate ?? 0.3;
  const l2 = o.l2 ?? 1e-5;
  const rnd = seeded(o.seed ?? 1);
  const order = Array.from(data.keys());
  for (let epoch = 0; epoch < (o.epochs ?? 6); epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [at(order, j), at(order, i)];
    }
    for (const k of order) {
      const s = at(data, k);
      const norm = 1 / Math.sqrt(Math.max(1, s.features.length));
      let z = bias;
      for (const f of s.features) z += (w[f] ?? 0) * norm;
      const p = 1 / (1 + Math.exp(-z));
      const g = (p - s.y) * s.w;
      for (const f of s.features) {
        const wf = w[f] ?? 0;
        const gf = g * norm + l2 * wf;
        const acc = (g2[f] ?? 0) + gf * gf;
        g2[f] = acc;
        w[f] = wf - (rate * gf) / Math.sqrt(acc);
      }
      b2 += g * g;
      bias -= (rate * g) / Math.sqrt(b2);
    }
  }
  return new HarvestModel(w, bias);
}

/** Fits a model on the given sources (their whole texts, or only their 80% training parts). */
export function fitHarvest(
  sources: readonly LoadedSource[],
  opts: FitOptions & { readonly trainingPartOnly?: boolean } = {},
): HarvestModel {
  const rnd = seeded(opts.seed ?? 1);
  const parts = sources
    .filter((s) => s.source.train)
    .map((s) => ({
      label: s.source.label,
      texts: opts.trainingPartOnly ? s.texts.filter((t) => !isTestPart(t)) : s.texts,
    }));
  return adagrad(samples(parts, rnd), opts);
}

/** Area under the ROC curve: the chance that a positive outscores a negative (ties count half). */
export function auc(pos: readonly number[], neg: readonly number[]): number {
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  const all = [...pos.map((v) => [v, 1] as const), ...neg.map((v) => [v, 0] as const)].sort(
    (a, b) => a[0] - b[0],
  );
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]?.[0] === all[i]?.[0]) j++;
    const mid = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k]?.[1] === 1) rankSum += mid;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/** The score at which `fpr` of the negatives score higher. */
export function cutAt(neg: readonly number[], fpr: number): number {
  const s = [...neg].sort((a, b) => b - a);
  return s[Math.min(s.length - 1, Math.floor(fpr * s.length))] ?? Number.POSITIVE_INFINITY;
}

export interface SourceRow {
  readonly source: string;
  readonly label: "harvest" | "organic";
  readonly what: string;
  readonly texts: number;
  readonly trained: boolean;
  /** against the other class's held-out parts */
  readonly auc: number;
  /** harvest: share caught at the cut with 1% false positives on the other organic sources; organic: share over that cut */
  readonly atCut: number;
}

/**
 * Leave-one-source-out: for each source, a model fitted on the 80% parts of every other
 * trainable source, measured on the whole left-out source (see the protocol above).
 */
export function leaveOneSourceOut(
  sources: readonly LoadedSource[],
  opts: FitOptions & { readonly onSource?: (name: string, i: number, n: number) => void } = {},
): SourceRow[] {
  const rows: SourceRow[] = [];
  const score = (m: HarvestModel, texts: readonly string[]): number[] =>
    texts.map((t) => m.logitOf(harvestFeatures(t)));
  sources.forEach((held, i) => {
    opts.onSource?.(held.source.name, i, sources.length);
    const model = fitHarvest(
      sources.filter((s) => s !== held),
      { ...opts, trainingPartOnly: true },
    );
    const testOf = (label: string): string[] =>
      sources
        .filter((s) => s !== held && s.source.label === label)
        .flatMap((s) => subsample(s.texts.filter(isTestPart), MAX_PER_SOURCE / 5, seeded(7)));
    const organic = score(model, testOf("organic"));
    const cut = cutAt(organic, 0.01);
    const mine = score(model, subsample(held.texts, MAX_PER_SOURCE, seeded(3)));
    if (held.source.label === "harvest")
      rows.push({
        source: held.source.name,
        label: "harvest",
        what: held.source.what,
        texts: held.texts.length,
        trained: held.source.train,
        auc: auc(mine, organic),
        atCut: mine.filter((v) => v > cut).length / mine.length,
      });
    else
      rows.push({
        source: held.source.name,
        label: "organic",
        what: held.source.what,
        texts: held.texts.length,
        trained: held.source.train,
        auc: auc(score(model, testOf("harvest")), mine),
        atCut: mine.filter((v) => v > cut).length / mine.length,
      });
  });
  return rows;
}
