// Our own red team: campaigns run by an attacker who has read docs/detection.md and the
// code, in five levels (issue 18), each adding tactics to the one below while keeping the
// harvest (worked solutions, graded answers, agent trajectories) about the same. A level
// forces some tactic families (src/simulate/_families.ts) and turns on tactics of its own:
// per-account wording without the cue words the capability tests look for, ordinary cover
// traffic, problems pasted as follow-ups in one conversation, and volume per account cut to
// a developer's, paid for with more accounts. The costs are recorded for the eval's ladder.
import { chatSession } from "./_benign.js";
import type {
  Actor,
  AdaptiveLevel,
  AdaptiveTactics,
  Draft,
  Intent,
  Msg,
  SimAccount,
  SimContext,
  WordingSource,
} from "./_model.js";
import { DAY, HOUR } from "./_model.js";
import type { Rng } from "./_rng.js";

export { ADAPTIVE_LEVELS, type AdaptiveLevel, type AdaptiveTactics, type Intent } from "./_model.js";

/** What each level does, for --help and docs/quality.md. */
export const ADAPTIVE_DOC: readonly string[] = [
  "L0: the plain campaigns (shared infrastructure, fresh accounts, machine rhythm, templates)",
  "L1: + no shared infrastructure: each account its own residential address, agent string, card and e-mail domain",
  "L2: + aged accounts (180-700 days, mostly verified), sign-up metadata like developers', supported regions",
  "L3: + a human day in one time zone (pauses, quiet nights and weekends), uptake of a new model staggered over days",
  "L4: + each account words its requests in its own plain English (no cue words, no shared templates), 30-40% ordinary cover traffic, next problem pasted as a follow-up in the same conversation",
  "L5: + volume per account cut to a developer's (1.6-4.3x the accounts for the same harvest)",
  "L6: + every item paraphrased before it is sent (30-40% of its words replaced), against the index of known public item sets",
];

/** The tactic families a level forces (the rest stay as drawn; the ladder forces sweep=slow too). */
export function adaptiveVariants(level: AdaptiveLevel): Record<string, string> {
  return {
    infrastructure: level >= 1 ? "own" : "shared",
    accounts: level >= 2 ? "aged" : "fresh",
    region: level >= 2 ? "matched" : "mismatched",
    rhythm: level >= 3 ? "human" : "machine",
    phrasing: level >= 4 ? "humanised" : "templated",
    conversation: level >= 4 ? "chained" : "one_shot",
  };
}

/**
 * The tactics of a world: its red-team level's (none when it has no level), with cover
 * traffic and follow-up chains whenever the world's `conversation` family is `chained`.
 */
export function adaptiveTactics(
  level: AdaptiveLevel | undefined,
  chained: boolean,
  rng: Rng,
): AdaptiveTactics {
  const l = level ?? 0;
  return {
    level: l,
    developerSignup: l >= 2,
    staggeredPivot: l >= 3,
    unsynchronised: l >= 3,
    ownWording: l >= 4,
    cover: chained ? rng.float(0.3, 0.4) : 0,
    chains: chained ? rng.float(0.5, 0.8) : 0,
    spread: l >= 5 ? rng.float(1.6, 4.3) : 1,
    reword: l >= 6 ? rng.float(0.3, 0.4) : 0,
  };
}

/** Sign-up days before the window for a bought, aged account (L2+). */
export function agedCreated(ctx: SimContext, rng: Rng): number {
  return ctx.start - rng.float(180, 700) * DAY;
}

// --- own wording (L4+). Written by reading src/signals/capabilities.ts: none of these
// frames matches a cue there, and each account draws its own few, so no template is shared
// by many accounts. The item itself (the problem, the task) is the harvest and stays.

const LEADS: Readonly<Record<Intent, readonly string[]>> = {
  solve: [
    "",
    "can you work this one out?",
    "help me with this one.",
    "I'm practising for a test.",
    "here's one from my worksheet.",
    "not sure where to start with this.",
    "this came up today.",
    "can you figure this out for me?",
    "one more of these:",
    "trying to get better at these.",
  ],
  explain_given: [
    "",
    "I got stuck on this one.",
    "this one confuses me.",
    "can't see how this works out.",
    "help me understand this.",
    "my study group disagrees on this.",
    "going over my homework.",
    "one I keep getting wrong.",
  ],
  grade: [
    "",
    "quick opinion needed.",
    "I'm comparing replies to a question.",
    "a reply I got, is it good?",
    "checking someone's work.",
    "need an honest opinion here.",
    "helping a friend check this.",
  ],
  rewrite: ["", "for a school project:", "curious about this.", "writing a short piece.", "for my notes:"],
  task: [
    "",
    "need help with this.",
    "can you do this?",
    "here's what I need.",
    "next one:",
    "got a task for you.",
    "working on this at the moment.",
  ],
};

const ASKS: Readonly<Record<Intent, readonly string[]>> = {
  solve: [
    "",
    "how do you get that?",
    "please also say how you got there.",
    "what's the answer, and why?",
    "go slowly so I can follow.",
    "I want to understand it, not just the result.",
    "explain it like you would to a classmate.",
    "don't skip anything, I need to learn this.",
    "tell me how you'd approach it.",
  ],
  explain_given: [
    "my book says {a}. how do they get that?",
    "supposedly it comes out to {a}, can you show me how?",
    "({a} according to the key.) why?",
    "how would you get {a} here?",
    "my friend says {a}, is that right? go through it with me.",
    "it should be {a}, but I don't get why.",
    "the back of the book has {a}. what am I missing?",
  ],
  grade: [
    "how good is this reply, out of 10? what's missing?",
    "would you give it a pass? points out of 10 please.",
    "is it any good? give it a number from 1-10 and say why.",
    "mark it out of ten for accuracy, completeness and clarity.",
    "what would you give it, 1-10, and what would make it better?",
    "be honest, how many points out of 10?",
  ],
  rewrite: [
    "what's a balanced way to talk about {t}?",
    "explain {t} in a neutral way, like a school textbook would.",
    "how would you describe {t} to someone without taking sides?",
    "give me an account of {t} that nobody could object to.",
    "what happened with {t}? keep it calm and even-handed.",
  ],
  task: ["", "thanks!", "thank you.", "appreciate it.", "cheers.", "as complete as you can please."],
};

/** One account's way of putting things: a few leads and asks per intent, and its habits. */
interface Wording {
  readonly leads: Readonly<Record<Intent, readonly string[]>>;
  readonly asks: Readonly<Record<Intent, readonly string[]>>;
  readonly lower: boolean;
  readonly itemFirst: boolean;
  readonly joiner: string;
}

function drawWording(rng: Rng): Wording {
  const few = (pool: readonly string[], n: number): string[] => {
    const a = [...pool];
    rng.shuffle(a);
    return a.slice(0, n);
  };
  const per = (pools: Readonly<Record<Intent, readonly string[]>>, n: number): Record<Intent, string[]> => ({
    solve: few(pools.solve, n),
    explain_given: few(pools.explain_given, n),
    grade: few(pools.grade, n),
    rewrite: few(pools.rewrite, n),
    task: few(pools.task, n),
  });
  return {
    leads: per(LEADS, 2),
    asks: per(ASKS, 2),
    lower: rng.chance(0.5),
    itemFirst: rng.chance(0.5),
    joiner: rng.pick(["\n\n", "\n", " ", " - "]),
  };
}

/** Plain words a paraphrase puts in place of an item's own (what a cheap rewriting model's changes do to the item's word sequences). */
const PARAPHRASE_WORDS = [
  "the",
  "a",
  "some",
  "each",
  "one",
  "two",
  "many",
  "total",
  "number",
  "amount",
  "gets",
  "has",
  "buys",
  "makes",
  "uses",
  "then",
  "after",
  "before",
  "also",
  "so",
  "if",
  "how",
  "what",
  "which",
  "much",
  "more",
  "less",
  "left",
  "all",
  "every",
  "person",
  "thing",
  "item",
  "part",
  "day",
  "time",
];

/** The text with each word replaced by a plain word with probability `rate` (numbers kept: the answer depends on them). */
export function paraphrase(rng: Rng, text: string, rate: number): string {
  if (rate <= 0 || text.length === 0) return text;
  return text.replace(/[A-Za-z]+/g, (w) => (rng.chance(rate) ? rng.pick(PARAPHRASE_WORDS) : w));
}

/** Words requests per account (L4+): the same account keeps its habits; accounts differ. */
export class Wordings implements WordingSource {
  private readonly byAccount = new Map<string, Wording>();

  /** `reword`: share of an item's words a paraphrase replaces (L6; 0 keeps items as they are) */
  constructor(
    private readonly rng: Rng,
    private readonly reword = 0,
  ) {}

  /** The request for an item: `q` the problem or task, `a` a given answer or a reply to grade, `t` a topic. */
  word(acct: SimAccount, intent: Intent, parts: { q?: string; a?: string; t?: string }): string {
    let w = this.byAccount.get(acct.id);
    if (w === undefined) {
      w = drawWording(this.rng.fork(`wording-${acct.id}`));
      this.byAccount.set(acct.id, w);
    }
    const rng = this.rng;
    const fill = (s: string): string => s.replaceAll("{a}", parts.a ?? "").replaceAll("{t}", parts.t ?? "");
    let lead = fill(rng.pick(w.leads[intent]));
    let ask = fill(rng.pick(w.asks[intent]));
    if (w.lower) {
      lead = lead.toLowerCase();
      ask = ask.charAt(0).toLowerCase() + ask.slice(1);
    }
    const q = paraphrase(rng, parts.q ?? "", this.reword);
    const item = intent === "grade" ? `${q}\n\n${parts.a ?? ""}` : q;
    const pieces = w.itemFirst ? [lead, item, ask] : [lead, ask, item];
    return pieces
      .filter((x) => x.trim() !== "")
      .join(w.joiner)
      .trim();
  }
}

// --- cover traffic and follow-up chains (L4+)

/** The longest pause after which an attacker still pastes the next item into the same conversation. */
const CHAIN_GAP_MS = 6 * HOUR;

/** Whether a draft is a plain one-shot text request (what a chain can carry). */
function oneShotText(d: Draft): boolean {
  const m = d.messages[0];
  return (
    d.messages.length === 1 &&
    d.tools === undefined &&
    m !== undefined &&
    m.text !== undefined &&
    m.image !== true &&
    m.toolUse === undefined
  );
}

/**
 * Wraps a campaign's actor with the level's cover traffic and follow-up chains, marking
 * each draft's part (harvest, chained, cover) for the ladder's cost figures. Within an
 * hour each account's drafts are taken in time order, so a chain's turns follow one another.
 */
export function adaptiveActor(ctx: SimContext, actor: Actor, rng: Rng): Actor {
  const t = ctx.adaptive;
  const open = new Map<string, { msgs: Msg[]; last: number }>();
  const debt = new Map<string, number>();
  return {
    ...actor,
    hour(t0, emit) {
      const drafts: Draft[] = [];
      actor.hour(t0, (d) => drafts.push(d));
      // stable: drafts of one time keep their order
      drafts.sort((a, b) => a.ts - b.ts);
      const perAccount = new Map<string, { n: number; covered: number; last: Draft }>();
      const tally = (d: Draft, cover: boolean): void => {
        const a = perAccount.get(d.acct.id) ?? { n: 0, covered: 0, last: d };
        if (cover) a.covered++;
        else a.n++;
        a.last = d;
        perAccount.set(d.acct.id, a);
      };
      for (const d0 of drafts) {
        let d = d0;
        if (d.part !== undefined) {
          if (d.part === "cover") tally(d, true);
          emit(d);
          continue;
        }
        if (t.chains > 0 && oneShotText(d)) {
          const conv = open.get(d.acct.id);
          if (conv && d.ts - conv.last < CHAIN_GAP_MS && rng.chance(t.chains))
            // the next item pasted into the open conversation as a follow-up (people come back
            // to a conversation hours later, too)
            d = { ...d, messages: [...conv.msgs, ...d.messages], part: "chained" };
          const msgs: Msg[] = [...d.messages, { role: "assistant", text: d.out.text }];
          open.set(d.acct.id, { msgs: msgs.slice(-8), last: d.ts });
        }
        emit(d);
        tally(d, false);
      }
      if (t.cover <= 0) return;
      // ordinary chats as cover, from the same address and agent, so that they make `cover`
      // of the account's traffic (a debt carried from hour to hour)
      for (const { n, covered, last } of perAccount.values()) {
        const acct = last.acct;
        // the campaign's own camouflage counts toward the share
        let owed = (debt.get(acct.id) ?? 0) + (n * t.cover) / (1 - t.cover) - covered;
        while (owed >= 1 || (owed > 0 && rng.chance(owed))) {
          let sent = 0;
          chatSession(
            ctx,
            rng,
            acct,
            last.api,
            t0 + rng.next() * HOUR,
            (c) => {
              sent++;
              emit({ ...c, part: "cover" });
            },
            () => last.net,
            last.ua,
          );
          owed -= Math.max(1, sent);
        }
        debt.set(acct.id, owed);
      }
    },
  };
}
