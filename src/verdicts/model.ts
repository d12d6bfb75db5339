// The account model: one weight per feature (features.ts), its sign fixed by the
// feature's direction, and an intercept placed so that the flag cut is the detector's
// threshold. Fitted by src/verdicts/fit.ts on a family of simulated worlds (scripts/
// fit-detector.ts writes models/account-model.json, which the detector reads); the
// hand-set weights below are what the detector uses when no fitted model is shipped.
import { readFileSync } from "node:fs";
import { FEATURE_NAMES, FEATURES } from "./features.js";
import type { ReferencePopulation } from "./population.js";

export interface AccountModel {
  readonly version: 1;
  /** weight of each feature (log-odds per unit of the feature) */
  readonly weights: Readonly<Record<string, number>>;
  /** added to every account's score: the fitted intercept moved so that the cut falls on the threshold */
  readonly baseline: number;
  /**
   * how far below the threshold an own score still counts as leaning toward a campaign, and
   * as firmly suspicious, for judging groups: fitted so that few of any benign population lean
   */
  readonly margins?: { readonly leaning: number; readonly firm: number };
  /** the fitted worlds' population: the prior for features and ranks relative to the log (population.ts) */
  readonly population?: ReferencePopulation;
  /** how it was fitted (worlds, protocol, target), for the docs and the analyst */
  readonly fitted?: Readonly<Record<string, unknown>>;
}

/** Hand-set weights: the earlier fixed-weight detector's, plus the accumulating content features. */
export const HAND_SET_MODEL: AccountModel = {
  version: 1,
  baseline: 0,
  weights: {
    harvest_prompts: 1.5,
    harvest_share: 1,
    harvested_output: 0.5,
    exclusive_items: 1,
    answer_pairs: 1,
    one_shot_harvest_share: 1,
    several_clients: 0.2,
    extraction_prompts: 2.5,
    extraction_volume: 0.5,
    reasoning_behind_given_answer: 1.5,
    censorship_rewrites: 1,
    instruction_data_format: 2,
    long_outputs: 1.2,
    extended_thinking: 0.6,
    capability_sweep: 0.6,
    conversational_follow_ups: -2.5,
    harvest_beside_conversations: 3,
    one_shot_prompts: 0.3,
    fresh_task_every_session: 0.7,
    continuing_project: -0.5,
    re_runs_same_items: -0.5,
    burst_sweeps: -0.6,
    deterministic_decoding: -0.4,
    one_template: -0.5,
    around_the_clock: 0.8,
    no_quiet_hours: 0.8,
    time_zone_mismatch: 0.4,
    new_account: 0.8,
    established_account: -0.5,
    verified: -0.3,
    verified_organisation: -0.5,
    unverified_pathway: 0.2,
    address_churn: 0.4,
    proxies: 0.3,
    unsupported_region: 0.5,
    region_mismatch: 0.3,
    rate_limit_handoff: 1,
    pivot_to_new_model: 0.8,
    fleet_pivot_by_content: 0.8,
    short_lived_use: 0.5,
    content_surge: 0.8,
    harvest_share_in_log: 0.5,
    linked_group: 0.5,
  },
};

/** A model read from JSON, checked: every weight names a feature and keeps its feature's sign. */
export function checkModel(doc: unknown, where: string): AccountModel {
  const o = doc as Partial<AccountModel> | null;
  if (o === null || typeof o !== "object" || o.version !== 1)
    throw new Error(`${where}: not an account model (version 1)`);
  if (typeof o.baseline !== "number" || !Number.isFinite(o.baseline))
    throw new Error(`${where}: no baseline`);
  const weights = o.weights;
  if (weights === null || typeof weights !== "object") throw new Error(`${where}: no weights`);
  for (const [name, w] of Object.entries(weights)) {
    const f = FEATURES.find((x) => x.name === name);
    if (!f) throw new Error(`${where}: unknown feature ${name}`);
    if (typeof w !== "number" || !Number.isFinite(w) || w * f.sign < 0)
      throw new Error(`${where}: weight of ${name} must be a number of sign ${f.sign > 0 ? "+" : "-"}`);
  }
  const m = o.margins;
  if (
    m !== undefined &&
    (typeof m !== "object" || !(m.leaning >= 0 && m.leaning <= 5) || !(m.firm >= 0 && m.firm <= m.leaning))
  )
    throw new Error(`${where}: margins must be 0 ≤ firm ≤ leaning ≤ 5`);
  const pop = o.population;
  const ascending = (q: unknown): boolean =>
    Array.isArray(q) &&
    q.every((v, i) => typeof v === "number" && Number.isFinite(v) && (i === 0 || v >= q[i - 1]));
  if (
    pop !== undefined &&
    (pop === null ||
      typeof pop !== "object" ||
      !(typeof pop.weight === "number" && pop.weight >= 0) ||
      !ascending(pop.scores) ||
      pop.features === null ||
      typeof pop.features !== "object" ||
      !Object.entries(pop.features).every(([n, q]) => FEATURE_NAMES.includes(n) && ascending(q)))
  )
    throw new Error(`${where}: population must hold a weight and ascending quantiles of known features`);
  return {
    version: 1,
    baseline: o.baseline,
    weights,
    ...(m ? { margins: { leaning: m.leaning, firm: m.firm } } : {}),
    ...(pop ? { population: pop } : {}),
    ...(o.fitted ? { fitted: o.fitted } : {}),
  };
}

/** The weights in FEATURES order (a feature the model does not name weighs 0). */
export function weightVector(m: AccountModel): Float64Array {
  return Float64Array.from(FEATURE_NAMES, (n) => m.weights[n] ?? 0);
}

/** The shipped model's file (models/account-model.json at the package root). */
export const ACCOUNT_MODEL_URL = new URL("../../models/account-model.json", import.meta.url);

let shipped: AccountModel | undefined;

/** The shipped fitted model, or the hand-set one when none is shipped. */
export function shippedAccountModel(): AccountModel {
  if (shipped === undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(ACCOUNT_MODEL_URL, "utf8");
    } catch {
      text = undefined;
    }
    // a shipped file that does not parse is a build error, not something to paper over
    shipped = text === undefined ? HAND_SET_MODEL : checkModel(JSON.parse(text), "models/account-model.json");
  }
  return shipped;
}
