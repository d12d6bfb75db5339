// The simulator is a family of worlds: each tactic family has several implementations,
// one drawn per seed (or forced), so that a detector fitted or tuned on some worlds is
// measured on worlds that implement a tactic differently (leave-one-family-out, npm run
// eval). The first implementation of each family is the plain one; the others are what
// the family stands for when it is "on".

import { at } from "../contract/index.js";
import type { Rng } from "./_rng.js";

export const FAMILIES = {
  /** proxy resellers' accounts: campaign traffic alone, or mixed with the customers' own chats in the same accounts */
  relay: ["separate", "mixed"],
  /** agentic campaign: a fresh task every session, or tasks continued across sessions like developers */
  agentic_tasks: ["fresh", "continued"],
  /** campaign prompts in the data sets' own wording or templates, or reworded casually per account */
  phrasing: ["templated", "humanised"],
  /** campaign items from every prompt set, or from one kind of set per world (math, code, exams, instructions, tools) */
  sources: ["all", "rotated"],
  /** no slow sweep, or a low-volume sweep over many unlinked accounts */
  sweep: ["none", "slow"],
  /** campaign prompts in English, or partly in Chinese */
  language: ["english", "mixed"],
  /** campaign accounts share cards, addresses and agents, or each has its own residential address, agent and card */
  infrastructure: ["shared", "own"],
  /** campaign accounts opened for the job, or aged (60-500 days, mostly verified) */
  accounts: ["fresh", "aged"],
  /** campaign traffic around the clock or in waves, or in a human day (one time zone, quiet nights and weekends) */
  rhythm: ["machine", "human"],
  /** campaign accounts declare another country than the operators', or one consistent with their hours and (own) exits */
  region: ["mismatched", "matched"],
  /**
   * campaign items sent one-shot, or pasted as follow-ups into each account's open
   * conversation (50-80% of them) with 30-40% ordinary chats as cover
   */
  conversation: ["one_shot", "chained"],
} as const;

export type Family = keyof typeof FAMILIES;
export type Variants = { readonly [F in Family]: (typeof FAMILIES)[F][number] };
export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];

/** The world's implementation of each family: drawn (each on with probability 1/2) unless forced. */
export function drawVariants(rng: Rng, forced: Partial<Record<string, string>> = {}): Variants {
  const out: Record<string, string> = {};
  for (const f of FAMILY_NAMES) {
    const options: readonly string[] = FAMILIES[f];
    const want = forced[f];
    if (want !== undefined) {
      if (!options.includes(want))
        throw new Error(`family ${f} has no implementation ${want} (choose from ${options.join(", ")})`);
      out[f] = want;
    } else out[f] = at(options, rng.chance(0.5) ? 1 : 0);
  }
  return out as Variants;
}

/** Whether a family is on (its non-plain implementation) in a world. */
export function familyOn(v: Variants, f: Family): boolean {
  return v[f] !== FAMILIES[f][0];
}

// Casual rewording as an operator's script or a hired writer would add it. Deliberately not
// the classifier's augmentation list (src/signals/harvest-train.ts): the detector must not
// be measured on the phrasing it was trained to ignore. Each campaign draws its own voice
// (a few openers and closers) from these pools: different operators do not share phrasing.
const OPENERS = [
  "yo ",
  "quick one: ",
  "can u help, ",
  "need this for tmrw: ",
  "hey so ",
  "ok here's one. ",
  "my friend asked me this: ",
  "been stuck for an hour on this. ",
  "random question but ",
  "for my class: ",
  "trying to figure this out - ",
  "hi, ",
  "so basically ",
  "can you do this one? ",
  "q: ",
  "pls help: ",
  "alright, ",
  "got another: ",
];
const CLOSERS = [
  " thx in advance",
  " plz",
  " would appreciate it",
  " (no rush)",
  " ty!!",
  " cheers",
  " thanks a lot",
  " lmk",
  " :D",
  " asap pls",
  " much appreciated",
  " thank u",
];

/** A campaign's way of rewording: a few openers and closers of its own. */
export interface Voice {
  readonly openers: readonly string[];
  readonly closers: readonly string[];
}

export function makeVoice(rng: Rng): Voice {
  const pick = (pool: readonly string[], n: number): string[] => {
    const a = [...pool];
    rng.shuffle(a);
    return a.slice(0, n);
  };
  return { openers: [...pick(OPENERS, 4), "", ""], closers: [...pick(CLOSERS, 3), "", ""] };
}

/** Rewords a prompt casually: a chatty opener or closer, a lower-case start, dropped final punctuation, a typo. */
export function humanise(rng: Rng, text: string, voice: Voice): string {
  let t = text.trim();
  if (rng.chance(0.6)) t = t.charAt(0).toLowerCase() + t.slice(1);
  if (rng.chance(0.4)) t = t.replace(/[.!]$/, "");
  if (rng.chance(0.3) && t.length > 20) {
    // swap two adjacent letters somewhere in the first line
    const i = rng.int(1, Math.min(60, t.length - 2));
    t = t.slice(0, i) + t.charAt(i + 1) + t.charAt(i) + t.slice(i + 2);
  }
  return `${rng.pick(voice.openers)}${t}${rng.pick(voice.closers)}`;
}
