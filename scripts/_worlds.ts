// Shared by scripts/fit-detector.ts and scripts/eval.ts: a family of simulated worlds
// (a balanced design over the tactic families: each family on in half of them), their
// accounts' feature rows with ground truth, and analyses with a given account model.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EvalResult } from "distillguard/eval";
import { evaluate } from "distillguard/eval";
import { analyze } from "distillguard/pipeline";
import { FAMILIES, FAMILY_NAMES, type Family, simulate, type Variants } from "distillguard/simulate";
import type { AccountModel, DetectorOptions, TrainingRow } from "distillguard/verdicts";

// dist/scripts/_worlds.js: the repository is two folders up
export const root = resolve(import.meta.dirname, "../..");
const dist = (p: string): string => join(root, "dist", p);

export { FAMILIES, FAMILY_NAMES };

/** A simulated world on disk: its folder, seed and the tactic variants it was drawn with. */
export interface World {
  readonly dir: string;
  readonly seed: number;
  readonly variants: Variants;
}

/** A training row with the world it came from. */
export type WorldRow = TrainingRow & { readonly world: number };

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);

// Plackett-Burman design for 12 runs: the first row and its cyclic shifts, then a row of
// all minus; every column is on in exactly six runs, and columns are balanced pairwise.
const PB12 = [1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0];

/**
 * Variants of world i of a 12-run Plackett-Burman design over the tactic families (up to
 * 11): each family is on in half the worlds, and each pair of families is on together in
 * a quarter, so no family always comes with another. Worlds past 12 repeat the design.
 */
export function designVariants(i: number): Record<Family, string> {
  const run = i % 12;
  const on = (k: number): 0 | 1 => (run === 11 ? 0 : PB12[(k - run + 11 * 12) % 11] === 1 ? 1 : 0);
  return Object.fromEntries(FAMILY_NAMES.map((f, k) => [f, FAMILIES[f][on(k)]])) as Record<Family, string>;
}

export function familyOn(variants: Readonly<Record<string, string>>, f: Family): boolean {
  return variants[f] !== FAMILIES[f][0];
}

/** Simulates a world (once: kept under `out`). */
export async function world({
  out,
  seed,
  scale,
  prompts,
  variants,
  log = () => undefined,
}: {
  readonly out: string;
  readonly seed: number;
  readonly scale: number;
  readonly prompts?: string | undefined;
  readonly variants?: Readonly<Record<string, string>> | undefined;
  readonly log?: (message: string) => void;
}): Promise<World> {
  const tag = Object.values(variants ?? {})
    .map((v) => v.slice(0, 3))
    .join("");
  const dir = join(out, `world-${seed}-${scale}-${tag}${prompts ? "-p" : ""}`);
  if (!existsSync(join(dir, "simulation.json"))) {
    mkdirSync(dir, { recursive: true });
    log(`worlds: simulating seed ${seed} (${JSON.stringify(variants)})`);
    await simulate({
      out: dir,
      seed,
      scale,
      ...(prompts ? { prompts } : {}),
      ...(variants ? { variants } : {}),
      log,
    });
  }
  const summary = JSON.parse(readFileSync(join(dir, "simulation.json"), "utf8")) as { variants: Variants };
  return { dir, seed, variants: summary.variants };
}

const inputs = (dir: string): { exchanges: string; accounts: string; events: string } => ({
  exchanges: join(dir, "exchanges.jsonl"),
  accounts: join(dir, "accounts.jsonl"),
  events: join(dir, "events.jsonl"),
});

// feature rows are kept per version of the code that computes them
const featureCode = createHash("sha256")
  .update(
    [
      "verdicts/features.js",
      "verdicts/detector.js",
      "verdicts/population.js",
      "pipeline/analyze.js",
      "linkers/groups.js",
      "profiles/profile.js",
      "signals/index.js",
      "signals/capabilities.js",
      "signals/harvest.js",
      "signals/itemsets.js",
      "signals/novelty.js",
      "profiles/timezone.js",
    ]
      .map((f) => readFileSync(dist(f)))
      .join("\n"),
  )
  .update(readFileSync(join(root, "models/harvest.bin")))
  .update(readFileSync(join(root, "models/itemsets.bin")))
  .digest("hex")
  .slice(0, 12);

/**
 * The world's accounts as training rows (features with ground truth), read by a detector
 * with the given account model (default: the shipped one). The model matters: accounts are
 * ranked by their own score in the log's population, and groups are judged by those ranks.
 */
export async function featureRows(w: World, model?: AccountModel): Promise<WorldRow[]> {
  const modelTag = createHash("sha256")
    .update(model ? JSON.stringify(model) : readFileSync(join(root, "models/account-model.json")))
    .digest("hex")
    .slice(0, 8);
  const path = join(w.dir, `features-${featureCode}-${modelTag}.jsonl`);
  if (!existsSync(path))
    await analyze({
      inputs: inputs(w.dir),
      out: join(w.dir, "pred-features"),
      report: false,
      featuresOut: path,
      ...(model ? { detector: { model } } : {}),
    });
  const labels = new Map(
    readJsonl<{ account_id: string; campaign: string | null; population: string }>(
      join(w.dir, "labels.jsonl"),
    ).map((l) => [l.account_id, l]),
  );
  return readJsonl<{ account_id: string; x: number[]; n: number }>(path).flatMap((r) => {
    const l = labels.get(r.account_id);
    return l ? [{ x: r.x, n: r.n, campaign: l.campaign, population: l.population, world: w.seed }] : [];
  });
}

/**
 * Fits the account model in rounds: the rows are read with the shipped model, then again
 * with the model of the round before (the population ranks that group features read depend
 * on the model that scores accounts).
 */
export async function fitInRounds(
  worlds: readonly World[],
  fitRows: (rows: WorldRow[]) => AccountModel,
  rounds = 2,
  log: (message: string) => void = () => undefined,
): Promise<AccountModel | undefined> {
  let model: AccountModel | undefined;
  for (let r = 0; r < rounds; r++) {
    const rows: WorldRow[] = [];
    for (const w of worlds) rows.push(...(await featureRows(w, model)));
    model = fitRows(rows);
    log(`fit: round ${r + 1}/${rounds} on ${rows.length} accounts`);
  }
  return model;
}

/** Analyses a world with the detector options given and scores the verdicts. */
export type Scored = EvalResult & { readonly seconds: number; readonly exchanges: number };

export async function analyseAndScore(
  w: World,
  name: string,
  detector: DetectorOptions = {},
  report = false,
): Promise<Scored> {
  const pred = join(w.dir, `pred-${name}`);
  const t0 = performance.now();
  const summary = await analyze({ inputs: inputs(w.dir), out: pred, detector, report });
  const seconds = (performance.now() - t0) / 1000;
  const r = await evaluate(w.dir, pred, () => undefined);
  return { ...r, seconds, exchanges: summary.exchanges };
}

/** Pools several worlds' evaluations: counts summed per campaign and per benign population. */
export interface Pooled {
  readonly recall: number;
  readonly precision: number;
  readonly byCampaign: Record<string, { recall: number; n: number }>;
  readonly byPopulation: Record<string, { fpr: number; fp: number; n: number }>;
  readonly maxFpr: number;
  readonly preventedShare: number;
  readonly ari: number;
  readonly minCampaignRecall: number;
}

export function pool(results: readonly EvalResult[]): Pooled {
  const recall: Record<string, { hit: number; n: number }> = {};
  const fpr: Record<string, { fp: number; n: number }> = {};
  let tp = 0;
  let fp = 0;
  let campaignAccounts = 0;
  let prevented = 0;
  let ari = 0;
  for (const r of results) {
    prevented += r.preventedShare / results.length;
    ari += r.ari / results.length;
    for (const [c, v] of Object.entries(r.recallByCampaign)) {
      const e = recall[c] ?? { hit: 0, n: 0 };
      recall[c] = e;
      e.hit += v.recall * v.accounts;
      e.n += v.accounts;
      tp += v.recall * v.accounts;
      campaignAccounts += v.accounts;
    }
    for (const [p, v] of Object.entries(r.fprByPopulation)) {
      const e = fpr[p] ?? { fp: 0, n: 0 };
      fpr[p] = e;
      e.fp += v.flagged;
      e.n += v.accounts;
      fp += v.flagged;
    }
  }
  return {
    recall: campaignAccounts === 0 ? Number.NaN : tp / campaignAccounts,
    precision: tp + fp === 0 ? Number.NaN : tp / (tp + fp),
    byCampaign: Object.fromEntries(
      Object.entries(recall).map(([c, e]) => [c, { recall: e.hit / e.n, n: e.n }]),
    ),
    byPopulation: Object.fromEntries(
      Object.entries(fpr).map(([p, e]) => [p, { fpr: e.fp / e.n, fp: e.fp, n: e.n }]),
    ),
    maxFpr: Math.max(0, ...Object.values(fpr).map((e) => e.fp / e.n)),
    preventedShare: prevented,
    ari,
    minCampaignRecall: Math.min(...Object.values(recall).map((e) => e.hit / e.n)),
  };
}
