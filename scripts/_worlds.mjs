// Shared by scripts/fit-detector.mjs and scripts/eval.mjs: a family of simulated worlds
// (a balanced design over the tactic families: each family on in half of them), their
// accounts' feature rows with ground truth, and analyses with a given account model.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..");
const dist = (p) => join(root, "dist", p);
const { simulate, FAMILY_NAMES, FAMILIES } = await import(dist("simulate/index.js"));
const { analyze } = await import(dist("pipeline/index.js"));
const { evaluate } = await import(dist("eval/index.js"));

export { FAMILIES, FAMILY_NAMES };

const readJsonl = (path) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));

// Plackett-Burman design for 12 runs: the first row and its cyclic shifts, then a row of
// all minus; every column is on in exactly six runs, and columns are balanced pairwise.
const PB12 = [1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0];

/**
 * Variants of world i of a 12-run Plackett-Burman design over the tactic families (up to
 * 11): each family is on in half the worlds, and each pair of families is on together in
 * a quarter, so no family always comes with another. Worlds past 12 repeat the design.
 */
export function designVariants(i) {
  const run = i % 12;
  const on = (k) => (run === 11 ? 0 : (PB12[(k - run + 11 * 12) % 11] ?? 0));
  return Object.fromEntries(FAMILY_NAMES.map((f, k) => [f, FAMILIES[f][on(k)]]));
}

export function familyOn(variants, f) {
  return variants[f] !== FAMILIES[f][0];
}

/** Simulates a world (once: kept under `out`). */
export async function world({ out, seed, scale, prompts, variants, log = () => {} }) {
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
  const summary = JSON.parse(readFileSync(join(dir, "simulation.json"), "utf8"));
  return { dir, seed, variants: summary.variants };
}

const inputs = (dir) => ({
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
export async function featureRows(w, model) {
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
  const labels = new Map(readJsonl(join(w.dir, "labels.jsonl")).map((l) => [l.account_id, l]));
  return readJsonl(path).flatMap((r) => {
    const l = labels.get(r.account_id);
    return l ? [{ x: r.x, n: r.n, campaign: l.campaign, population: l.population, world: w.seed }] : [];
  });
}

/**
 * Fits the account model in rounds: the rows are read with the shipped model, then again
 * with the model of the round before (the population ranks that group features read depend
 * on the model that scores accounts).
 */
export async function fitInRounds(worlds, fitRows, rounds = 2, log = () => {}) {
  let model;
  for (let r = 0; r < rounds; r++) {
    const rows = [];
    for (const w of worlds) rows.push(...(await featureRows(w, model)));
    model = fitRows(rows);
    log(`fit: round ${r + 1}/${rounds} on ${rows.length} accounts`);
  }
  return model;
}

/** Analyses a world with the detector options given and scores the verdicts. */
export async function analyseAndScore(w, name, detector = {}, report = false) {
  const pred = join(w.dir, `pred-${name}`);
  const t0 = performance.now();
  const summary = await analyze({ inputs: inputs(w.dir), out: pred, detector, report });
  const seconds = (performance.now() - t0) / 1000;
  const r = await evaluate(w.dir, pred, () => {});
  return { ...r, seconds, exchanges: summary.exchanges };
}

/** Pools several worlds' evaluations: counts summed per campaign and per benign population. */
export function pool(results) {
  const recall = {};
  const fpr = {};
  let tp = 0;
  let fp = 0;
  let campaignAccounts = 0;
  let prevented = 0;
  let ari = 0;
  for (const r of results) {
    prevented += r.preventedShare / results.length;
    ari += r.ari / results.length;
    for (const [c, v] of Object.entries(r.recallByCampaign)) {
      if (!recall[c]) recall[c] = { hit: 0, n: 0 };
      const e = recall[c];
      e.hit += v.recall * v.accounts;
      e.n += v.accounts;
      tp += v.recall * v.accounts;
      campaignAccounts += v.accounts;
    }
    for (const [p, v] of Object.entries(r.fprByPopulation)) {
      if (!fpr[p]) fpr[p] = { fp: 0, n: 0 };
      const e = fpr[p];
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
