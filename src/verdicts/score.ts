// An account's own evidence: its features (features.ts) weighed by the account model
// (model.ts), each weight times value a reason an analyst reads, plus the model's
// baseline. The flag cut is the detector's threshold (see docs/detection.md).
import type { Reason } from "../contract/index.js";
import type { AccountProfile } from "../profiles/index.js";
import { FEATURE_NAMES, FEATURES, type FeatureContext, featureValues } from "./features.js";
import { type AccountModel, shippedAccountModel, weightVector } from "./model.js";
import { Population } from "./population.js";

export interface Scored {
  /** sum of the weights */
  readonly score: number;
  readonly reasons: Reason[];
}

export interface ScoreOptions extends FeatureContext {
  /** write each reason's detail (default); false leaves them empty, for the score alone */
  readonly details?: boolean;
  /** the account model (default: the shipped one) */
  readonly model?: AccountModel;
}

export const DEFAULT_UNSUPPORTED_REGIONS: readonly string[] = ["CN", "RU", "IR", "KP", "BY", "SY", "CU"];

const weightsOf = new WeakMap<AccountModel, Float64Array>();
const referenceOf = new WeakMap<AccountModel, Population>();

/** The model's fitted worlds as a population (for scoring an account with no log around it). */
function referencePopulation(model: AccountModel): Population {
  let pop = referenceOf.get(model);
  if (pop === undefined) {
    pop = new Population(model.population, FEATURE_NAMES);
    referenceOf.set(model, pop);
  }
  return pop;
}

/**
 * An account's own evidence. Features relative to the population read `opts.population`
 * (the detector passes the log's); without one, the model's fitted worlds stand for it.
 */
export function scoreProfile(p: AccountProfile, opts: ScoreOptions): Scored {
  const model = opts.model ?? shippedAccountModel();
  const w = modelWeights(model);
  const details = opts.details !== false;
  // an account scored on its own is placed among the fitted worlds' accounts
  const x = featureValues(p, opts.population ? opts : { ...opts, population: referencePopulation(model) });
  const reasons: Reason[] = [];
  if (model.baseline !== 0)
    reasons.push({
      signal: "baseline",
      detail: details
        ? "where every account starts: the fitted model's intercept, moved so that the flag cut is the threshold"
        : "",
      weight: Math.round(model.baseline * 1000) / 1000,
    });
  FEATURES.forEach((f, i) => {
    const c = (w[i] ?? 0) * (x[i] ?? 0);
    if (Math.abs(c) < 0.0005) return;
    reasons.push({
      signal: f.name,
      detail: details ? f.detail(p, opts, x[i] ?? 0) : "",
      weight: Math.round(c * 1000) / 1000,
    });
  });
  reasons.sort((a, b) => b.weight - a.weight);
  return { score: reasonScore(reasons), reasons };
}

function modelWeights(model: AccountModel): Float64Array {
  let w = weightsOf.get(model);
  if (w === undefined) {
    w = weightVector(model);
    weightsOf.set(model, w);
  }
  return w;
}

/** A weight as a reason carries it, in thousandths (rounded; under 0.0005 it is no reason). */
function milli(c: number): number {
  return Math.abs(c) < 0.0005 ? 0 : Math.round(c * 1000);
}

/**
 * The score reasons add up to, summed in thousandths so that it does not depend on their
 * order and equals valuesScore() of the values they were read from.
 */
export function reasonScore(reasons: readonly Reason[]): number {
  let t = 0;
  for (const r of reasons) t += Math.round(r.weight * 1000);
  return t / 1000;
}

/**
 * The own score of an account's feature values (FEATURES order, population-relative ones
 * in place) without writing its reasons: what scoreProfile's reasons add up to, less those
 * whose signal is in `skip`. For the checkpoints, which need only the number.
 */
export function valuesScore(x: Float64Array, model: AccountModel, skip?: ReadonlySet<string>): number {
  const w = modelWeights(model);
  let t = skip?.has("baseline") ? 0 : milli(model.baseline);
  for (let i = 0; i < x.length; i++) {
    const m = milli((w[i] ?? 0) * (x[i] ?? 0));
    if (m !== 0 && (skip === undefined || skip.size === 0 || !skip.has(FEATURE_NAMES[i] ?? ""))) t += m;
  }
  return t / 1000;
}
