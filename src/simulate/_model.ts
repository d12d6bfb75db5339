// The simulator's own vocabulary: accounts, drafted exchanges and the actors that
// draft them. An actor is a population or a campaign; once per simulated hour it
// drafts the exchanges that start in that hour.
import type { AccountRecord, Api, ExchangePart } from "../contract/index.js";
import type { Corpus } from "./_corpus.js";
import type { Variants } from "./_families.js";
import type { IpInfo, World } from "./_net.js";
import type { Rng } from "./_rng.js";

export interface SimAccount {
  readonly id: string;
  readonly population: string;
  readonly campaign: string | null;
  readonly record: AccountRecord;
  readonly createdMs: number;
  /** UTC offset (hours) of the people or operators behind it */
  readonly tz: number;
  readonly keyIds: readonly string[];
}

export interface ToolUse {
  readonly id: string;
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export interface Msg {
  readonly role: "user" | "assistant";
  readonly text?: string;
  readonly image?: boolean;
  readonly toolUse?: ToolUse;
  readonly toolResult?: { readonly id: string; readonly content: string };
}

/**
 * What a campaign's exchange is to the attacker: an item harvested (one-shot or agent
 * step), an item pasted as a follow-up into an open conversation, an ordinary chat sent as
 * cover, or a relay customer's own chat through the account (not the attacker's).
 */
export type Part = ExchangePart;

/** One exchange as an actor drafts it; optional parts are present as undefined (cheaper than absent). */
export interface Draft {
  readonly ts: number;
  readonly acct: SimAccount;
  readonly api: Api;
  readonly model: string;
  readonly system: string | undefined;
  readonly messages: readonly Msg[];
  readonly tools: readonly string[] | undefined;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly thinkingBudget: number | undefined;
  readonly out: {
    readonly text: string;
    readonly thinking: string | undefined;
    readonly toolUse: ToolUse | undefined;
  };
  readonly outTokens: number;
  readonly status: number;
  readonly net: IpInfo;
  readonly ua: string;
  readonly keyId: string;
  /** campaign traffic: its part (undefined: harvest) */
  readonly part: Part | undefined;
}

export interface Release {
  readonly ts: number;
  readonly model: string;
}

export interface SimContext {
  readonly seed: number;
  readonly scale: number;
  readonly start: number;
  readonly end: number;
  readonly world: World;
  readonly corpus: Corpus;
  readonly release: Release;
  readonly oldModels: readonly (readonly [string, number])[];
  /** hex id helper, deterministic per stream */
  newId(rng: Rng, prefix: string): string;
  /** this world's implementation of each tactic family */
  readonly variants: Variants;
  /** the kind of prompt set campaigns draw from in this world, when sources are rotated */
  readonly harvestKind: HarvestKind;
  /** the red team's level and its tactics (src/simulate/_adaptive.ts); level 0 adapts nothing */
  readonly adaptive: AdaptiveTactics;
  /** per-account wording for adaptive campaigns (used when adaptive.ownWording) */
  readonly wordings: WordingSource;
}

/** The red team's levels (src/simulate/_adaptive.ts). */
export const ADAPTIVE_LEVELS = [0, 1, 2, 3, 4, 5, 6] as const;
export type AdaptiveLevel = (typeof ADAPTIVE_LEVELS)[number];

/** The tactics a level turns on. */
export interface AdaptiveTactics {
  readonly level: AdaptiveLevel;
  /** sign-up like a developer's: aged 180-700 days, mostly verified, standard pathway, own e-mail domain */
  readonly developerSignup: boolean;
  /** each account moves to a new model on its own day, over the days after a release */
  readonly staggeredPivot: boolean;
  /** no synchronised dispatch waves and no hand-off of a refused request to another account */
  readonly unsynchronised: boolean;
  /** each account words requests its own way in plain English, with no cue words or data-set wrappers */
  readonly ownWording: boolean;
  /** share of the attacker's exchanges that are ordinary chats sent as cover (0: none) */
  readonly cover: number;
  /** share of harvest items pasted as follow-ups in an open conversation (0: none) */
  readonly chains: number;
  /** accounts multiplied by this, volume per account divided by it (1: unchanged) */
  readonly spread: number;
  /**
   * share of an item's words a paraphrase replaces before it is sent (0: none), against an
   * index of known public item sets whose anchors the attacker cannot read (a keyed one)
   */
  readonly reword: number;
}

/** What a red-team request asks for (src/simulate/_adaptive.ts words it per account). */
export type Intent = "solve" | "explain_given" | "grade" | "rewrite" | "task";

/** Words a request in an account's own way. */
export interface WordingSource {
  /** `q` the problem or task, `a` a given answer or a reply to grade, `t` a topic */
  word(acct: SimAccount, intent: Intent, parts: { q?: string; a?: string; t?: string }): string;
}

export const HARVEST_KINDS = ["math", "code", "exam", "instructions", "tools"] as const;
export type HarvestKind = (typeof HARVEST_KINDS)[number];

/**
 * A harvest item (a problem, task or question to collect answers to): from every kind of
 * prompt set, or mostly from the world's one kind when sources are rotated.
 */
export function harvestItem(ctx: SimContext, rng: Rng): string {
  const kind =
    ctx.variants.sources === "rotated" && rng.chance(0.85) ? ctx.harvestKind : rng.pick(HARVEST_KINDS);
  const c = ctx.corpus;
  switch (kind) {
    case "math":
      return c.solvedProblem(rng).question;
    case "code":
      return c.codeInstruction(rng);
    case "exam":
      return c.exam(rng);
    case "tools":
      return c.toolTask(rng);
    case "instructions":
      return instructionText(c.instruction(rng));
  }
}

/** An instruction and its input as one prompt, without a data-set wrapper. */
export function instructionText(i: { readonly instruction: string; readonly input: string }): string {
  return i.input ? `${i.instruction}\n\n${i.input}` : i.instruction;
}

export type Emit = (d: Draft) => void;

export interface Actor {
  readonly name: string;
  readonly accounts: readonly SimAccount[];
  /** tactic parameters drawn for this seed, for the run summary */
  readonly params: Readonly<Record<string, number | string>>;
  hour(t0: number, emit: Emit): void;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Local hour of day (0..24) for a UTC time and offset. */
export function localHour(ts: number, tz: number): number {
  const h = (ts / HOUR + tz) % 24;
  return h < 0 ? h + 24 : h;
}

/** Local day of week, 0 = Sunday. */
export function localWeekday(ts: number, tz: number): number {
  return new Date(ts + tz * HOUR).getUTCDay();
}

/** Relative activity by local hour for people: low at night, peaks in the evening. */
export function humanDiurnal(h: number): number {
  if (h < 1) return 0.5;
  if (h < 6) return 0.08;
  if (h < 8) return 0.4;
  if (h < 12) return 1.0;
  if (h < 14) return 1.1;
  if (h < 18) return 1.0;
  if (h < 23) return 1.5;
  return 0.9;
}

/** Relative activity by local hour for office work on weekdays. */
export function officeDiurnal(h: number, weekday: number): number {
  if (weekday === 0 || weekday === 6) return 0.06;
  if (h < 7 || h >= 20) return 0.03;
  if (h < 9) return 0.5;
  if (h < 12) return 1.4;
  if (h < 13) return 0.8;
  if (h < 18) return 1.4;
  return 0.4;
}

/** Picks the model a caller uses at `ts`; `adoption` is the share that has moved to a released model. */
export function pickModel(
  ctx: SimContext,
  rng: Rng,
  ts: number,
  adoption: (hoursSinceRelease: number) => number,
): string {
  if (ts >= ctx.release.ts && rng.chance(adoption((ts - ctx.release.ts) / HOUR))) return ctx.release.model;
  return rng.weighted(ctx.oldModels);
}

/** Gradual adoption by ordinary customers: a few percent a day, saturating. */
export function organicAdoption(perDay: number): (h: number) => number {
  return (h) => Math.min(0.6, (h / 24) * perDay);
}

/** About four characters a token. */
export function tokens(s: string | undefined): number {
  return s === undefined ? 0 : Math.ceil(s.length / 4);
}
