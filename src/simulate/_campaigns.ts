// Distillation campaigns modelled on the three that Anthropic reported in February
// 2026. Every tactic's strength is drawn per seed from a documented range (TACTICS),
// so that a detector cannot key on one constant.
import type { Api, Pathway } from "../contract/index.js";
import { agedCreated, type Intent } from "./_adaptive.js";
import type { Reseller } from "./_benign.js";
import { chatSession, round2 } from "./_benign.js";
import * as B from "./_builtin-text.js";
import {
  type AccountSpec,
  CONSUMER_EMAIL,
  draft,
  makeAccount,
  outLen,
  payment,
  SDK_UAS,
  toolResultText,
  toolUseFor,
} from "./_common.js";
import { humanise, makeVoice, type Voice } from "./_families.js";
import type { Actor, Msg, SimAccount, SimContext } from "./_model.js";
import {
  DAY,
  HOUR,
  harvestItem,
  humanDiurnal,
  instructionText,
  localHour,
  localWeekday,
  pickModel,
} from "./_model.js";
import { COUNTRIES, countryByCode, type IpInfo, type Network, UNSUPPORTED } from "./_net.js";
import type { Rng } from "./_rng.js";

export interface Tactic {
  readonly campaign: "reasoning" | "agentic" | "hydra" | "sweep";
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}

export const TACTICS: readonly Tactic[] = [
  { campaign: "reasoning", name: "accounts", min: 30, max: 70, doc: "accounts at scale 1" },
  { campaign: "reasoning", name: "per_account_day", min: 12, max: 40, doc: "exchanges per account per day" },
  {
    campaign: "reasoning",
    name: "card_sharing",
    min: 0.4,
    max: 1,
    doc: "share of accounts paying with a card shared by 3-10 accounts",
  },
  {
    campaign: "reasoning",
    name: "lockstep_jitter_s",
    min: 1,
    max: 90,
    doc: "spread in seconds of one synchronised dispatch wave",
  },
  {
    campaign: "reasoning",
    name: "template_variants",
    min: 2,
    max: 12,
    doc: "paraphrases of each prompt scaffold",
  },
  {
    campaign: "reasoning",
    name: "reconstruct_share",
    min: 0.3,
    max: 0.6,
    doc: "share of reasoning-reconstruction tasks",
  },
  {
    campaign: "reasoning",
    name: "grading_share",
    min: 0.15,
    max: 0.4,
    doc: "share of rubric-grading (reward model) tasks; the rest are censorship-sensitive rewrites",
  },
  {
    campaign: "reasoning",
    name: "cot_system_share",
    min: 0.2,
    max: 0.9,
    doc: "share of requests with a chain-of-thought system prompt",
  },
  {
    campaign: "reasoning",
    name: "thinking_share",
    min: 0.1,
    max: 0.8,
    doc: "share of requests asking for extended thinking",
  },
  {
    campaign: "reasoning",
    name: "proxy_share",
    min: 0,
    max: 0.7,
    doc: "share of traffic through residential proxies instead of cloud hosts",
  },
  {
    campaign: "reasoning",
    name: "ua_rotation",
    min: 0,
    max: 1,
    doc: "share of requests with a user agent rotated from common SDKs",
  },
  { campaign: "reasoning", name: "openai_share", min: 0, max: 1, doc: "share of requests in OpenAI format" },
  {
    campaign: "reasoning",
    name: "pair_share",
    min: 0.2,
    max: 0.6,
    doc: "share of reconstruction and grading items sent again with another final number (preference pairs); from L4 the second goes to the next account",
  },
  {
    campaign: "agentic",
    name: "accounts",
    min: 250,
    max: 450,
    doc: "accounts at scale 1, across education, research, startup and standard pathways",
  },
  { campaign: "agentic", name: "per_account_day", min: 10, max: 35, doc: "exchanges per account per day" },
  {
    campaign: "agentic",
    name: "card_sharing",
    min: 0.2,
    max: 0.7,
    doc: "share of paying accounts on a shared card",
  },
  { campaign: "agentic", name: "vision_share", min: 0.08, max: 0.3, doc: "share of vision sessions" },
  {
    campaign: "agentic",
    name: "tool_share",
    min: 0.15,
    max: 0.35,
    doc: "share of tool-use sessions; the rest is agentic coding",
  },
  {
    campaign: "agentic",
    name: "cot_phase_start",
    min: 0.45,
    max: 0.8,
    doc: "fraction of the window after which the reasoning-trace phase starts",
  },
  {
    campaign: "agentic",
    name: "cot_phase_share",
    min: 0.3,
    max: 0.7,
    doc: "share of sessions in the reasoning-trace phase",
  },
  {
    campaign: "agentic",
    name: "residential_share",
    min: 0,
    max: 0.5,
    doc: "share of traffic from residential addresses",
  },
  {
    campaign: "agentic",
    name: "camouflage",
    min: 0,
    max: 0.15,
    doc: "share of sessions that imitate ordinary chat",
  },
  {
    campaign: "agentic",
    name: "pivot_share",
    min: 0.2,
    max: 0.6,
    doc: "share moved to a newly released model",
  },
  {
    campaign: "hydra",
    name: "accounts",
    min: 1000,
    max: 1500,
    doc: "accounts at scale 1 (each lives a few days)",
  },
  {
    campaign: "hydra",
    name: "per_account_day",
    min: 8,
    max: 24,
    doc: "exchanges per account per day, under rate thresholds",
  },
  {
    campaign: "hydra",
    name: "lifetime_days",
    min: 2,
    max: 10,
    doc: "days an account is used before it is dropped",
  },
  {
    campaign: "hydra",
    name: "proxy_exit_share",
    min: 0.6,
    max: 0.95,
    doc: "share of requests through residential proxy exits (rest: reseller relays)",
  },
  {
    campaign: "hydra",
    name: "camouflage",
    min: 0.05,
    max: 0.3,
    doc: "share of exchanges copying ordinary customers' chat",
  },
  {
    campaign: "hydra",
    name: "pivot_share",
    min: 0.5,
    max: 0.9,
    doc: "share of distillation traffic moved to the new model",
  },
  {
    campaign: "hydra",
    name: "pivot_delay_h",
    min: 1,
    max: 20,
    doc: "hours after a release before the pivot",
  },
  {
    campaign: "hydra",
    name: "cot_share",
    min: 0.1,
    max: 0.5,
    doc: "share of chain-of-thought elicitation prompts",
  },
  { campaign: "hydra", name: "code_share", min: 0.1, max: 0.35, doc: "share of code-generation prompts" },
  {
    campaign: "hydra",
    name: "customer_share",
    min: 0.25,
    max: 0.5,
    doc: "with relay=mixed: share of an account's exchanges that are its relay customers' own chats",
  },
  { campaign: "sweep", name: "accounts", min: 60, max: 160, doc: "accounts at scale 1 (family sweep=slow)" },
  {
    campaign: "sweep",
    name: "per_account",
    min: 20,
    max: 80,
    doc: "exchanges per account over the whole window",
  },
  {
    campaign: "sweep",
    name: "cover_share",
    min: 0.1,
    max: 0.4,
    doc: "share of ordinary chat sent as cover",
  },
];

/** A campaign account as the world's infrastructure and accounts families shape it. */
function campaignAccount(ctx: SimContext, rng: Rng, spec: AccountSpec): SimAccount {
  let s: AccountSpec = spec;
  if (ctx.adaptive.developerSignup)
    // bought, aged accounts whose sign-up looks like a developer's (red team L2+)
    s = {
      ...s,
      createdMs: agedCreated(ctx, rng),
      verified: rng.chance(0.85),
      pathway: rng.chance(0.15) ? "startup" : "standard",
      emailDomain: rng.weighted(CONSUMER_EMAIL),
    };
  else if (ctx.variants.accounts === "aged")
    s = { ...s, createdMs: ctx.start - rng.float(60, 500) * DAY, verified: rng.chance(0.6) };
  if (ctx.variants.region === "matched") {
    // a supported country in (or nearest to) the operators' time zone
    const near = [...COUNTRIES].sort((a, b) => Math.abs(a.tz - s.tz) - Math.abs(b.tz - s.tz))[0];
    if (near) s = { ...s, signupCountry: near.code };
  }
  if (ctx.variants.infrastructure === "own") {
    const { orgId: _org, ...rest } = s;
    s = {
      ...rest,
      payment: payment(ctx, rng),
      signupIp: ctx.world.proxyExit(
        rng,
        0.05,
        ctx.variants.region === "matched" ? s.signupCountry : undefined,
      ).ip,
      emailDomain: rng.weighted(CONSUMER_EMAIL),
    };
  }
  return makeAccount(ctx, rng, s);
}

/**
 * Activity of campaign traffic at t0: 1 (machines, around the clock), or with rhythm=human
 * a person's day in the operators' time zone with quiet weekends (mean about 1 on weekdays).
 */
export function campaignActivity(ctx: SimContext, t0: number, tz: number): number {
  if (ctx.variants.rhythm !== "human") return 1;
  const wk = localWeekday(t0, tz);
  return (humanDiurnal(localHour(t0, tz)) / 0.85) * (wk === 0 || wk === 6 ? 0.25 : 1.2);
}

/** A campaign prompt as the world's phrasing and language families shape it. */
export function campaignText(ctx: SimContext, rng: Rng, text: string, voice: Voice): string {
  if (ctx.variants.language === "mixed" && rng.chance(0.25)) return ctx.corpus.foreign(rng);
  return ctx.variants.phrasing === "humanised" && rng.chance(0.8) ? humanise(rng, text, voice) : text;
}

/**
 * A campaign request: with the red team's own wording (L4+), the item in the account's own
 * plain English; otherwise the campaign's template (`templated`), shaped by the world's
 * phrasing and language families.
 */
function request(
  ctx: SimContext,
  rng: Rng,
  acct: SimAccount,
  intent: Intent,
  parts: { q?: string; a?: string; t?: string },
  templated: () => string,
  voice: Voice,
): string {
  if (ctx.adaptive.ownWording) {
    if (ctx.variants.language === "mixed" && rng.chance(0.25)) return ctx.corpus.foreign(rng);
    return ctx.wordings.word(acct, intent, parts);
  }
  return campaignText(ctx, rng, templated(), voice);
}

/** Hours after a release before an account moves to the new model: the campaign's own, or (L3+) each account's. */
function pivotDelays(ctx: SimContext, rng: Rng, base: number): (acct: SimAccount) => number {
  if (!ctx.adaptive.staggeredPivot) return () => base;
  const own = new Map<string, number>();
  return (acct) => {
    let d = own.get(acct.id);
    if (d === undefined) {
      d = base + rng.float(0, 96);
      own.set(acct.id, d);
    }
    return d;
  };
}

/** A thinking budget: as asked, or (L4+) just under the size the detector counts as large. */
function budget(ctx: SimContext, rng: Rng, asked: readonly number[]): number {
  return ctx.adaptive.ownWording ? rng.pick([6000, 7000, 7900]) : rng.pick(asked);
}

function draw(ctx: SimContext, rng: Rng, campaign: Tactic["campaign"] | "sweep"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of TACTICS) if (t.campaign === campaign) out[t.name] = round2(rng.float(t.min, t.max));
  // red team L5: the same harvest from more accounts, each sending less
  const f = ctx.adaptive.spread;
  if (f !== 1) {
    if (out.accounts !== undefined) out.accounts = round2(out.accounts * f);
    for (const k of ["per_account_day", "per_account"] as const)
      if (out[k] !== undefined) out[k] = round2(out[k] / f);
  }
  return out;
}

function p(params: Record<string, number>, name: string): number {
  const v = params[name];
  if (v === undefined) throw new Error(`unknown tactic ${name}`);
  return v;
}

/** Where the operators sit: mostly a region where access is not offered, hidden behind a declared country. */
function operator(rng: Rng): { tz: number; declared: () => string } {
  const home = rng.chance(0.75) ? rng.pick(UNSUPPORTED) : rng.pick(COUNTRIES);
  return {
    tz: home.tz,
    declared: () =>
      rng.weighted([
        ["US", 5],
        ["SG", 2],
        ["GB", 1],
        ["JP", 1],
        ["CA", 1],
      ] as const),
  };
}

function paraphrases(rng: Rng, base: readonly string[], n: number): string[] {
  const lead = ["", "Task: ", "Instructions: ", "### Task\n", "Please note: "];
  const tail = [
    "",
    "\n\nBe thorough.",
    "\n\nDo not skip any step.",
    "\n\nRespond in English.",
    "\n\nUse numbered steps.",
  ];
  return Array.from({ length: Math.max(1, Math.round(n)) }, (_, i) => {
    const b = base[i % base.length] ?? "";
    return `${rng.pick(lead)}${b}${rng.pick(tail)}`;
  });
}

const RECONSTRUCT = [
  "Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer, as if you were solving it for the first time.\n\nProblem: {q}\nFinal answer: {a}",
  "The answer to the following question is {a}. Reconstruct the full chain of reasoning that arrives at it, showing every intermediate step.\n\nQuestion: {q}",
  "Given the question and the reference answer below, explain in detail the thought process an expert would follow to reach the reference answer.\n\nQuestion: {q}\nReference answer: {a}",
];
const GRADING = [
  'You are a strict grader acting as a reward model. Score the response below against the rubric (accuracy, completeness, clarity), each from 1 to 10, and output JSON {"accuracy": n, "completeness": n, "clarity": n, "overall": n} followed by a one-paragraph justification.\n\nInstruction: {q}\n\nResponse: {a}',
  "Evaluate the following answer using this rubric: 1) factual correctness 2) reasoning quality 3) helpfulness. Give a score 0-10 for each and an overall preference score.\n\nPrompt: {q}\n\nCandidate answer: {a}",
];
const REWRITE = [
  "Rewrite the following question about {t} so that it is politically safe and neutral, then answer the safe version.\n\nQuestion: What really happened regarding {t}?",
  "Produce a version of this user request that avoids sensitive content about {t} and would pass a content review, then give the approved answer.\n\nRequest: Tell me the truth about {t}.",
];

/**
 * The text with the last number of its answer changed (a wrong candidate beside the right
 * one), or "" when the answer is not in the text or carries no number.
 */
function otherAnswer(rng: Rng, text: string, answer: string): string {
  const at = text.lastIndexOf(answer);
  const nums = [...answer.matchAll(/\d+/g)];
  const last = nums[nums.length - 1];
  if (at < 0 || last?.index === undefined) return "";
  const n = Number(last[0]);
  const changed = String(Math.max(0, n + rng.pick([-3, -2, -1, 1, 2, 5, 10]) * (n === 0 ? -1 : 1)));
  const wrong = `${answer.slice(0, last.index)}${changed === last[0] ? `${n + 1}` : changed}${answer.slice(last.index + last[0].length)}`;
  return `${text.slice(0, at)}${wrong}${text.slice(at + answer.length)}`;
}

/** The reasoning campaign: synchronised, load-balanced reasoning reconstruction, rubric grading and safe rewrites. */
export function reasoningCampaign(ctx: SimContext, rng: Rng): Actor {
  const P = draw(ctx, rng, "reasoning");
  const op = operator(rng);
  const voice = makeVoice(rng.fork("voice"));
  const n = Math.max(4, Math.round(p(P, "accounts") * ctx.scale));
  const cards = Array.from({ length: Math.max(1, Math.round(n / rng.int(3, 10))) }, () => payment(ctx, rng));
  const cloudNets: Network[] = [ctx.world.cloudNet(rng), ctx.world.cloudNet(rng)];
  const pool = Array.from({ length: rng.int(3, 12) }, () => ctx.world.address(rng, rng.pick(cloudNets)));
  const wave = rng.int(2, 10) * 60_000;
  const createdBase = ctx.start - rng.float(1, 30) * DAY;
  const accounts: SimAccount[] = [];
  for (let i = 0; i < n; i++) {
    const signup = rng.pick(pool);
    accounts.push(
      campaignAccount(ctx, rng, {
        population: "reasoning",
        campaign: "reasoning",
        createdMs: createdBase + rng.float(0, 3) * DAY,
        tz: op.tz,
        pathway: rng.chance(0.3) ? "startup" : "standard",
        verified: rng.chance(0.1),
        emailDomain: rng.weighted(CONSUMER_EMAIL),
        payment: rng.chance(p(P, "card_sharing")) ? rng.pick(cards) : payment(ctx, rng),
        signupIp: signup.ip,
        signupCountry: op.declared(),
      }),
    );
  }
  const recon = paraphrases(rng, RECONSTRUCT, p(P, "template_variants"));
  const grade = paraphrases(rng, GRADING, p(P, "template_variants"));
  const rewrite = paraphrases(rng, REWRITE, p(P, "template_variants"));
  const harness = rng.pick(["OpenAI/Python 1.40.6", "Anthropic/Python 0.34.0", "python-requests/2.32.3"]);
  const perHour = (n * p(P, "per_account_day")) / 24;
  const shift = rng.chance(0.4); // operators working shifts rather than around the clock
  const pivotAt = pivotDelays(ctx, rng.fork("pivot"), 6);
  let cursor = 0;
  const net = (): IpInfo =>
    rng.chance(p(P, "proxy_share")) ? ctx.world.proxyExit(rng, 0.2) : rng.pick(pool);
  return {
    name: "reasoning",
    accounts,
    params: { ...P, wave_minutes: wave / 60_000, shifts: shift ? 1 : 0 },
    hour(t0, emit) {
      const lh = localHour(t0, op.tz);
      const act = (shift ? (lh >= 9 && lh < 23 ? 1.5 : 0.1) : 1) * campaignActivity(ctx, t0, op.tz);
      for (let w = t0; w < t0 + HOUR; w += wave) {
        const k = rng.poisson((perHour * act * wave) / HOUR);
        for (let i = 0; i < k; i++) {
          // load balancing: the dispatcher hands tasks to the accounts in turn
          const acct = accounts[cursor++ % accounts.length];
          if (!acct || w < acct.createdMs) continue;
          const ts = w + rng.next() * (ctx.adaptive.unsynchronised ? wave : p(P, "lockstep_jitter_s") * 1000);
          const r = rng.next();
          let text: string;
          /** the answer in the text that a preference pair sends again with another number */
          let answer = "";
          if (r < p(P, "reconstruct_share")) {
            const item = ctx.corpus.solvedProblem(rng);
            const a = item.answer || "(see solution)";
            answer = a;
            text = request(
              ctx,
              rng,
              acct,
              "explain_given",
              { q: item.question, a },
              () => rng.pick(recon).replaceAll("{q}", item.question).replaceAll("{a}", a),
              voice,
            );
          } else if (r < p(P, "reconstruct_share") + p(P, "grading_share")) {
            const item = ctx.corpus.gradingItem(rng);
            answer = item.answer;
            text = request(
              ctx,
              rng,
              acct,
              "grade",
              { q: item.question, a: item.answer },
              () => rng.pick(grade).replace("{q}", item.question).replace("{a}", item.answer),
              voice,
            );
          } else {
            // (the template is drawn before the topic, as it always was: plain worlds stay byte for byte)
            text = ctx.adaptive.ownWording
              ? request(ctx, rng, acct, "rewrite", { t: B.sensitiveTopic(rng) }, () => "", voice)
              : campaignText(ctx, rng, rng.pick(rewrite).replaceAll("{t}", B.sensitiveTopic(rng)), voice);
          }
          const thinking = rng.chance(p(P, "thinking_share"));
          const api: Api = rng.chance(p(P, "openai_share")) ? "openai.chat" : "anthropic.messages";
          const status = rng.chance(0.02) ? 429 : 200;
          const pivotAfter = pivotAt(acct);
          const base = {
            api,
            model: pickModel(ctx, rng, ts, (h) => (h > pivotAfter ? 0.5 : 0)),
            ...(!ctx.adaptive.ownWording && rng.chance(p(P, "cot_system_share"))
              ? { system: ctx.corpus.cotSystem(rng) }
              : {}),
            messages: [{ role: "user", text }] as Msg[],
            maxTokens: rng.pick([4096, 8192, 16000]),
            temperature: rng.pick([0.7, 0.8, 1]),
            ...(thinking ? { thinkingBudget: budget(ctx, rng, [8000, 16000]), thinking: true } : {}),
            outTokens: outLen(rng, 1100, 0.5),
            ua: rng.chance(p(P, "ua_rotation")) ? rng.pick(SDK_UAS) : harness,
          };
          emit(draft(rng, { ...base, ts, acct, net: net(), status }));
          // preference data: the same item again with another final answer, minutes later;
          // from L4 the attacker, who has read answer_pairs, sends it from the next account
          const paired =
            answer.length > 0 && rng.chance(p(P, "pair_share")) ? otherAnswer(rng, text, answer) : "";
          if (paired.length > 0) {
            const to = ctx.adaptive.ownWording ? accounts[cursor++ % accounts.length] : acct;
            const at = ts + rng.float(5, 300) * 1000;
            if (to && at >= to.createdMs)
              emit(
                draft(rng, {
                  ...base,
                  messages: [{ role: "user", text: paired }],
                  ts: at,
                  acct: to,
                  net: net(),
                }),
              );
          }
          if (status === 429 && !ctx.adaptive.unsynchronised) {
            // on a rate limit the task moves at once to the next account
            const other = accounts[cursor++ % accounts.length];
            if (other && ts >= other.createdMs)
              emit(draft(rng, { ...base, ts: ts + rng.float(0.2, 3) * 1000, acct: other, net: net() }));
          }
        }
      }
    },
  };
}

const EDU_DOMAINS = ["stu.edu.", "mail.univ-", "campus.", "alumni."];

/** The agentic campaign: coding agents, tool use and vision across hundreds of accounts and several access pathways. */
export function agenticCampaign(ctx: SimContext, rng: Rng): Actor {
  const P = draw(ctx, rng, "agentic");
  const op = operator(rng);
  const voice = makeVoice(rng.fork("voice"));
  const n = Math.max(8, Math.round(p(P, "accounts") * ctx.scale));
  const pathways: [Pathway, number][] = [
    ["education", rng.float(0.5, 2)],
    ["research", rng.float(0.5, 2)],
    ["startup", rng.float(0.5, 2)],
    ["standard", rng.float(0, 1)],
  ];
  const cards = Array.from({ length: Math.max(1, Math.round(n / rng.int(4, 15))) }, () => payment(ctx, rng));
  const clusters = new Map<Pathway, { ips: IpInfo[]; domain: string; created: number }>();
  for (const [pw] of pathways) {
    const cloud = ctx.world.cloudNet(rng);
    clusters.set(pw, {
      ips: Array.from({ length: rng.int(2, 8) }, () => ctx.world.address(rng, cloud)),
      domain:
        pw === "education"
          ? `${rng.pick(EDU_DOMAINS)}${rng.pick(["hku", "nus", "ust", "kaist", "iit"])}${rng.int(1, 9)}.edu`
          : pw === "research"
            ? `${rng.pick(["ai", "ml", "nlp"])}-lab${rng.int(1, 99)}.org`
            : pw === "startup"
              ? `${rng.pick(["nova", "quant", "tensor", "deep"])}${rng.int(1, 99)}.io`
              : "gmail.com",
      // each pathway's accounts were opened in a wave
      created: ctx.start - rng.float(0, 20) * DAY + rng.float(0, 0.5) * (ctx.end - ctx.start),
    });
  }
  const members: {
    acct: SimAccount;
    cluster: { ips: IpInfo[] };
    api: Api;
    ua: string;
    busyUntil: number;
    /** with agentic_tasks=continued: the task in progress and its transcript so far */
    task: Msg[] | undefined;
    toolSession: boolean;
  }[] = [];
  const continued = ctx.variants.agentic_tasks === "continued";
  const harness = rng.pick([
    "claude-cli/1.0.44 (external, cli)",
    "python-requests/2.32.3",
    "Anthropic/Python 0.37.1",
  ]);
  for (let i = 0; i < n; i++) {
    const pw = rng.weighted(pathways);
    const cl = clusters.get(pw);
    if (!cl) continue;
    const signup = rng.pick(cl.ips);
    members.push({
      acct: campaignAccount(ctx, rng, {
        population: "agentic",
        campaign: "agentic",
        createdMs: cl.created + rng.float(0, 4) * DAY,
        tz: op.tz,
        pathway: pw,
        verified: pw === "research" || pw === "startup" ? rng.chance(0.6) : rng.chance(0.1),
        emailDomain: cl.domain,
        ...(pw === "education"
          ? {}
          : { payment: rng.chance(p(P, "card_sharing")) ? rng.pick(cards) : payment(ctx, rng) }),
        signupIp: signup.ip,
        signupCountry: op.declared(),
      }),
      cluster: cl,
      api: rng.chance(0.7) ? "anthropic.messages" : "openai.chat",
      ua: rng.chance(0.6) ? harness : rng.pick(SDK_UAS),
      busyUntil: 0,
      task: undefined,
      toolSession: false,
    });
  }
  const cotStart = ctx.start + p(P, "cot_phase_start") * (ctx.end - ctx.start);
  const pivotAt = pivotDelays(ctx, rng.fork("pivot"), 12);
  const perHour = p(P, "per_account_day") / 24;
  return {
    name: "agentic",
    accounts: members.map((m) => m.acct),
    params: P,
    hour(t0, emit) {
      const act = (0.7 + 0.3 * humanDiurnal(localHour(t0, op.tz))) * campaignActivity(ctx, t0, op.tz);
      for (const m of members) {
        if (t0 < m.acct.createdMs || t0 < m.busyUntil) continue;
        // sessions average about four exchanges
        if (!rng.chance((perHour * act) / 4)) continue;
        let ts = t0 + rng.next() * HOUR;
        const net = (): IpInfo =>
          rng.chance(p(P, "residential_share")) ? ctx.world.proxyExit(rng, 0.1) : rng.pick(m.cluster.ips);
        const pivotAfter = pivotAt(m.acct);
        const model = pickModel(ctx, rng, ts, (h) => (h > pivotAfter ? p(P, "pivot_share") : 0));
        const r = rng.next();
        const common = { acct: m.acct, api: m.api, model, ua: m.ua };
        if (ts >= cotStart && rng.chance(p(P, "cot_phase_share"))) {
          const item = ctx.corpus.solvedProblem(rng);
          const own = ctx.adaptive.ownWording;
          emit(
            draft(rng, {
              ...common,
              ts,
              system: own ? undefined : ctx.corpus.cotSystem(rng),
              messages: [
                {
                  role: "user",
                  text: own
                    ? ctx.wordings.word(m.acct, "solve", { q: item.question })
                    : `${item.question}\n\nShow your complete reasoning trace before the final answer.`,
                },
              ],
              maxTokens: 16000,
              thinkingBudget: budget(ctx, rng, [10000, 12000, 16000]),
              thinking: true,
              outTokens: outLen(rng, 1400, 0.4),
              net: net(),
            }),
          );
          m.busyUntil = ts + 30_000;
          continue;
        }
        if (r < p(P, "camouflage")) {
          emit(
            draft(rng, {
              ...common,
              ts,
              messages: [{ role: "user", text: ctx.corpus.chat(rng).opener }],
              maxTokens: 2048,
              outTokens: outLen(rng, 300, 0.6),
              net: net(),
              part: "cover",
            }),
          );
          continue;
        }
        if (r < p(P, "camouflage") + p(P, "vision_share")) {
          emit(
            draft(rng, {
              ...common,
              ts,
              messages: [{ role: "user", text: B.imageAsk(rng), image: true }],
              maxTokens: 8192,
              outTokens: outLen(rng, 900, 0.4),
              net: net(),
            }),
          );
          continue;
        }
        // a fresh task every session (coverage), or, continued, a task worked on over several
        // sessions the way developers do, its transcript sent again each time
        const resume = continued && m.task !== undefined && rng.chance(0.7);
        const toolSession = resume
          ? m.toolSession
          : r < p(P, "camouflage") + p(P, "vision_share") + p(P, "tool_share");
        const tools = toolSession
          ? ["search", "calculator", "wikipedia", "get_weather"]
          : ["read_file", "write_file", "bash", "run_tests"];
        const opening = (): string => {
          const q =
            ctx.variants.sources === "rotated"
              ? harvestItem(ctx, rng)
              : toolSession
                ? ctx.corpus.toolTask(rng)
                : ctx.corpus.codeInstruction(rng);
          return request(ctx, rng, m.acct, "task", { q }, () => q, voice);
        };
        const msgs: Msg[] = resume && m.task ? m.task.slice(-12) : [{ role: "user", text: opening() }];
        if (resume) msgs.push({ role: "user", text: B.chatFollowUp(rng) });
        m.toolSession = toolSession;
        const steps = rng.int(2, 8);
        const ip = net();
        for (let s = 0; s < steps; s++) {
          const last = s === steps - 1;
          const tu = last ? undefined : toolUseFor(ctx, rng, rng.pick(tools));
          const d = draft(rng, {
            ...common,
            ts,
            messages: [...msgs],
            tools,
            maxTokens: 16000,
            outTokens: last ? outLen(rng, 700, 0.4) : outLen(rng, 120, 0.4),
            ...(tu ? { toolUse: tu } : {}),
            net: ip,
          });
          emit(d);
          if (tu) {
            msgs.push({ role: "assistant", toolUse: tu });
            msgs.push({ role: "user", toolResult: { id: tu.id, content: toolResultText(rng, tu.name) } });
          } else msgs.push({ role: "assistant", text: d.out.text });
          ts += rng.float(1, 6) * 1000;
        }
        m.task = continued ? msgs : undefined;
        m.busyUntil = ts;
      }
    },
  };
}

const HYDRA_WRAPPERS = [
  "{i}",
  "{i}\n\n{in}",
  "Instruction: {i}\nInput: {in}\nResponse:",
  "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{i}\n\n### Response:",
  "{i} Provide a detailed and long answer.",
];

/** The hydra: a reseller's thousands of short-lived, low-volume accounts on residential proxies, mixed with its real customers. */
export function hydraCampaign(ctx: SimContext, rng: Rng, reseller: Reseller): Actor {
  const P = draw(ctx, rng, "hydra");
  const op = operator(rng);
  const voice = makeVoice(rng.fork("voice"));
  const n = Math.max(20, Math.round(p(P, "accounts") * ctx.scale));
  const span = ctx.end - ctx.start;
  const life = p(P, "lifetime_days") * DAY;
  const members: {
    acct: SimAccount;
    /** first use (the account itself may be older, with accounts=aged) */
    from: number;
    until: number;
    api: Api;
    /** with relay=mixed: the reseller's real customers whose chats run through this account */
    customers: { tz: number; ua: string; api: Api; busyUntil: number }[];
  }[] = [];
  const mixed = ctx.variants.relay === "mixed";
  for (let i = 0; i < n; i++) {
    // accounts are opened continuously to replace dropped ones
    const created = ctx.start - life * 0.5 + rng.next() * (span + life * 0.2);
    const signup = reseller.exit(rng);
    members.push({
      from: created,
      acct: campaignAccount(ctx, rng, {
        population: "hydra",
        campaign: "hydra",
        createdMs: created,
        tz: rng.chance(0.5) ? op.tz : countryByCode(signup.country).tz,
        orgId: reseller.orgId,
        pathway: rng.chance(0.85) ? "reseller" : "standard",
        verified: false,
        emailDomain: reseller.emailDomain,
        payment: rng.pick(reseller.cards),
        signupIp: signup.ip,
        signupCountry: signup.country,
      }),
      until: created + life * rng.float(0.6, 1.4),
      api: rng.chance(0.8) ? "openai.chat" : "anthropic.messages",
      customers: mixed
        ? Array.from({ length: rng.int(1, 3) }, () => ({
            tz: rng.pick(COUNTRIES).tz,
            ua: rng.chance(0.5) ? reseller.ua : rng.pick(SDK_UAS),
            api: rng.chance(0.7) ? ("openai.chat" as const) : ("anthropic.messages" as const),
            busyUntil: 0,
          }))
        : [],
    });
  }
  // chats of about three turns: sessions a customer starts per hour so that they make
  // customer_share of the account's exchanges
  const share = p(P, "customer_share");
  const chatRate = ((p(P, "per_account_day") / 24) * (share / (1 - share))) / 3;
  const pivotDelay = pivotDelays(ctx, rng.fork("pivot"), p(P, "pivot_delay_h"));
  const perHour = p(P, "per_account_day") / 24;
  return {
    name: "hydra",
    accounts: members.map((m) => m.acct),
    params: P,
    hour(t0, emit) {
      for (const m of members) {
        if (t0 < m.from || t0 >= m.until) continue;
        for (const c of m.customers) {
          if (t0 < c.busyUntil) continue;
          const act = humanDiurnal(localHour(t0, c.tz)) * (localWeekday(t0, c.tz) % 6 === 0 ? 1.1 : 1);
          if (!rng.chance((chatRate * act) / m.customers.length)) continue;
          const netAt = (): IpInfo =>
            rng.chance(p(P, "proxy_exit_share")) ? reseller.exit(rng) : rng.pick(reseller.relays);
          c.busyUntil = chatSession(
            ctx,
            rng,
            m.acct,
            c.api,
            t0 + rng.next() * HOUR,
            (d) => emit({ ...d, part: "customer" }),
            netAt,
            c.ua,
          );
        }
        const k = rng.poisson(perHour * campaignActivity(ctx, t0, op.tz));
        for (let i = 0; i < Math.min(k, 3); i++) {
          const ts = t0 + rng.next() * HOUR;
          const net = rng.chance(p(P, "proxy_exit_share")) ? reseller.exit(rng) : rng.pick(reseller.relays);
          const ua = rng.chance(0.85) ? reseller.ua : rng.pick(SDK_UAS);
          const camo = rng.chance(p(P, "camouflage"));
          const model =
            !camo && ts >= ctx.release.ts + pivotDelay(m.acct) * HOUR && rng.chance(p(P, "pivot_share"))
              ? ctx.release.model
              : pickModel(ctx, rng, ts, (h) => Math.min(0.3, h / 240));
          let text: string;
          let system: string | undefined;
          const r = rng.next();
          const own = ctx.adaptive.ownWording;
          if (camo) text = ctx.corpus.chat(rng).opener;
          else if (r < p(P, "cot_share")) {
            const item = ctx.corpus.solvedProblem(rng);
            if (!own) system = ctx.corpus.cotSystem(rng);
            text = request(ctx, rng, m.acct, "solve", { q: item.question }, () => item.question, voice);
          } else if (ctx.variants.sources === "rotated") {
            const q = harvestItem(ctx, rng);
            text = request(ctx, rng, m.acct, "task", { q }, () => q, voice);
          } else if (r < p(P, "cot_share") + p(P, "code_share")) {
            const q = ctx.corpus.codeInstruction(rng);
            text = request(ctx, rng, m.acct, "task", { q }, () => q, voice);
          } else {
            const ins = ctx.corpus.instruction(rng);
            text = own
              ? ctx.wordings.word(m.acct, "task", { q: instructionText(ins) })
              : ctx.variants.phrasing === "humanised"
                ? campaignText(ctx, rng, instructionText(ins), voice)
                : rng.pick(HYDRA_WRAPPERS).replace("{i}", ins.instruction).replace("{in}", ins.input);
          }
          emit(
            draft(rng, {
              ts,
              acct: m.acct,
              api: m.api,
              model,
              ...(system === undefined ? {} : { system }),
              messages: [{ role: "user", text }],
              maxTokens: camo ? 2048 : rng.pick([4096, 8192]),
              ...(camo ? {} : { temperature: rng.pick([0.7, 1]) }),
              outTokens: camo ? outLen(rng, 300, 0.7) : outLen(rng, 800, 0.5),
              net,
              ua,
              part: camo ? "cover" : undefined,
            }),
          );
        }
      }
    },
  };
}

/**
 * A slow sweep (family sweep=slow): many accounts, each a few dozen exchanges over the
 * window, no shared infrastructure (own residential address, agent and card), human
 * rhythm in one time zone, some ordinary chat as cover. Each account works through its
 * own slice of the harvest items.
 */
export function sweepCampaign(ctx: SimContext, rng: Rng): Actor {
  const P = draw(ctx, rng, "sweep");
  if (ctx.variants.sweep !== "slow") return { name: "sweep", accounts: [], params: { on: 0 }, hour() {} };
  const n = Math.max(6, Math.round(p(P, "accounts") * ctx.scale));
  const op = operator(rng);
  const voice = makeVoice(rng.fork("voice"));
  const span = ctx.end - ctx.start;
  // exchanges per account-hour, the same for every account
  const rate = p(P, "per_account") / (span / HOUR);
  const members: { acct: SimAccount; ip: IpInfo; ua: string; api: Api }[] = [];
  for (let i = 0; i < n; i++) {
    const country = rng.pick(COUNTRIES);
    const ip = ctx.world.proxyExit(rng, 0.05);
    members.push({
      acct: makeAccount(ctx, rng, {
        population: "sweep",
        campaign: "sweep",
        // aged accounts, bought or kept for the job
        createdMs: ctx.start - rng.float(20, 400) * DAY,
        tz: op.tz,
        pathway: "standard",
        verified: rng.chance(0.5),
        emailDomain: rng.weighted(CONSUMER_EMAIL),
        payment: payment(ctx, rng),
        signupIp: ip.ip,
        signupCountry: country.code,
      }),
      ip,
      ua: rng.pick(SDK_UAS),
      api: rng.chance(0.5) ? "openai.chat" : "anthropic.messages",
    });
  }
  return {
    name: "sweep",
    accounts: members.map((m) => m.acct),
    params: P,
    hour(t0, emit) {
      const act = humanDiurnal(localHour(t0, op.tz)) * (localWeekday(t0, op.tz) % 6 === 0 ? 0.3 : 1.2);
      for (const m of members) {
        if (t0 < m.acct.createdMs) continue;
        const k = rng.poisson(rate * act);
        for (let i = 0; i < Math.min(k, 2); i++) {
          const ts = t0 + rng.next() * HOUR;
          const cover = rng.chance(p(P, "cover_share"));
          let text: string;
          if (cover) text = ctx.corpus.chat(rng).opener;
          else {
            const q = harvestItem(ctx, rng);
            text = request(ctx, rng, m.acct, "task", { q }, () => q, voice);
          }
          emit(
            draft(rng, {
              ts,
              acct: m.acct,
              api: m.api,
              model: pickModel(ctx, rng, ts, (h) => Math.min(0.5, h / 72)),
              messages: [{ role: "user", text }],
              maxTokens: rng.pick([2048, 4096, 8192]),
              outTokens: cover ? outLen(rng, 300, 0.7) : outLen(rng, 700, 0.5),
              net: m.ip,
              ua: m.ua,
              part: cover ? "cover" : undefined,
            }),
          );
        }
      }
    },
  };
}
