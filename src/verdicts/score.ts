// An account's own evidence: what its traffic and sign-up say, as additive weights in
// log-odds units, each with the reason an analyst reads. No single weight can flag an
// account: the flag threshold needs several independent signs (see docs/detection.md).
import type { Reason } from "../contract/index.js";
import {
  type AccountProfile,
  BURST,
  countriesAt,
  impliedOffset,
  offsetDistance,
  textKey,
} from "../profiles/index.js";
import { CAPABILITIES } from "../signals/index.js";

export interface Scored {
  /** sum of the weights */
  readonly score: number;
  readonly reasons: Reason[];
}

export interface ScoreOptions {
  /** sign-up countries where access is not offered (ISO 3166-1 alpha-2) */
  readonly unsupportedRegions: ReadonlySet<string>;
  /** write each reason's detail (default); false leaves them empty, for the score alone */
  readonly details?: boolean;
}

export const DEFAULT_UNSUPPORTED_REGIONS: readonly string[] = ["CN", "RU", "IR", "KP", "BY", "SY", "CU"];

const cap = (c: (typeof CAPABILITIES)[number]): number => CAPABILITIES.indexOf(c);
const COT = cap("cot_elicitation");
const GRADING = cap("reward_grading");
const REWRITE = cap("censorship_rewrite");
const TOOLS = cap("agentic_tool_use");
const CODING = cap("coding");
const VISION = cap("vision");

const pct = (x: number): string => `${Math.round(x * 100)}%`;

export function scoreProfile(p: AccountProfile, opts: ScoreOptions): Scored {
  const reasons: Reason[] = [];
  // details are written only when asked for: between checkpoints only the score is read
  const details = opts.details !== false;
  const add = (signal: string, weight: number, detail: () => string): void => {
    if (weight !== 0)
      reasons.push({ signal, detail: details ? detail() : "", weight: Math.round(weight * 1000) / 1000 });
  };
  const n = p.n;
  // shares over few prompts are noisy: content weights grow with evidence up to 10 distinct prompts
  const prompts = p.distinctOpenings;
  const conf = Math.min(1, prompts / 10);

  // --- what the traffic tries to extract
  const cot = p.capabilityShare(COT);
  const grading = p.capabilityShare(GRADING);
  const rewrite = p.capabilityShare(REWRITE);
  const extraction = p.promptShare(p.extraction);
  if (extraction > 0)
    add(
      "extraction_prompts",
      2.5 * extraction * conf,
      () =>
        `${pct(extraction)} of ${prompts} distinct prompts elicit reasoning traces (${pct(cot)}), grade as a reward model (${pct(grading)}) or ask for censorship-safe rewrites (${pct(rewrite)})`,
    );
  const given = p.promptShare(p.givenAnswer);
  if (given > 0)
    add(
      "reasoning_behind_given_answer",
      1.5 * given * conf,
      () => `${pct(given)} hand over the answer and ask for the reasoning behind it`,
    );
  if (rewrite >= 0.05)
    add(
      "censorship_rewrites",
      1,
      () => `${pct(rewrite)} ask for politically "safe" rewrites of sensitive questions`,
    );
  const format = p.promptShare(p.instructionFormat);
  if (format > 0)
    add(
      "instruction_data_format",
      2 * format * conf,
      () => `${pct(format)} of prompts use instruction-tuning data formats`,
    );
  const long = p.share(p.longOutputs);
  if (long > 0.2)
    add("long_outputs", 1.2 * (long - 0.2) * conf, () => `${pct(long)} of responses are 600+ tokens`);
  const thinking = p.share(p.bigThinking);
  if (thinking > 0.1)
    add("extended_thinking", 0.6 * thinking * conf, () => `${pct(thinking)} request 8k+ thinking tokens`);
  const tools = p.share(p.capabilities[TOOLS] ?? 0);
  const vision = p.capabilityShare(VISION);
  const coding = p.capabilityShare(CODING);
  if (vision >= 0.05 && tools + coding >= 0.2 && n >= 10 && prompts >= 5)
    add(
      "capability_sweep",
      0.6,
      () =>
        `one account harvests vision (${pct(vision)}), tool use (${pct(tools)}) and coding (${pct(coding)})`,
    );

  // --- how it converses
  const follow = p.share(p.followUps);
  if (follow > 0)
    add(
      "conversational_follow_ups",
      -2.5 * follow,
      () => `${pct(follow)} are the user's own follow-ups in a conversation`,
    );
  if (p.toolSteps >= 6 && p.sessions >= 3) {
    const tasksPerSession = p.tasks.distinct / p.sessions;
    if (tasksPerSession >= 0.9)
      add(
        "fresh_task_every_session",
        0.7,
        () =>
          `${p.tasks.distinct} distinct agent tasks in ${p.sessions} sessions: coverage, not a continuing project`,
      );
    else if (tasksPerSession <= 0.7)
      add(
        "continuing_project",
        -0.5,
        () => `${p.tasks.distinct} tasks over ${p.sessions} sessions: work continues across sessions`,
      );
  }
  const repeated = p.share(p.repeatedPrompts);
  if (repeated >= 0.2 && n >= 20)
    add(
      "re_runs_same_items",
      -0.5,
      () => `${pct(repeated)} of prompts repeat earlier ones (evaluation re-runs)`,
    );
  const burst = p.burstShare;
  if (burst >= 0.5 && n >= 50)
    add(
      "burst_sweeps",
      -0.6,
      () =>
        `${pct(burst)} of requests arrive ${BURST}+ a minute: evaluation or batch sweeps, not rate-limited harvesting`,
    );
  const tempZero = p.share(p.temperatureZero);
  if (tempZero >= 0.9 && n >= 20)
    add("deterministic_decoding", -0.4, () => `${pct(tempZero)} at temperature 0`);

  // --- rhythm
  const flat = p.hourFlatness;
  if (flat >= 0.92 && p.spanDays >= 2 && n >= 30)
    add(
      "around_the_clock",
      0.8,
      () =>
        `activity flat across the 24 hours over ${p.spanDays.toFixed(1)} days (entropy ${flat.toFixed(2)})`,
    );

  // --- the account
  const a = p.account;
  const age = p.ageAtFirstDays;
  if (age !== undefined) {
    if (age < 3) add("new_account", 0.8, () => `first request ${age.toFixed(1)} days after sign-up`);
    else if (age < 14) add("new_account", 0.5, () => `first request ${age.toFixed(0)} days after sign-up`);
    else if (age < 45) add("new_account", 0.2, () => `first request ${age.toFixed(0)} days after sign-up`);
    else if (age >= 180)
      add("established_account", -0.5, () => `account ${Math.round(age)} days old at its first request here`);
  }
  if (a?.verified === true) {
    add("verified", -0.3, () => "identity or business verification completed");
    if (a.org_id !== undefined && (a.pathway === "enterprise" || a.pathway === "research"))
      add("verified_organisation", -0.5, () => `verified ${a.pathway} organisation member`);
  } else if (a?.pathway === "reseller")
    add("reseller_pathway", 0.2, () => "unverified account opened through a reseller");
  else if (a?.pathway === "education" || a?.pathway === "research" || a?.pathway === "startup")
    add("programme_pathway", 0.2, () => `unverified account from the ${a.pathway} programme`);

  // --- network and region
  if (n >= 8 && p.ips.distinct / n >= 0.6)
    add("address_churn", 0.4, () => `${p.ips.distinct} source addresses for ${n} exchanges`);
  const anon = p.share((p.ipTypes[3] ?? 0) + (p.ipTypes[4] ?? 0) + (p.ipTypes[5] ?? 0));
  if (anon >= 0.2) add("proxies", 0.3, () => `${pct(anon)} through proxies, VPNs or Tor`);
  const declared = a?.signup_country;
  if (declared !== undefined && opts.unsupportedRegions.has(declared))
    add(
      "unsupported_region",
      0.5,
      () => `declared sign-up country ${declared} is a region where access is not offered`,
    );
  if (declared !== undefined && n >= 5) {
    const home = p.countries.get(textKey(declared)) ?? 0;
    const away = 1 - home / n;
    if (away >= 0.5)
      add(
        "region_mismatch",
        0.3,
        () => `${pct(away)} of traffic from countries other than the declared ${declared}`,
      );
  }

  if (p.handoffs > 0)
    add(
      "rate_limit_handoff",
      Math.min(1, 0.5 * p.handoffs),
      () => `${p.handoffs} request(s) passed between accounts within seconds of a 429`,
    );

  // activity rhythm against the declared country
  if (declared !== undefined && n >= 30 && p.spanDays >= 3 && flat < 0.9) {
    const tz = impliedOffset(p.hourOfDay);
    const off = offsetDistance(declared, tz.offset);
    if (tz.strength >= 0.3 && off !== undefined && off >= 5) {
      const there = countriesAt(tz.offset, opts.unsupportedRegions);
      add(
        "time_zone_mismatch",
        there.length > 0 ? 0.6 : 0.4,
        () =>
          `activity follows a UTC${tz.offset >= 0 ? "+" : ""}${tz.offset} day, ${off} hours from the declared ${declared}${there.length > 0 ? ` (the hours of ${there.join(", ")}, where access is not offered)` : ""}`,
      );
    }
  }

  // --- model pivot
  if (p.releaseWindow >= 10 && p.beforeRelease >= 3) {
    const moved = p.releaseWindowNew / p.releaseWindow;
    if (moved >= 0.4)
      add(
        "pivot_to_new_model",
        0.8,
        () => `${pct(moved)} of traffic in the 24 hours after a model release went to the new model`,
      );
  }

  reasons.sort((x, y) => y.weight - x.weight);
  return { score: reasons.reduce((s, r) => s + r.weight, 0), reasons };
}
