// Fitting the account model (model.ts) on accounts from a family of simulated worlds:
// logistic regression with each weight held to its feature's sign (projected gradient
// descent, Adam steps, L2), samples weighted so that every campaign counts alike, every
// benign population counts alike and the two classes count alike (so the largest
// population does not decide). The flag cut is then set on the training accounts by a
// target false-positive rate in every benign population (the worst one decides), and
// the intercept moved so that the cut is the detector's threshold.

import { at } from "../contract/index.js";
import { DEFAULT_THRESHOLD, WELL_EVIDENCED } from "./detector.js";
import { FEATURE_NAMES, FEATURES, TRACKED_FEATURES } from "./features.js";
import type { AccountModel } from "./model.js";
import { quantiles, type ReferencePopulation } from "./population.js";

export interface TrainingRow {
  readonly x: readonly number[];
  /** the campaign the account belongs to, or null for a benign account */
  readonly campaign: string | null;
  readonly population: string;
  /** the account's exchanges (only well-evidenced accounts make the reference population; default: counted) */
  readonly n?: number;
}

/** How many accounts the fitted worlds' population counts as, against the log's own sample. */
export const REFERENCE_WEIGHT = 200;

export interface FitModelOptions {
  /** largest false-positive rate allowed in any benign population of the training rows (default 0.001) */
  readonly targetFpr?: number;
  /** log-odds added to the cut beyond the training rows' (generalisation margin; default 0.25) */
  readonly margin?: number;
  readonly l2?: number;
  readonly iterations?: number;
  /** recorded in the model's `fitted` */
  readonly note?: Readonly<Record<string, unknown>>;
}

export function fitAccountModel(rows: readonly TrainingRow[], opts: FitModelOptions = {}): AccountModel {
  const d = FEATURES.length;
  if (rows.length === 0) throw new Error("no training rows");
  // weights: each group (a campaign, or a benign population) shares its class's weight equally
  const groupSize = new Map<string, number>();
  const key = (r: TrainingRow): string => (r.campaign === null ? `b:${r.population}` : `c:${r.campaign}`);
  for (const r of rows) groupSize.set(key(r), (groupSize.get(key(r)) ?? 0) + 1);
  const groups = { b: 0, c: 0 };
  for (const k of groupSize.keys()) groups[k.startsWith("b:") ? "b" : "c"]++;
  const sw = rows.map(
    (r) => 1 / ((groupSize.get(key(r)) ?? 1) * (r.campaign === null ? groups.b : groups.c)),
  );
  const total = sw.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sw.length; i++) sw[i] = (sw[i] ?? 0) / total;
  const sign = FEATURES.map((f) => f.sign);
  const w = new Float64Array(d);
  let b = 0;
  const l2 = opts.l2 ?? 0.0005;
  const m = new Float64Array(d + 1);
  const v = new Float64Array(d + 1);
  const rate = 0.05;
  const iters = opts.iterations ?? 1500;
  const g = new Float64Array(d + 1);
  for (let t = 1; t <= iters; t++) {
    g.fill(0);
    rows.forEach((r, i) => {
      let z = b;
      for (let j = 0; j < d; j++) z += (w[j] ?? 0) * (r.x[j] ?? 0);
      const p = 1 / (1 + Math.exp(-z));
      const e = (p - (r.campaign === null ? 0 : 1)) * (sw[i] ?? 0);
      for (let j = 0; j < d; j++) g[j] = (g[j] ?? 0) + e * (r.x[j] ?? 0);
      g[d] = (g[d] ?? 0) + e;
    });
    for (let j = 0; j < d; j++) g[j] = (g[j] ?? 0) + l2 * (w[j] ?? 0);
    for (let j = 0; j <= d; j++) {
      const gj = g[j] ?? 0;
      m[j] = 0.9 * (m[j] ?? 0) + 0.1 * gj;
      v[j] = 0.999 * (v[j] ?? 0) + 0.001 * gj * gj;
      const step =
        (rate * ((m[j] ?? 0) / (1 - 0.9 ** t))) / (Math.sqrt((v[j] ?? 0) / (1 - 0.999 ** t)) + 1e-8);
      if (j === d) b -= step;
      else {
        // held to the feature's sign
        const next = (w[j] ?? 0) - step;
        w[j] = next * (sign[j] ?? 1) < 0 ? 0 : next;
      }
    }
  }
  // the cut: the score above which at most targetFpr of each benign population falls
  const fpr = opts.targetFpr ?? 0.001;
  const byPop = new Map<string, number[]>();
  for (const r of rows) {
    if (r.campaign !== null) continue;
    let z = b;
    for (let j = 0; j < d; j++) z += (w[j] ?? 0) * (r.x[j] ?? 0);
    const list = byPop.get(r.population) ?? [];
    list.push(z);
    byPop.set(r.population, list);
  }
  let cut = Number.NEGATIVE_INFINITY;
  for (const scores of byPop.values()) {
    scores.sort((x, y) => y - x);
    const allowed = Math.floor(fpr * scores.length);
    const s = scores[allowed] ?? Number.NEGATIVE_INFINITY;
    if (s > cut) cut = s;
  }
  cut += opts.margin ?? 0.25;
  // groups: an own score leans toward a campaign when at most 5% of every benign population
  // (of 20+ accounts) reaches it, and is firm at 1%; as margins below the threshold
  const quantile = (q: number): number => {
    let worst = Number.NEGATIVE_INFINITY;
    for (const scores of byPop.values()) {
      if (scores.length < 20) continue;
      const s = scores[Math.floor(q * scores.length)] ?? Number.NEGATIVE_INFINITY;
      if (s > worst) worst = s;
    }
    return worst;
  };
  const clampMargin = (z: number): number => Math.round(Math.max(0.25, Math.min(2, cut - z)) * 1e3) / 1e3;
  const leaning = clampMargin(quantile(0.05));
  const firm = Math.min(leaning, clampMargin(quantile(0.01)));
  const weights: Record<string, number> = {};
  FEATURE_NAMES.forEach((n, j) => {
    const x = w[j] ?? 0;
    if (x !== 0) weights[n] = Math.round(x * 1e4) / 1e4;
  });
  const baseline = Math.round((b - cut + DEFAULT_THRESHOLD) * 1e4) / 1e4;
  // the training worlds' population, as the detector reads a log's: well-evidenced accounts,
  // the tracked features and the own score (which leaves the linked groups out)
  const well = rows.filter((r) => (r.n ?? WELL_EVIDENCED) >= WELL_EVIDENCED);
  const linked = FEATURE_NAMES.indexOf("linked_group");
  const population: ReferencePopulation = {
    weight: REFERENCE_WEIGHT,
    features: Object.fromEntries(
      TRACKED_FEATURES.map((j) => [at(FEATURE_NAMES, j), quantiles(well.map((r) => r.x[j] ?? 0))]),
    ),
    scores: quantiles(
      well.map((r) => {
        let z = baseline;
        for (let j = 0; j < d; j++)
          if (j !== linked) z += (weights[at(FEATURE_NAMES, j)] ?? 0) * (r.x[j] ?? 0);
        return z;
      }),
    ),
  };
  return {
    version: 1,
    baseline,
    weights,
    margins: { leaning, firm },
    population,
    fitted: {
      rows: rows.length,
      target_benign_fpr: fpr,
      margin: opts.margin ?? 0.25,
      l2,
      ...opts.note,
    },
  };
}
