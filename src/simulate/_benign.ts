// Legitimate customers. Each population behaves as its real counterpart does, and
// each is a hard case for a naive detector (volume, shared IPs, templates, "step by
// step", benchmark items, rubric grading, proxies).
import type { Api } from "../contract/index.js";
import { at } from "../contract/index.js";
import * as B from "./_builtin-text.js";
import {
  AGENT_UAS,
  CONSUMER_EMAIL,
  draft,
  makeAccount,
  outLen,
  payment,
  SDK_UAS,
  signupTime,
  toolResultText,
  toolUseFor,
  window,
} from "./_common.js";
import type { QA } from "./_corpus.js";
import type { Actor, Draft, Emit, Msg, SimAccount, SimContext } from "./_model.js";
import {
  DAY,
  HOUR,
  humanDiurnal,
  localHour,
  localWeekday,
  officeDiurnal,
  organicAdoption,
  pickModel,
} from "./_model.js";
import { countryByCode, type IpInfo, type Network, pickCountry, UNSUPPORTED } from "./_net.js";
import type { Rng } from "./_rng.js";

const MIN = 60_000;
const SEC = 1000;

/** A person's network life: a home line whose address changes now and then, a phone, sometimes work. */
class PersonNet {
  private home: IpInfo;
  private readonly homeNet: Network;
  private readonly mobileNet: Network;
  private changed = 0;

  constructor(
    private readonly ctx: SimContext,
    rng: Rng,
    country: string,
  ) {
    this.homeNet = ctx.world.residentialNet(rng, country);
    this.mobileNet = ctx.world.mobileNet(rng, country);
    this.home = ctx.world.address(rng, this.homeNet);
  }

  get signupIp(): string {
    return this.home.ip;
  }

  at(rng: Rng, ts: number): IpInfo {
    if (ts - this.changed > 4 * DAY && rng.chance(0.3)) {
      this.home = this.ctx.world.address(rng, this.homeNet);
      this.changed = ts;
    }
    const r = rng.next();
    if (r < 0.72) return this.home;
    if (r < 0.95)
      return rng.chance(0.4)
        ? this.ctx.world.ipv6(rng, this.mobileNet)
        : this.ctx.world.address(rng, this.mobileNet);
    return this.ctx.world.address(rng, this.ctx.world.vpnNet(rng));
  }
}

/**
 * Share of consumers, developers and reseller customers whose use is a short life: they try
 * the service for 2-10 days at some point of the window and stop (trials, a project, a
 * course week). Real logs hold many; the detector's short_lived_use must not convict them.
 */
export const SHORT_LIFE_SHARE = 0.1;

interface Person {
  readonly acct: SimAccount;
  /** the window of use: all the time, or (SHORT_LIFE_SHARE) a few days */
  readonly from: number;
  readonly until: number;
  readonly net: PersonNet;
  readonly rate: number; // sessions a day
  readonly api: Api;
  readonly ua: string;
  busyUntil: number;
}

function person(
  ctx: SimContext,
  rng: Rng,
  population: string,
  rateMedian: number,
  extra: Partial<{
    orgId: string;
    pathway: "standard" | "startup" | "reseller";
    payment: string;
    country: string;
    ua: string;
  }> = {},
): Person {
  const country = extra.country ?? pickCountry(rng).code;
  const c = countryByCode(country);
  const net = new PersonNet(ctx, rng, country);
  const acct = makeAccount(ctx, rng, {
    population,
    campaign: null,
    createdMs: signupTime(ctx, rng, 0.08),
    tz: c.tz + (country === "US" ? rng.int(-2, 1) : 0),
    ...(extra.orgId === undefined ? {} : { orgId: extra.orgId }),
    pathway: extra.pathway ?? "standard",
    verified: rng.chance(0.3),
    emailDomain: rng.weighted(CONSUMER_EMAIL),
    payment: extra.payment ?? payment(ctx, rng),
    signupIp: net.signupIp,
    signupCountry: country,
  });
  // drawn from a stream of its own, so that the other draws stay as they were
  const life = rng.fork(`life-${acct.id}`);
  const short = life.chance(SHORT_LIFE_SHARE);
  const from = short ? ctx.start + life.next() * (ctx.end - ctx.start) : Number.NEGATIVE_INFINITY;
  return {
    acct,
    from,
    until: short ? from + life.float(2, 10) * DAY : Number.POSITIVE_INFINITY,
    net,
    rate: Math.min(8, rng.lognormal(rateMedian, 0.9)),
    api: rng.chance(0.45) ? "openai.chat" : "anthropic.messages",
    ua: extra.ua ?? rng.pick(SDK_UAS),
    busyUntil: 0,
  };
}

/** Multi-turn chat: an opener, follow-ups a few minutes apart, the history growing. */
export function chatSession(
  ctx: SimContext,
  rng: Rng,
  acct: SimAccount,
  api: Api,
  t: number,
  emit: Emit,
  netAt: (ts: number) => IpInfo,
  ua: string,
): number {
  const conv = ctx.corpus.chat(rng);
  const turns = 1 + Math.min(9, Math.floor(rng.exponential(1.6)));
  const system = rng.chance(0.15) ? ctx.corpus.persona(rng) : undefined;
  const model = pickModel(ctx, rng, t, organicAdoption(0.04));
  const maxTokens = rng.pick([1024, 2048, 4096, 4096, 8192]);
  const temperature = rng.chance(0.3) ? rng.pick([0.3, 0.7, 1]) : undefined;
  const msgs: Msg[] = [];
  let ts = t;
  for (let i = 0; i < turns; i++) {
    const text = i === 0 ? conv.opener : (conv.followUps[i - 1] ?? B.chatFollowUp(rng));
    msgs.push(
      i === 0 && rng.chance(0.04)
        ? { role: "user", text: B.consumerImageAsk(rng), image: true }
        : { role: "user", text },
    );
    const out = outLen(rng, 320, 0.8, maxTokens);
    const d = draft(rng, {
      ts,
      acct,
      api,
      model,
      ...(system === undefined ? {} : { system }),
      messages: [...msgs],
      maxTokens,
      ...(temperature === undefined ? {} : { temperature }),
      outTokens: out,
      net: netAt(ts),
      ua,
    });
    emit(d);
    msgs.push({ role: "assistant", text: d.out.text });
    ts += rng.float(25 * SEC, 6 * MIN) + out * 20;
  }
  return ts;
}

function hourlyChance(rate: number, activity: number): number {
  return (rate / 24) * activity;
}

export function consumers(ctx: SimContext, rng: Rng): Actor {
  const n = Math.max(10, Math.round(6000 * ctx.scale));
  const people = Array.from({ length: n }, () => person(ctx, rng, "consumers", 1.1));
  return {
    name: "consumers",
    accounts: people.map((p) => p.acct),
    params: { accounts: n },
    hour(t0, emit) {
      for (const p of people) {
        if (t0 < p.acct.createdMs || t0 < p.busyUntil || t0 < p.from || t0 >= p.until) continue;
        const h = localHour(t0, p.acct.tz);
        const wk = localWeekday(t0, p.acct.tz);
        const k = rng.poisson(hourlyChance(p.rate, humanDiurnal(h) * (wk === 0 || wk === 6 ? 1.2 : 0.95)));
        for (let i = 0; i < k; i++) {
          const start = t0 + rng.next() * HOUR;
          p.busyUntil = chatSession(ctx, rng, p.acct, p.api, start, emit, (ts) => p.net.at(rng, ts), p.ua);
        }
      }
    },
  };
}

/** Developers driving coding agents: long tool_use/tool_result loops continuing one repository task. */
export function developers(ctx: SimContext, rng: Rng): Actor {
  const n = Math.max(5, Math.round(800 * ctx.scale));
  const devs: (Person & {
    task: string;
    files: string[];
    ua: string;
    devbox: IpInfo | undefined;
    team?: string;
  })[] = [];
  let teamCard: string | undefined;
  for (let i = 0; i < n; i++) {
    // small startups share one company card between a few developers
    if (i % 4 === 0) teamCard = rng.chance(0.35) ? payment(ctx, rng) : undefined;
    const p = person(ctx, rng, "developers", 1.4, {
      pathway: rng.chance(0.15) ? "startup" : "standard",
      ...(teamCard === undefined ? {} : { payment: teamCard }),
      ua: rng.pick(AGENT_UAS),
    });
    devs.push({
      ...p,
      api: rng.chance(0.8) ? "anthropic.messages" : "openai.chat",
      task: ctx.corpus.codingTask(rng),
      files: [B.fileName(rng), B.fileName(rng)],
      ua: p.ua,
      devbox: rng.chance(0.2) ? ctx.world.address(rng, ctx.world.cloudNet(rng)) : undefined,
    });
  }
  return {
    name: "developers",
    accounts: devs.map((d) => d.acct),
    params: { accounts: n },
    hour(t0, emit) {
      for (const d of devs) {
        if (t0 < d.acct.createdMs || t0 < d.busyUntil || t0 < d.from || t0 >= d.until) continue;
        const act =
          officeDiurnal(localHour(t0, d.acct.tz), localWeekday(t0, d.acct.tz)) +
          0.1 * humanDiurnal(localHour(t0, d.acct.tz));
        if (!rng.chance(hourlyChance(d.rate, act))) continue;
        // the same repository task continues across sessions until it is done
        if (rng.chance(0.25)) d.task = ctx.corpus.codingTask(rng);
        const steps = Math.min(60, Math.max(2, Math.round(rng.lognormal(11, 0.6))));
        const tools = [
          "read_file",
          "edit_file",
          "bash",
          "grep",
          "list_dir",
          ...(rng.chance(0.5) ? ["run_tests", "git_diff"] : []),
        ];
        const model = pickModel(ctx, rng, t0, organicAdoption(0.12));
        const maxTokens = rng.pick([8192, 16384, 32000]);
        const thinking = rng.chance(0.3) ? rng.pick([2048, 4096, 8192]) : undefined;
        const msgs: Msg[] = [{ role: "user", text: d.task }];
        let ts = t0 + rng.next() * HOUR;
        const ip = d.devbox ?? d.net.at(rng, ts);
        for (let s = 0; s < steps; s++) {
          const last = s === steps - 1;
          const tu = last ? undefined : toolUseFor(ctx, rng, rng.pick(tools));
          const out = last ? outLen(rng, 250, 0.6) : outLen(rng, 90, 0.5);
          let status = 200;
          if (rng.chance(0.004)) status = 429;
          const dr: Draft = draft(rng, {
            ts,
            acct: d.acct,
            api: d.api,
            model,
            system: "You are an interactive coding agent working in the user's repository.",
            messages: window(msgs, 10),
            tools,
            maxTokens,
            ...(thinking === undefined ? {} : { thinkingBudget: thinking, thinking: true }),
            outTokens: out,
            ...(tu ? { toolUse: tu } : {}),
            net: ip,
            ua: d.ua,
            status,
          });
          emit(dr);
          if (status === 429) {
            // back off, then retry the same step from the same account
            ts += rng.float(15, 90) * SEC;
            s--;
            continue;
          }
          if (tu) {
            msgs.push({ role: "assistant", toolUse: tu });
            msgs.push({ role: "user", toolResult: { id: tu.id, content: toolResultText(rng, tu.name) } });
          } else {
            msgs.push({ role: "assistant", text: dr.out.text });
            if (rng.chance(0.5)) msgs.push({ role: "user", text: B.chatFollowUp(rng) });
          }
          ts += rng.float(3, 40) * SEC;
        }
        d.busyUntil = ts;
      }
    },
  };
}

const COMPANIES = [
  "acme",
  "globex",
  "initech",
  "umbrella",
  "hooli",
  "vandelay",
  "stark",
  "wayne",
  "cyberdyne",
  "tyrell",
];
const ENTERPRISE_TEMPLATES = [
  "Summarize the following support ticket in three bullet points and suggest a priority (P1-P4).\n\nTicket:\n{x}",
  "Draft a polite reply to this customer email. Keep it under 120 words.\n\nEmail:\n{x}",
  "Classify the following contract clause as one of: liability, payment, termination, confidentiality, other.\n\nClause:\n{x}",
];

/** Enterprises: hundreds of accounts behind a few egress IPs, one company card, office hours, internal templates. */
export function enterprise(ctx: SimContext, rng: Rng): Actor {
  const orgs = Math.max(1, Math.round(3 * ctx.scale));
  const total = Math.max(20, Math.round(600 * ctx.scale));
  const members: {
    acct: SimAccount;
    egress: IpInfo[];
    template: string;
    api: Api;
    ua: string;
    rate: number;
  }[] = [];
  const params: Record<string, number> = { orgs, accounts: total };
  for (let o = 0; o < orgs; o++) {
    const country = rng.weighted([
      ["US", 5],
      ["GB", 2],
      ["DE", 2],
      ["JP", 1],
      ["FR", 1],
    ] as const);
    const c = countryByCode(country);
    const orgId = ctx.newId(rng, "org_");
    const card = payment(ctx, rng);
    const name = `${rng.pick(COMPANIES)}${rng.int(1, 99)}`;
    const egressNet = ctx.world.cloudNet(rng);
    const egress = Array.from({ length: rng.int(2, 4) }, () =>
      ctx.world.address(rng, egressNet, "datacenter"),
    );
    const provisioned = ctx.start - rng.float(5, 300) * DAY;
    const ua = `${name}-llm-gateway/2.${rng.int(0, 9)} (python-httpx/0.27.2)`;
    const template = rng.pick(ENTERPRISE_TEMPLATES);
    const api: Api = rng.chance(0.5) ? "openai.chat" : "anthropic.messages";
    const count = Math.round(total / orgs);
    for (let i = 0; i < count; i++) {
      const egressIp = egress[0];
      if (!egressIp) continue;
      members.push({
        // SSO provisioning creates the accounts in a burst
        acct: makeAccount(ctx, rng, {
          population: "enterprise",
          campaign: null,
          createdMs: provisioned + rng.float(0, 2) * DAY,
          tz: c.tz,
          orgId,
          pathway: "enterprise",
          verified: true,
          emailDomain: `${name}.com`,
          payment: card,
          signupIp: egressIp.ip,
          signupCountry: country,
        }),
        egress,
        template,
        api,
        ua,
        rate: Math.min(20, rng.lognormal(4, 0.7)),
      });
    }
  }
  return {
    name: "enterprise",
    accounts: members.map((m) => m.acct),
    params,
    hour(t0, emit) {
      for (const m of members) {
        const act = officeDiurnal(localHour(t0, m.acct.tz), localWeekday(t0, m.acct.tz));
        const k = rng.poisson(hourlyChance(m.rate, act) * 2.2);
        for (let i = 0; i < k; i++) {
          const ts = t0 + rng.next() * HOUR;
          const net = rng.pick(m.egress);
          if (rng.chance(0.45)) {
            chatSession(ctx, rng, m.acct, m.api, ts, emit, () => net, m.ua);
            continue;
          }
          const text = m.template.replace("{x}", B.prose(rng, rng.int(60, 250), 900));
          emit(
            draft(rng, {
              ts,
              acct: m.acct,
              api: m.api,
              model: pickModel(ctx, rng, ts, organicAdoption(0.02)),
              messages: [{ role: "user", text }],
              maxTokens: 1024,
              temperature: 0.2,
              outTokens: outLen(rng, 150, 0.4),
              net,
              ua: m.ua,
            }),
          );
        }
      }
    },
  };
}

const STEP_ASKS = [
  "Can you solve this step by step? {q}",
  "Explain step by step how to solve this: {q}",
  "I got {wrong} but the answer key says {a}. Can you show me the steps to get {a}?",
  "{q}\n\nPlease show your work, I need to understand the method for my exam.",
  "how do i do this one?? {q}",
  "Walk me through the reasoning for this homework problem: {q}",
];
// A student's follow-ups refer back to the problem at hand (its numbers, a step, the answer
// they got), so they are seldom word for word the same twice; a fixed handful of phrases
// repeated verbatim made every student's follow-ups collapse into a few distinct prompts.
const STUDENT_FOLLOWUPS = [
  "Why did you multiply by {n} there?",
  "Can you explain step {k} again?",
  "ok and what about part b, same thing but with {m} instead of {n}",
  "I still don't get where the {n} comes from",
  "Is there a faster way to do it?",
  "thanks!! can you check my answer for the next one: I got {wrong}",
  "wait, shouldn't step {k} give {wrong}?",
  "so the answer is {a}? why not {wrong}",
  "what happens to the {n} in step {k}?",
  "can you do it without the formula in step {k}",
];

/** The numbers of a text, in order (digit runs, no regular expression). */
function numbersIn(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const ch of `${text} `) {
    if (ch >= "0" && ch <= "9") cur += ch;
    else if (cur) {
      out.push(cur);
      cur = "";
    }
  }
  return out;
}

/** A student's follow-up about one problem: one of STUDENT_FOLLOWUPS filled from it. */
export function studentFollowUp(rng: Rng, hw: QA): string {
  const nums = numbersIn(hw.question);
  const n = nums.length > 0 ? rng.pick(nums) : String(rng.int(2, 20));
  return rng
    .pick(STUDENT_FOLLOWUPS)
    .replace("{n}", n)
    .replace("{n}", n)
    .replace("{m}", String(Number(n) * rng.int(2, 4) || rng.int(2, 50)))
    .replace("{k}", String(rng.int(1, 5)))
    .replace("{k}", String(rng.int(1, 5)))
    .replace("{a}", hw.answer.slice(0, 40))
    .replace("{wrong}", String(rng.int(2, 400)));
}

/** Problems in a course's problem set, and the share of a student's questions taken from it. */
const ASSIGNMENT_ITEMS = 25;
const ASSIGNED_SHARE = 0.75;

/** A university course: accounts sign up together, share the campus NAT and ask homework step by step before deadlines. */
export function university(ctx: SimContext, rng: Rng): Actor {
  const courses = Math.max(1, Math.round(2 * ctx.scale));
  const total = Math.max(15, Math.round(280 * ctx.scale));
  const students: {
    acct: SimAccount;
    campus: IpInfo[];
    home: PersonNet;
    deadlines: number[];
    /** the course's problem set for each deadline */
    sets: QA[][];
    api: Api;
    ua: string;
    rate: number;
    busyUntil: number;
  }[] = [];
  for (let c = 0; c < courses; c++) {
    const country = rng.weighted([
      ["US", 4],
      ["GB", 2],
      ["DE", 1],
      ["IN", 2],
      ["CA", 1],
      ["AU", 1],
    ] as const);
    const tz = countryByCode(country).tz;
    const uni = `${rng.pick(["state", "tech", "north", "metro", "city", "coastal"])}${rng.int(1, 40)}`;
    const campusNet = ctx.world.residentialNet(rng, country);
    const campus = Array.from({ length: rng.int(1, 3) }, () => ctx.world.address(rng, campusNet, "unknown"));
    const courseStart = ctx.start - rng.float(3, 40) * DAY;
    const span = ctx.end - ctx.start;
    const deadlines = [ctx.start + span * rng.float(0.25, 0.45), ctx.start + span * rng.float(0.7, 0.95)];
    const grant = payment(ctx, rng);
    const api: Api = rng.chance(0.5) ? "openai.chat" : "anthropic.messages";
    // one problem set per deadline, the same for the whole course
    const sets = deadlines.map(() =>
      Array.from({ length: ASSIGNMENT_ITEMS }, () => ctx.corpus.homework(rng)),
    );
    for (let i = 0; i < Math.round(total / courses); i++) {
      const signupIp = campus[0];
      if (!signupIp) continue;
      students.push({
        acct: makeAccount(ctx, rng, {
          population: "university",
          campaign: null,
          createdMs: courseStart + rng.float(0, 36) * HOUR,
          tz,
          pathway: "education",
          verified: rng.chance(0.2),
          emailDomain: `${uni}.edu`,
          ...(rng.chance(0.7) ? { payment: grant } : {}),
          signupIp: signupIp.ip,
          signupCountry: country,
        }),
        campus,
        home: new PersonNet(ctx, rng, country),
        deadlines,
        sets,
        api,
        ua: rng.chance(0.6) ? "Anthropic/Python 0.34.2" : rng.pick(SDK_UAS),
        rate: Math.min(4, rng.lognormal(0.5, 0.7)),
        busyUntil: 0,
      });
    }
  }
  return {
    name: "university",
    accounts: students.map((s) => s.acct),
    params: { courses, accounts: students.length },
    hour(t0, emit) {
      for (const s of students) {
        if (t0 < s.busyUntil) continue;
        const before = s.deadlines.map((d) => (d - t0) / HOUR).filter((h) => h > 0 && h < 48);
        const rush = before.length > 0 ? 6 : 1;
        if (!rng.chance(hourlyChance(s.rate, humanDiurnal(localHour(t0, s.acct.tz)) * rush))) continue;
        let ts = t0 + rng.next() * HOUR;
        // mostly the problem set due next (the last one once all are past), now and then practice
        const due = s.deadlines.findIndex((d) => d > t0);
        const set = s.sets[due < 0 ? s.sets.length - 1 : due];
        const hw = set !== undefined && rng.chance(ASSIGNED_SHARE) ? rng.pick(set) : ctx.corpus.homework(rng);
        const ask = rng
          .pick(STEP_ASKS)
          .replaceAll("{q}", hw.question)
          .replaceAll("{a}", hw.answer)
          .replace("{wrong}", String(rng.int(2, 400)));
        const msgs: Msg[] = [{ role: "user", text: ask }];
        const onCampus = rng.chance(0.6);
        const net = onCampus ? rng.pick(s.campus) : s.home.at(rng, ts);
        const turns = 1 + rng.int(0, 4);
        for (let i = 0; i < turns; i++) {
          const out = outLen(rng, 380, 0.5);
          const d = draft(rng, {
            ts,
            acct: s.acct,
            api: s.api,
            model: rng.weighted(ctx.oldModels),
            messages: [...msgs],
            maxTokens: 2048,
            outTokens: out,
            net,
            ua: s.ua,
          });
          emit(d);
          msgs.push({ role: "assistant", text: d.out.text });
          msgs.push({ role: "user", text: studentFollowUp(rng, hw) });
          ts += rng.float(40 * SEC, 8 * MIN);
        }
        s.busyUntil = ts;
      }
    },
  };
}

const JUDGE_PROMPT =
  '[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. Begin your evaluation by providing a short explanation. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".\n\n[Question]\n{q}\n\n[The Start of Assistant\'s Answer]\n{a}\n[The End of Assistant\'s Answer]';
const BENCH_TEMPLATES = [
  'Solve the following math problem step by step. The last line of your response should be of the form Answer: $ANSWER (without quotes) where $ANSWER is the answer to the problem.\n\n{q}\n\nRemember to put your answer on its own line after "Answer:", and you do not need to use a \\boxed command.',
  "Question: {q}\nAnswer:",
  "{q}",
  "Answer the following question. Think step by step, then give the final answer.\n\n{q}",
];

/** An evaluation lab: benchmark sweeps and LLM-as-judge rubric grading at high volume; tries a new model at once. */
export function evalLab(ctx: SimContext, rng: Rng): Actor {
  const labs = Math.max(1, Math.round(2 * ctx.scale));
  const itemScale = Math.min(1, Math.max(0.12, ctx.scale));
  const accts: { acct: SimAccount; egress: IpInfo[]; ua: string; api: Api }[] = [];
  for (let l = 0; l < labs; l++) {
    const country = rng.weighted([
      ["US", 4],
      ["GB", 2],
      ["FR", 1],
      ["CA", 1],
    ] as const);
    const orgId = ctx.newId(rng, "org_");
    const card = payment(ctx, rng);
    const cloud = ctx.world.cloudNet(rng);
    const egress = Array.from({ length: rng.int(1, 3) }, () => ctx.world.address(rng, cloud));
    const domain = `${rng.pick(["evals", "bench", "alignment", "safety"])}${rng.int(1, 50)}.org`;
    const ua = rng.pick([
      "inspect_ai/0.3.58 Anthropic/Python 0.40.0",
      "lm-eval/0.4.5 OpenAI/Python 1.54.3",
      "helm/0.5.4",
    ]);
    for (let i = 0, n = rng.int(3, 8); i < n; i++) {
      const signup = egress[0];
      if (!signup) continue;
      accts.push({
        acct: makeAccount(ctx, rng, {
          population: "eval_lab",
          campaign: null,
          createdMs: ctx.start - rng.float(10, 400) * DAY,
          tz: countryByCode(country).tz,
          orgId,
          pathway: "research",
          verified: true,
          emailDomain: domain,
          payment: card,
          signupIp: signup.ip,
          signupCountry: country,
          keys: 3,
        }),
        egress,
        ua,
        api: rng.chance(0.5) ? "openai.chat" : "anthropic.messages",
      });
    }
  }
  return {
    name: "eval_lab",
    accounts: accts.map((a) => a.acct),
    params: { labs, accounts: accts.length },
    hour(t0, emit) {
      const sinceRelease = (t0 - ctx.release.ts) / HOUR;
      for (const a of accts) {
        const act = officeDiurnal(localHour(t0, a.acct.tz), localWeekday(t0, a.acct.tz));
        // labs evaluate a new model within hours of its release
        const boost = sinceRelease >= 0 && sinceRelease < 30 ? 4 : 1;
        if (!rng.chance(0.035 * act * boost)) continue;
        const judge = rng.chance(0.3);
        const n = Math.round(rng.int(150, 700) * itemScale);
        const model = boost > 1 && rng.chance(0.8) ? ctx.release.model : rng.weighted(ctx.oldModels);
        const template = rng.pick(BENCH_TEMPLATES);
        // a harness runs a suite in order: the same items again for every model and run
        const run = judge ? [] : ctx.corpus.benchmarkRun(rng, n);
        let ts = t0 + rng.next() * HOUR;
        for (let i = 0; i < n; i++) {
          let text: string;
          if (judge) {
            const item = ctx.corpus.judgeItem(rng);
            text = JUDGE_PROMPT.replace("{q}", item.question).replace("{a}", item.answer);
          } else {
            text = template.replace("{q}", at(run, i).question);
          }
          emit(
            draft(rng, {
              ts,
              acct: a.acct,
              api: a.api,
              model: judge ? rng.weighted(ctx.oldModels) : model,
              messages: [{ role: "user", text }],
              maxTokens: judge ? 1024 : 4096,
              temperature: 0,
              outTokens: judge ? outLen(rng, 180, 0.3) : outLen(rng, 450, 0.6),
              net: rng.pick(a.egress),
              ua: a.ua,
              status: rng.chance(0.01) ? 429 : 200,
            }),
          );
          ts += rng.float(0.05, 1.5) * SEC;
        }
      }
    },
  };
}

const BATCH_TEMPLATES = [
  "Extract the following fields from the customer email below and return JSON with keys name, order_id, issue_type, sentiment.\n\nEmail:\n{x}",
  "Translate the product listing below into German, French and Spanish. Return JSON with keys de, fr, es.\n\nListing:\n{x}",
  "You are a content moderation classifier. Label the post below as one of: ok, spam, harassment, self_harm, other. Reply with the label only.\n\nPost:\n{x}",
];

/** A batch pipeline: one template tens of thousands of times a day, around the clock. */
export function batchPipeline(ctx: SimContext, rng: Rng): Actor {
  const pipelines = Math.max(1, Math.round(ctx.scale));
  const jobs: { acct: SimAccount; ip: IpInfo; template: string; perHour: number; api: Api; ua: string }[] =
    [];
  for (let i = 0; i < pipelines; i++) {
    const cloud = ctx.world.cloudNet(rng);
    const ip = ctx.world.address(rng, cloud);
    const country = cloud.country;
    // tens of thousands a day at scale 1, shared by the pipelines
    const perDay = (rng.int(10_000, 16_000) * ctx.scale) / pipelines;
    jobs.push({
      acct: makeAccount(ctx, rng, {
        population: "batch",
        campaign: null,
        createdMs: ctx.start - rng.float(30, 500) * DAY,
        tz: countryByCode(country).tz,
        orgId: ctx.newId(rng, "org_"),
        pathway: rng.chance(0.5) ? "enterprise" : "standard",
        verified: true,
        emailDomain: `${rng.pick(COMPANIES)}-data.io`,
        payment: payment(ctx, rng),
        signupIp: ip.ip,
        signupCountry: country,
        keys: 2,
      }),
      ip,
      template: rng.pick(BATCH_TEMPLATES),
      perHour: perDay / 24,
      api: rng.chance(0.5) ? "openai.chat" : "anthropic.messages",
      ua: "python-httpx/0.27.2",
    });
  }
  return {
    name: "batch",
    accounts: jobs.map((j) => j.acct),
    params: { pipelines },
    hour(t0, emit) {
      for (const j of jobs) {
        const k = rng.poisson(j.perHour * rng.float(0.7, 1.3));
        for (let i = 0; i < k; i++) {
          const ts = t0 + rng.next() * HOUR;
          emit(
            draft(rng, {
              ts,
              acct: j.acct,
              api: j.api,
              model: rng.weighted(ctx.oldModels),
              messages: [
                { role: "user", text: j.template.replace("{x}", B.prose(rng, rng.int(40, 160), 700)) },
              ],
              maxTokens: 512,
              temperature: 0,
              outTokens: outLen(rng, 70, 0.3),
              net: j.ip,
              ua: j.ua,
              status: rng.chance(0.003) ? 429 : 200,
            }),
          );
        }
      }
    },
  };
}

export const RELAY_UAS = ["one-api/0.6.10", "new-api/0.8.2", "Go-http-client/2.0"];

/** What the reseller's infrastructure gives every account it runs, honest or not. */
export interface Reseller {
  readonly orgId: string;
  readonly cards: readonly string[];
  readonly relays: readonly IpInfo[];
  readonly ua: string;
  readonly emailDomain: string;
  readonly labelledProxyShare: number;
  exit(rng: Rng): IpInfo;
}

export function makeReseller(ctx: SimContext, rng: Rng): Reseller {
  const cloud = ctx.world.cloudNet(rng);
  const relays = Array.from({ length: rng.int(3, 6) }, () => ctx.world.address(rng, cloud));
  const labelledProxyShare = rng.float(0.05, 0.4);
  return {
    orgId: ctx.newId(rng, "org_"),
    cards: Array.from({ length: rng.int(5, 20) }, () => payment(ctx, rng)),
    relays,
    ua: rng.pick(RELAY_UAS),
    emailDomain: rng.pick(["gmail.com", "outlook.com", "relaymail.net"]),
    labelledProxyShare,
    exit: (r) => ctx.world.proxyExit(r, labelledProxyShare),
  };
}

/** A proxy reseller's legitimate customers: ordinary chat and coding, relayed through the reseller. */
export function resellerCustomers(ctx: SimContext, rng: Rng, reseller: Reseller): Actor {
  const n = Math.max(8, Math.round(rng.int(300, 600) * ctx.scale));
  const viaProxies = rng.float(0.3, 1);
  const people: Person[] = [];
  for (let i = 0; i < n; i++) {
    const country = rng.chance(0.35) ? rng.pick(UNSUPPORTED).code : pickCountry(rng).code;
    const p = person(ctx, rng, "reseller_customers", 1.5, {
      orgId: reseller.orgId,
      pathway: "reseller",
      payment: rng.pick(reseller.cards),
      country,
      ua: reseller.ua,
    });
    people.push({ ...p, api: rng.chance(0.8) ? "openai.chat" : "anthropic.messages" });
  }
  return {
    name: "reseller_customers",
    accounts: people.map((p) => p.acct),
    params: { accounts: n, via_proxies: round2(viaProxies) },
    hour(t0, emit) {
      for (const p of people) {
        if (t0 < p.acct.createdMs || t0 < p.busyUntil || t0 < p.from || t0 >= p.until) continue;
        const act = humanDiurnal(localHour(t0, p.acct.tz));
        const k = rng.poisson(hourlyChance(p.rate, act));
        for (let i = 0; i < k; i++) {
          const netAt = (): IpInfo =>
            rng.chance(viaProxies) ? reseller.exit(rng) : rng.pick(reseller.relays);
          const ua = rng.chance(0.7) ? reseller.ua : rng.pick(SDK_UAS);
          p.busyUntil = chatSession(ctx, rng, p.acct, p.api, t0 + rng.next() * HOUR, emit, netAt, ua);
        }
      }
    },
  };
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
