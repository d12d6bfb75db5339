// An account's own evidence as a vector of features, each a number read from its
// profile with the direction in which it points (toward a campaign, or away). The
// account model (model.ts) weighs them; each feature's weight times its value is a
// reason an analyst reads. Features count volume where volume is the evidence (harvest
// accumulates: benign signs discount it but cannot erase it) and shares where the mix is.

import { SURGE_ACCOUNTS, SURGE_RATIO } from "../linkers/index.js";
import {
  type AccountProfile,
  BURST,
  countriesAt,
  impliedOffset,
  offsetDistance,
  readingTally,
  zoneContradiction,
} from "../profiles/index.js";
import { CAPABILITIES } from "../signals/index.js";
import type { Population } from "./population.js";

const cap = (c: (typeof CAPABILITIES)[number]): number => CAPABILITIES.indexOf(c);
const COT = cap("cot_elicitation");
const GRADING = cap("reward_grading");
const REWRITE = cap("censorship_rewrite");
const TOOLS = cap("agentic_tool_use");
const CODING = cap("coding");
const VISION = cap("vision");

const pct = (x: number): string => `${Math.round(x * 100)}%`;

export interface FeatureContext {
  /** sign-up countries where access is not offered (ISO 3166-1 alpha-2) */
  readonly unsupportedRegions: ReadonlySet<string>;
  /** the log's own population, for features relative to it (absent: they read 0) */
  readonly population?: Population;
  /**
   * how strongly the account's linked groups stand out from the population, in [0, 1]
   * (the detector's group judgement; absent: 0, as in the own score that ranks accounts)
   */
  readonly linked?: (p: AccountProfile) => number;
  /**
   * how many accounts of the log asked a known item (by its index in the item index, see
   * signals/itemsets.ts; absent: each item counts as the account's alone)
   */
  readonly itemAskers?: (item: number) => number;
  /**
   * whether the content cluster of a fleet key (profiles' fleetKey) took up its release's
   * model far faster than the rest of the log (linkers/fleet.ts; absent: no cluster did)
   */
  readonly fleetPivoted?: (key: number) => boolean;
  /**
   * the share of a (day, content cluster) cell of task openings that its surge over the days
   * before explains (key: profiles' surgeKey(); linkers/surge.ts; absent: content_surge reads 0)
   */
  readonly surgeExcess?: (key: number) => number;
  /**
   * whether the account shares an organisation, a work e-mail domain, a sign-up address or a
   * card with SHARED_WITH or more accounts (a team, a class, a lab: a surge they carry is their
   * project; absent: no account does)
   */
  readonly sharesAccount?: (p: AccountProfile) => boolean;
  /**
   * the share of the exchanges of the account's organisation's other accounts that came from
   * other countries than each one's declared country (linkers/org-spread.ts; undefined: no
   * organisation, or too few other accounts to read)
   */
  readonly orgAway?: (p: AccountProfile) => number | undefined;
  /** the log's clock: its earliest exchange and the latest read so far (absent: lifecycle features read 0) */
  readonly clock?: { readonly start: number; readonly now: number };
}

export interface Feature {
  readonly name: string;
  /** +1: points toward a campaign; -1: away (the model's weight keeps this sign) */
  readonly sign: 1 | -1;
  /** the signal family, for ablation and the docs */
  readonly family:
    | "content"
    | "structure"
    | "rhythm"
    | "account"
    | "network"
    | "pivot"
    | "lifecycle"
    | "surge"
    | "coordination"
    | "population"
    | "group";
  value(p: AccountProfile, c: FeatureContext): number;
  detail(p: AccountProfile, c: FeatureContext, x: number): string;
  /** the feature this one places in the log's population (its value is computed from that one's) */
  readonly relativeTo?: string;
}

/** The share of an account's traffic from other countries than its declared one that reads as a mismatch. */
const REGION_AWAY = 0.5;

/** Days of use in the provider's own log that make an account established. */
const ESTABLISHED_DAYS = 60;

/** The most credit a share of conversational follow-ups earns. */
const FOLLOW_UP_CREDIT_CAP = 0.5;

/** Shares over few distinct prompts are noisy: they count in full from ten prompts on. */
const conf = (p: AccountProfile): number => Math.min(1, p.distinctOpenings / 10);
/** Follow-ups about a conversation (not new items pasted into it), every one counted. */
const conversationalTurns = (p: AccountProfile): number => Math.max(0, p.followUps - p.itemFollowUps);
/** One-shot task openings among the user's own turns (3 turns of prior). */
const oneShotShare = (p: AccountProfile): number =>
  p.oneShotOpenings / (p.distinctOpenings + conversationalTurns(p) + 3);
const log2p = (x: number): number => Math.log2(1 + Math.max(0, x));

/** z at which a day contradicts the declared country's zones (one-sided, about 1 in 740 by chance). */
const ZONE_Z = 3;

function zoneMismatch(p: AccountProfile, c: FeatureContext): { x: number; text: string } {
  const declared = p.account?.signup_country;
  if (declared === undefined || p.n < 30 || p.spanDays < 3 || p.hourFlatness >= 0.9)
    return { x: 0, text: "" };
  // the day must contradict the declared zones beyond the sampling noise of the hours seen
  const units = Math.min(p.n, p.activeHours.count);
  const test = zoneContradiction(p.hourOfDay, declared, units);
  if (test === undefined || test.z < ZONE_Z) return { x: 0, text: "" };
  const tz = impliedOffset(p.hourOfDay);
  const off = offsetDistance(declared, tz.offset);
  if (tz.strength < 0.3 || off === undefined || off < 5) return { x: 0, text: "" };
  const there = countriesAt(tz.offset, c.unsupportedRegions);
  return {
    x: there.length > 0 ? 1.5 : 1,
    text: `activity follows a UTC${tz.offset >= 0 ? "+" : ""}${tz.offset} day, ${off} hours from the declared ${declared}, over ${units} active hours (z ${test.z.toFixed(1)})${there.length > 0 ? ` (the hours of ${there.join(", ")}, where access is not offered)` : ""}`,
  };
}

const DAY = 86_400_000;
/** A life seen whole: its first use this far into the log (it did not start before the log). */
const LIFE_AFTER_START_DAYS = 1;
/** Exchanges a short life must hold (a trial that sends a few requests is not spend). */
const LIFE_MIN_EXCHANGES = 20;
/** The longest span of use that counts as short. */
const LIFE_MAX_DAYS = 10;
/** Silence after the last use that ends a life: at least this many days ... */
const LIFE_SILENCE_DAYS = 2;
/** ... and this many times (its longest pause between days of use + 1 day). */
const LIFE_SILENCE_RATIO = 3;

/**
 * Whether the account's use in this log is a short life seen whole: it started after the
 * log did (an account unused until now: new, or dormant and reactivated), held at least
 * LIFE_MIN_EXCHANGES exchanges within LIFE_MAX_DAYS, and has been silent since for longer
 * than any pause it took while in use: spend that jumps from zero and stops.
 */
function shortLife(p: AccountProfile, c: FeatureContext): { silent: number; pause: number } | undefined {
  const clock = c.clock;
  if (clock === undefined || p.n < LIFE_MIN_EXCHANGES || p.spanDays > LIFE_MAX_DAYS) return undefined;
  if (p.firstTs - clock.start < LIFE_AFTER_START_DAYS * DAY) return undefined;
  const silent = (clock.now - p.lastTs) / DAY;
  if (silent < LIFE_SILENCE_DAYS) return undefined;
  const pause = p.longestPauseDays;
  return silent >= LIFE_SILENCE_RATIO * (pause + 1) ? { silent, pause } : undefined;
}

/** Items added to an account's known items before its exclusive share is read (a few items say little). */
const EXCLUSIVE_PRIOR = 3;

/** Σ over the account's known items of 1 / (accounts of the log that asked the item). */
function itemShare(p: AccountProfile, c: FeatureContext): number {
  const askers = c.itemAskers;
  if (askers === undefined) return p.items.size;
  let share = 0;
  p.items.forEach((item) => {
    share += 1 / Math.max(1, askers(item));
  });
  return share;
}

/** Harvest-style share of the account's distinct prompts (3 prompts of prior). */
export function harvestShare(p: AccountProfile): number {
  return p.harvestLike / (p.asked + 3);
}

/** Harvest-style share of its one-shot task openings (3 openings of prior). */
export function oneShotHarvestShare(p: AccountProfile): number {
  return p.harvestOneShots / (p.oneShotOpenings + 3);
}

/** The account's exchanges in release windows in clusters that pivoted, and those on the new model. */
function fleetUptake(p: AccountProfile, c: FeatureContext): { n: number; onNew: number } {
  const pivoted = c.fleetPivoted;
  let n = 0;
  let onNew = 0;
  if (pivoted === undefined || p.fleet.size === 0) return { n, onNew };
  p.fleet.forEach((key, count) => {
    if (!pivoted(key)) return;
    n += count;
    if (key & 1) onNew += count;
  });
  return { n, onNew };
}

/**
 * The account's task openings in content surges, each weighted by the share of its cell the
 * surge explains (the chance that the opening is part of the surge rather than the baseline).
 */
function surgeOpenings(p: AccountProfile, c: FeatureContext): { n: number; excess: number } {
  const excess = c.surgeExcess;
  let n = 0;
  let x = 0;
  if (excess === undefined || p.surge.size === 0) return { n, excess: x };
  p.surge.forEach((key, count) => {
    const e = excess(key);
    if (e <= 0) return;
    n += count;
    x += e * count;
  });
  return { n, excess: x };
}

/** Exchanges on the new model in pivoting clusters an account needs before fleet timing counts for it. */
const FLEET_ACCOUNT_MIN = 3;

function tasksPerSession(p: AccountProfile): number | undefined {
  return p.toolSteps >= 6 && p.sessions >= 3 ? p.tasks.distinct / p.sessions : undefined;
}

export const FEATURES: readonly Feature[] = [
  // --- what the traffic asks for
  {
    name: "harvest_prompts",
    sign: 1,
    family: "content",
    // log2 of the count, in units of six doublings: 63 harvest-style prompts count 1
    value: (p) => log2p(p.harvestLike) / 6,
    detail: (p) =>
      `${p.harvestLike} distinct prompts read as harvest-style items (self-contained tasks, exam or benchmark items, data-generation or agent tasks), ${p.harvestFollowUps} of them pasted as follow-ups`,
  },
  {
    name: "harvest_share",
    sign: 1,
    family: "content",
    value: harvestShare,
    detail: (p) =>
      `${pct(p.harvestLike / Math.max(1, p.asked))} of ${p.asked} distinct prompts read as harvest-style`,
  },
  {
    name: "one_shot_harvest_share",
    sign: 1,
    family: "content",
    // the account's one-shot requests judged on their own: a relay's customers converse in
    // the same account, and their follow-ups must not dilute what its one-shot stream is
    value: (p) => oneShotHarvestShare(p) * Math.min(1, p.oneShotOpenings / 10),
    detail: (p) =>
      `${pct(p.harvestOneShots / Math.max(1, p.oneShotOpenings))} of ${p.oneShotOpenings} one-shot requests read as harvest-style`,
  },
  {
    name: "harvested_output",
    sign: 1,
    family: "content",
    value: (p) => log2p(p.harvestedTokens / 2000) / 6,
    detail: (p) =>
      `${Math.round(p.harvestedTokens / 1000)}k output tokens taken on harvest-style or extraction prompts`,
  },
  {
    name: "exclusive_items",
    sign: 1,
    family: "content",
    // its share of the known items this log asks: a class or a lab repeats the same items
    // across accounts, a sweep spreads one set's items over accounts that never overlap.
    // Counted in proportion to how exclusive its items are as a whole: a student who also
    // practises alone on public problems asks mostly the class's shared set, a sweep's
    // account almost nothing that anyone else asks
    value: (p, c) => {
      const share = itemShare(p, c);
      return (log2p(share) / 6) * (share / (p.items.distinct + EXCLUSIVE_PRIOR));
    },
    detail: (p, c) => {
      const share = itemShare(p, c);
      return `${p.items.distinct} items of known public sets asked, worth ${share.toFixed(1)} items once each shared with the other accounts that asked them (${pct(share / Math.max(1, p.items.distinct))} of its items its own)`;
    },
  },
  {
    name: "answer_pairs",
    sign: 1,
    family: "content",
    // preference data: the same long prompt sent again with one number changed (a right and
    // a wrong answer to grade or explain); log2 in units of six doublings
    value: (p) => log2p(p.answerPairs) / 6,
    detail: (p) =>
      `${p.answerPairs} prompts repeat an earlier one of this account but for one number: answers sent in pairs to be compared, as preference data is made`,
  },
  {
    name: "extraction_prompts",
    sign: 1,
    family: "content",
    value: (p) => p.promptShare(p.extraction) * conf(p),
    detail: (p) =>
      `${pct(p.promptShare(p.extraction))} of ${p.distinctOpenings} distinct prompts elicit reasoning traces (${pct(p.capabilityShare(COT))}), grade as a reward model (${pct(p.capabilityShare(GRADING))}) or ask for censorship-safe rewrites (${pct(p.capabilityShare(REWRITE))})`,
  },
  {
    name: "extraction_volume",
    sign: 1,
    family: "content",
    value: (p) => log2p(p.extraction + p.givenAnswer + p.instructionFormat) / 6,
    detail: (p) =>
      `${p.extraction + p.givenAnswer + p.instructionFormat} prompts ask for reasoning traces, grading, safe rewrites or instruction-data formats`,
  },
  {
    name: "reasoning_behind_given_answer",
    sign: 1,
    family: "content",
    value: (p) => p.promptShare(p.givenAnswer) * conf(p),
    detail: (p) =>
      `${pct(p.promptShare(p.givenAnswer))} hand over the answer and ask for the reasoning behind it`,
  },
  {
    name: "censorship_rewrites",
    sign: 1,
    family: "content",
    value: (p) => (p.capabilityShare(REWRITE) >= 0.05 ? 1 : 0),
    detail: (p) =>
      `${pct(p.capabilityShare(REWRITE))} ask for politically "safe" rewrites of sensitive questions`,
  },
  {
    name: "instruction_data_format",
    sign: 1,
    family: "content",
    value: (p) => p.promptShare(p.instructionFormat) * conf(p),
    detail: (p) =>
      `${pct(p.promptShare(p.instructionFormat))} of prompts use instruction-tuning data formats`,
  },
  {
    name: "long_outputs",
    sign: 1,
    family: "content",
    value: (p) => Math.max(0, p.share(p.longOutputs) - 0.2) * conf(p),
    detail: (p) => `${pct(p.share(p.longOutputs))} of responses are 600+ tokens`,
  },
  {
    name: "extended_thinking",
    sign: 1,
    family: "content",
    value: (p) => (p.share(p.bigThinking) > 0.1 ? p.share(p.bigThinking) * conf(p) : 0),
    detail: (p) => `${pct(p.share(p.bigThinking))} request 8k+ thinking tokens`,
  },
  {
    name: "capability_sweep",
    sign: 1,
    family: "content",
    value: (p) => {
      const tools = p.share(p.capabilities[TOOLS] ?? 0);
      return p.capabilityShare(VISION) >= 0.05 &&
        tools >= 0.05 &&
        tools + p.capabilityShare(CODING) >= 0.2 &&
        p.n >= 10 &&
        p.distinctOpenings >= 5
        ? 1
        : 0;
    },
    detail: (p) =>
      `one account harvests vision (${pct(p.capabilityShare(VISION))}), tool use (${pct(p.share(p.capabilities[TOOLS] ?? 0))}) and coding (${pct(p.capabilityShare(CODING))})`,
  },
  // --- how it converses
  {
    name: "conversational_follow_ups",
    sign: -1,
    family: "structure",
    // credit for turns about the conversation only (not new items pasted into it), capped:
    // conversing says someone uses the account, not that nobody harvests through it
    value: (p) => Math.min(FOLLOW_UP_CREDIT_CAP, p.share(Math.max(0, p.followUps - p.itemFollowUps))),
    detail: (p) =>
      `${pct(p.share(Math.max(0, p.followUps - p.itemFollowUps)))} are the user's own follow-ups in a conversation`,
  },
  {
    name: "items_in_conversations",
    sign: 1,
    family: "structure",
    // chains of independent items: follow-ups that each bring a new self-contained problem
    value: (p) => (p.itemFollowUps / (p.followUps + 3)) * Math.min(1, p.itemFollowUps / 10),
    detail: (p) =>
      `${p.itemFollowUps} follow-ups (${pct(p.itemFollowUps / Math.max(1, p.followUps))}) each bring a new self-contained item into an open conversation`,
  },
  {
    name: "harvest_beside_conversations",
    sign: 1,
    family: "structure",
    // a relay: conversations and a stream of harvest items in one account; the follow-ups
    // say people use it, not that nobody harvests through it
    value: (p) => Math.min(p.share(p.followUps), harvestShare(p)) * Math.min(1, p.harvestLike / 20),
    detail: (p) =>
      `conversations (${pct(p.share(p.followUps))} follow-ups) beside ${p.harvestLike} harvest-style prompts: an account used by several people or programs`,
  },
  {
    name: "several_clients",
    sign: 1,
    family: "structure",
    // an account used by several programs or people (a relay's customers) shows many agents
    value: (p) => Math.min(1, Math.log2(Math.max(1, p.userAgents.distinct)) / 3),
    detail: (p) => `${p.userAgents.distinct} different client agents`,
  },
  {
    name: "one_shot_prompts",
    sign: 1,
    family: "structure",
    // of the user's own turns (distinct task openings and every follow-up about a
    // conversation, repeated wording included: "go on" said twenty times is twenty turns of
    // conversation), the share that open a request with no history. Read over distinct
    // prompts until 7edb9e1, where a person who repeats a short follow-up read as one-shot
    value: (p) => oneShotShare(p) * conf(p),
    detail: (p) =>
      `${pct(oneShotShare(p))} of its ${p.distinctOpenings + conversationalTurns(p)} own turns open a request with no history`,
  },
  {
    name: "fresh_task_every_session",
    sign: 1,
    family: "structure",
    value: (p) => ((tasksPerSession(p) ?? 0) >= 0.9 ? 1 : 0),
    detail: (p) =>
      `${p.tasks.distinct} distinct agent tasks in ${p.sessions} sessions: coverage, not a continuing project`,
  },
  {
    name: "continuing_project",
    sign: -1,
    family: "structure",
    value: (p) => {
      const t = tasksPerSession(p);
      return t !== undefined && t <= 0.7 ? 1 : 0;
    },
    detail: (p) => `${p.tasks.distinct} tasks over ${p.sessions} sessions: work continues across sessions`,
  },
  {
    name: "re_runs_same_items",
    sign: -1,
    family: "structure",
    value: (p) => (p.share(p.repeatedPrompts) >= 0.2 && p.n >= 20 ? 1 : 0),
    detail: (p) => `${pct(p.share(p.repeatedPrompts))} of prompts repeat earlier ones (evaluation re-runs)`,
  },
  {
    name: "burst_sweeps",
    sign: -1,
    family: "structure",
    value: (p) => (p.burstShare >= 0.5 && p.n >= 50 ? 1 : 0),
    detail: (p) =>
      `${pct(p.burstShare)} of requests arrive ${BURST}+ a minute: evaluation or batch sweeps, not rate-limited harvesting`,
  },
  {
    name: "one_template",
    sign: -1,
    family: "structure",
    // a pipeline fills one template thousands of times; harvesting wants many different items
    value: (p) => {
      if (p.openings < 50) return 0;
      return p.topScaffold / p.openings >= 0.8 ? 1 : 0;
    },
    detail: (p) =>
      `${pct(p.topScaffold / Math.max(1, p.openings))} of ${p.openings} task openings fill one template: a pipeline`,
  },
  {
    name: "deterministic_decoding",
    sign: -1,
    family: "structure",
    value: (p) => (p.share(p.temperatureZero) >= 0.9 && p.n >= 20 ? 1 : 0),
    detail: (p) => `${pct(p.share(p.temperatureZero))} at temperature 0`,
  },
  // --- rhythm
  {
    name: "around_the_clock",
    sign: 1,
    family: "rhythm",
    value: (p) => (p.hourFlatness >= 0.92 && p.spanDays >= 2 && p.n >= 30 ? 1 : 0),
    detail: (p) =>
      `activity flat across the 24 hours over ${p.spanDays.toFixed(1)} days (entropy ${p.hourFlatness.toFixed(2)})`,
  },
  {
    name: "no_quiet_hours",
    sign: 1,
    family: "rhythm",
    // what a person has and a machine does not is a quiet stretch: the share of its exchanges
    // in its quietest six hours, from 5% (a night) to 20% (none; evenly spread is 25%). The
    // entropy that around_the_clock reads is 0.92-0.94 for a person's day in one time zone too
    // (a night at 8% of the day's rate still puts mass in every hour)
    value: (p) =>
      p.spanDays >= 2 && p.n >= 30 ? Math.max(0, Math.min(1, (p.quietHoursShare - 0.05) / 0.15)) : 0,
    detail: (p) =>
      `its quietest six hours of the day carry ${pct(p.quietHoursShare)} of its exchanges over ${p.spanDays.toFixed(1)} days (a person's night: a few percent)`,
  },
  {
    name: "time_zone_mismatch",
    sign: 1,
    family: "rhythm",
    value: (p, c) => zoneMismatch(p, c).x,
    detail: (p, c) => zoneMismatch(p, c).text,
  },
  // --- the account
  {
    name: "new_account",
    sign: 1,
    family: "account",
    value: (p) => {
      const age = p.ageAtFirstDays;
      return age === undefined ? 0 : age < 3 ? 1 : age < 14 ? 0.6 : age < 45 ? 0.25 : 0;
    },
    detail: (p) => `first request ${(p.ageAtFirstDays ?? 0).toFixed(1)} days after sign-up`,
  },
  {
    name: "established_account",
    sign: -1,
    family: "account",
    // history of use in the provider's own log (kept across appends), not the age of the
    // account: an aged account bought on a grey market has none
    value: (p) => (p.spanDays >= ESTABLISHED_DAYS && p.days.distinct >= 10 ? 1 : 0),
    detail: (p) =>
      `in use here for ${Math.round(p.spanDays)} days (${p.days.distinct} active days), account ${Math.round(p.ageAtFirstDays ?? 0)} days old at its first request here`,
  },
  {
    name: "verified",
    sign: -1,
    family: "account",
    value: (p) => (p.account?.verified === true ? 1 : 0),
    detail: () => "identity or business verification completed",
  },
  {
    name: "verified_organisation",
    sign: -1,
    family: "account",
    value: (p) => {
      const a = p.account;
      return a?.verified === true &&
        a.org_id !== undefined &&
        (a.pathway === "enterprise" || a.pathway === "research")
        ? 1
        : 0;
    },
    detail: (p) => `verified ${p.account?.pathway ?? ""} organisation member`,
  },
  {
    name: "unverified_pathway",
    sign: 1,
    family: "account",
    value: (p) => {
      const a = p.account;
      return a?.verified !== true &&
        (a?.pathway === "reseller" ||
          a?.pathway === "education" ||
          a?.pathway === "research" ||
          a?.pathway === "startup")
        ? 1
        : 0;
    },
    detail: (p) => `unverified account opened through the ${p.account?.pathway ?? ""} pathway`,
  },
  // --- network and region
  {
    name: "address_churn",
    sign: 1,
    family: "network",
    value: (p) => (p.n >= 8 && p.ips.distinct / p.n >= 0.6 ? 1 : 0),
    detail: (p) => `${p.ips.distinct} source addresses for ${p.n} exchanges`,
  },
  {
    name: "proxies",
    sign: 1,
    family: "network",
    value: (p) => (p.share((p.ipTypes[3] ?? 0) + (p.ipTypes[4] ?? 0) + (p.ipTypes[5] ?? 0)) >= 0.2 ? 1 : 0),
    detail: (p) =>
      `${pct(p.share((p.ipTypes[3] ?? 0) + (p.ipTypes[4] ?? 0) + (p.ipTypes[5] ?? 0)))} through proxies, VPNs or Tor`,
  },
  {
    name: "unsupported_region",
    sign: 1,
    family: "network",
    value: (p, c) => {
      const d = p.account?.signup_country;
      return d !== undefined && c.unsupportedRegions.has(d) ? 1 : 0;
    },
    detail: (p) =>
      `declared sign-up country ${p.account?.signup_country ?? ""} is a region where access is not offered`,
  },
  {
    name: "region_mismatch",
    sign: 1,
    family: "network",
    // read against the rest of its organisation: a reseller's customers and a multinational's
    // staff are where their organisation works, whatever country their card was issued in
    value: (p, c) => {
      if (p.account?.signup_country === undefined || p.n < 5 || p.away / p.n < REGION_AWAY) return 0;
      const others = c.orgAway?.(p);
      return others !== undefined && others >= REGION_AWAY ? 0 : 1;
    },
    detail: (p) => {
      const d = p.account?.signup_country ?? "";
      return `${pct(p.away / Math.max(1, p.n))} of traffic from countries other than the declared ${d}, unlike the rest of its organisation's accounts (or it has none)`;
    },
  },
  // --- coordination seen from one account
  {
    name: "rate_limit_handoff",
    sign: 1,
    family: "coordination",
    value: (p) => Math.min(2, p.handoffs) / 2,
    detail: (p) => `${p.handoffs} request(s) passed between accounts within seconds of a 429`,
  },
  {
    name: "pivot_to_new_model",
    sign: 1,
    family: "pivot",
    value: (p) =>
      p.releaseWindow >= 10 && p.beforeRelease >= 3 && p.releaseWindowNew / p.releaseWindow >= 0.4 ? 1 : 0,
    detail: (p) =>
      `${pct(p.releaseWindowNew / Math.max(1, p.releaseWindow))} of traffic in the 24 hours after a model release went to the new model`,
  },
  {
    name: "fleet_pivot_by_content",
    sign: 1,
    family: "pivot",
    // the account's part in a content cluster that moved to a new model far faster than the
    // rest of the log (linkers/fleet.ts): staggering each account's uptake over days does not
    // hide the cluster's; its share of its window traffic on the new model, from 10 exchanges on
    value: (p, c) => {
      const u = fleetUptake(p, c);
      return u.onNew < FLEET_ACCOUNT_MIN ? 0 : (u.onNew / u.n) * Math.min(1, u.n / 10);
    },
    detail: (p, c) => {
      const u = fleetUptake(p, c);
      return `${u.onNew} of its ${u.n} exchanges in the first 48 hours after a model release went to the new model, in content that as a whole moved to it far faster than the rest of this log`;
    },
  },
  // --- content surges against the log's own baseline
  {
    name: "content_surge",
    sign: 1,
    family: "surge",
    // the share of the account's distinct task openings that a surge of their content cluster
    // over the days before explains (linkers/surge.ts), with 3 openings of prior; a campaign
    // that starts or grows adds a block of one kind of content, carried by many accounts
    value: (p, c) => {
      const u = surgeOpenings(p, c);
      // a surge carried by a team, a class or a lab is their project: only accounts with
      // nothing else in common read it
      if (u.excess === 0 || c.sharesAccount?.(p)) return 0;
      return u.excess / (p.distinctOpenings + 3);
    },
    detail: (p, c) => {
      const u = surgeOpenings(p, c);
      return `${u.n} of its ${p.distinctOpenings} distinct task openings fell on days when their kind of content surged in this log (at least ${SURGE_RATIO}× its share on the days before, carried by ${SURGE_ACCOUNTS}+ accounts, and it shares no organisation, work domain, sign-up address or card with them); the surge explains ${pct(u.excess / Math.max(1, p.distinctOpenings))} of its openings`;
    },
  },
  // --- lifecycle
  {
    name: "short_lived_use",
    sign: 1,
    family: "lifecycle",
    // accounts used hard for a few days and abandoned: a hydra drops accounts before they
    // accumulate history, and grey-market accounts are reactivated, drained and left
    value: (p, c) => (shortLife(p, c) === undefined ? 0 : 1),
    detail: (p, c) => {
      const life = shortLife(p, c);
      return `${p.n} exchanges over ${p.spanDays.toFixed(1)} days from its first use here, then silent for ${(life?.silent ?? 0).toFixed(1)} days (its longest pause in use: ${life?.pause ?? 0} days): used hard, then abandoned`;
    },
  },
  // --- the log's own population (population.ts): the same evidence as a position among
  // this log's accounts, so that a provider whose customers ask more (or less) of this
  // kind than the worlds the model was fitted on moves the cut with them
  ...(
    [
      ["harvest_prompts", "harvest-style prompts"],
      ["harvest_share", "share of harvest-style prompts"],
      ["one_shot_harvest_share", "harvest share of one-shot requests"],
      ["harvested_output", "output taken on harvest-style prompts"],
      ["one_shot_prompts", "share of one-shot requests"],
      ["long_outputs", "share of long answers"],
    ] as const
  ).map(
    ([of, what]): Feature => ({
      name: `${of}_in_log`,
      sign: 1,
      family: "population",
      relativeTo: of,
      // computed in featureValues from the feature it places
      value: () => 0,
      detail: (_p, _c, x) =>
        `its ${what} stands at the ${Math.round(((x + 1) / 2) * 100)}th percentile of this log's accounts`,
    }),
  ),
  // --- the groups it is linked to, judged as groups
  {
    name: "linked_group",
    sign: 1,
    family: "group",
    value: (p, c) => c.linked?.(p) ?? 0,
    // the reason that names the group is the detector's (it alone holds the groups)
    detail: (_p, _c, x) => `its strongest linked group stands out from this log's accounts (${x.toFixed(2)})`,
  },
];

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);

/**
 * The features that read what an account asks for: harvest-style and extraction requests,
 * known items and answer pairs, coverage of capabilities and fresh agent tasks, items pasted
 * into conversations, content that surged or moved to a new model as a block, and the
 * population features placed from them. Answer length, one-shot use, the account, its network
 * and its rhythm are not among them: a person on a VPN with a new account who wants long
 * answers asks nothing a campaign asks. The detector flags no account without some of this
 * evidence (detector.ts ASKED_MIN).
 */
const ASKING_OWN = new Set([
  "harvest_prompts",
  "harvest_share",
  "one_shot_harvest_share",
  "harvested_output",
  "exclusive_items",
  "answer_pairs",
  "extraction_prompts",
  "extraction_volume",
  "reasoning_behind_given_answer",
  "censorship_rewrites",
  "instruction_data_format",
  "capability_sweep",
  "items_in_conversations",
  "harvest_beside_conversations",
  "fresh_task_every_session",
  "fleet_pivot_by_content",
  "content_surge",
]);
export const ASKING_FEATURES: readonly string[] = FEATURES.filter(
  (f) => ASKING_OWN.has(f.name) || (f.relativeTo !== undefined && ASKING_OWN.has(f.relativeTo)),
).map((f) => f.name);

/** Index in FEATURES of the feature each population-relative feature places (-1 for the others). */
const RELATIVE_SOURCE: readonly number[] = FEATURES.map((f) =>
  f.relativeTo === undefined ? -1 : FEATURE_NAMES.indexOf(f.relativeTo),
);

/** The features a population tracks (those some relative feature places), by index. */
export const TRACKED_FEATURES: readonly number[] = [...new Set(RELATIVE_SOURCE.filter((j) => j >= 0))];

/** Distinct prompts at which a population-relative feature counts half its position. */
export const RELATIVE_HALF = 10;

/** The account's feature values, in FEATURES order. */
export function featureValues(p: AccountProfile, c: FeatureContext): Float64Array {
  const x = new Float64Array(FEATURES.length);
  readingTally(p.tally, () =>
    FEATURES.forEach((f, i) => {
      if (RELATIVE_SOURCE[i] === -1) x[i] = f.value(p, c);
    }),
  );
  if (c.population) placeInPopulation(x, p, c.population);
  return x;
}

/**
 * Sets the population-relative features of x (an account's values, the others in place)
 * from the population: what featureValues does once the account's own values are read.
 */
export function placeInPopulation(x: Float64Array, p: AccountProfile, pop: Population): void {
  if (!pop.ready) return;
  // a position read from a few prompts is mostly sampling noise: it is drawn toward the
  // median (0) by the account's evidence, half-way at RELATIVE_HALF distinct prompts
  const evidence = p.asked / (p.asked + RELATIVE_HALF);
  RELATIVE_SOURCE.forEach((j, i) => {
    if (j >= 0) x[i] = pop.above(j, x[j] ?? 0) * evidence;
  });
}
