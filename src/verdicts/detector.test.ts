import { describe, expect, it } from "vitest";
import { communities, edgesAmong } from "../campaigns/index.js";
import { type AccountRecord, normaliseExchange } from "../contract/index.js";
import { type Group, groupStrength } from "../linkers/index.js";
import { exchangeSignals } from "../signals/index.js";
import { acct, type Ex, H, opts, profileOf, record, runDetector, T0 } from "./_test-helpers.js";
import { DEFAULT_THRESHOLD, Detector } from "./detector.js";
import { FEATURES } from "./features.js";
import { scoreProfile } from "./score.js";

describe("own evidence", () => {
  it("flags reasoning reconstruction harvested one-shot from a new account, strongest reason first", () => {
    const ex = Array.from({ length: 30 }, (_, i) => ({
      account: "r",
      ts: T0 + i * 47 * 60_000,
      prompt: `Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer.\n\nProblem: item ${i} costs ${i + 3} dollars, how many for ${i * 7}?\nFinal answer: ${i * 2}`,
      out: 1200,
      temperature: 1,
    }));
    const s = scoreProfile(profileOf(acct("r", { created_at: new Date(T0 - H).toISOString() }), ex), opts);
    expect(s.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    // strongest reason first, and the reasons name what was harvested
    const weights = s.reasons.map((r) => r.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    // what the traffic asks for, on its own or placed among the accounts around it
    expect(["content", "population"]).toContain(
      FEATURES.find((f) => f.name === s.reasons[0]?.signal)?.family,
    );
    expect(s.reasons.map((r) => r.signal)).toEqual(
      expect.arrayContaining(["reasoning_behind_given_answer", "harvest_share_in_log", "new_account"]),
    );
  });

  it("does not flag a student asking step by step with follow-ups, even with the answer key", () => {
    const ex: Ex[] = [];
    for (let d = 0; d < 10; d++) {
      const base = T0 + d * 24 * H + 19 * H;
      const q = `I got 12 but the answer key says ${d + 40}. Can you show me the steps? A train leaves at ${d} pm...`;
      ex.push({ account: "s", ts: base, prompt: q, out: 380 });
      ex.push({
        account: "s",
        ts: base + 5 * 60_000,
        prompt: "Why did you multiply there?",
        history: [{ user: q, assistant: "..." }],
      });
      ex.push({
        account: "s",
        ts: base + 9 * 60_000,
        prompt: "Can you explain step 2 again?",
        history: [{ user: q, assistant: "..." }],
      });
    }
    const s = scoreProfile(
      profileOf(
        acct("s", { pathway: "education", created_at: new Date(T0 - 20 * 24 * H).toISOString() }),
        ex,
      ),
      opts,
    );
    expect(s.score).toBeLessThan(DEFAULT_THRESHOLD - 1);
    expect(s.reasons.find((r) => r.signal === "conversational_follow_ups")?.weight).toBeLessThan(0);
  });

  it("does not flag an evaluation lab's benchmark sweeps and LLM-as-judge grading", () => {
    const ex: Ex[] = [];
    for (let run = 0; run < 4; run++)
      for (let i = 0; i < 40; i++)
        ex.push({
          account: "lab",
          ts: T0 + run * 24 * H + 10 * H + i * 2000,
          prompt:
            i % 2
              ? `Please act as an impartial judge and evaluate the quality of the response. Rate the response on a scale of 1 to 10: [[rating]]\n\n[Question]\nQ${i}\n[Answer]\nA${i}`
              : `Answer the following question. Think step by step, then give the final answer.\n\nBenchmark item ${i}`,
          temperature: 0,
          out: 400,
        });
    const lab = acct("lab", { pathway: "research", verified: true, org_id: "org_lab" });
    const s = scoreProfile(profileOf(lab, ex), opts);
    expect(s.score).toBeLessThan(DEFAULT_THRESHOLD - 1);
    expect(s.reasons.map((r) => r.signal)).toEqual(
      expect.arrayContaining(["verified_organisation", "re_runs_same_items"]),
    );
  });

  it("does not flag a batch pipeline running one template around the clock", () => {
    const ex = Array.from({ length: 600 }, (_, i) => ({
      account: "b",
      ts: T0 + i * 8 * 60_000,
      ip: "192.0.2.10",
      prompt: `Extract the fields from this email as JSON.\n\nEmail:\nOrder ${i} arrived damaged, please refund.`,
      temperature: 0,
      out: 70,
    }));
    const s = scoreProfile(profileOf(acct("b", { verified: true }), ex), opts);
    expect(s.reasons.map((r) => r.signal)).toContain("around_the_clock");
    // each request reads as a self-contained task (harvest_prompts): a pipeline is harvest-style
    // by construction, and only temperature 0 and the verified account keep it under the cut
    // (the nearest benign case to the cut; docs/detection.md, limits)
    expect(s.reasons.map((r) => r.signal)).toContain("deterministic_decoding");
    expect(s.score).toBeLessThan(DEFAULT_THRESHOLD);
  });
});

describe("own evidence: more hard cases", () => {
  it("does not flag a developer's coding agent working on one project across sessions", () => {
    const ex: Ex[] = [];
    for (let d = 0; d < 8; d++)
      for (let step = 0; step < 15; step++)
        ex.push({
          account: "dev",
          ts: T0 + d * 24 * H + 14 * H + step * 20_000,
          prompt: "Fix the flaky integration test in the billing webhook and make CI green.",
          // later steps carry the history of the loop
          history:
            step === 0 ? [] : [{ user: "Fix the flaky integration test", assistant: "Reading the test..." }],
          out: 150,
        });
    const s = scoreProfile(profileOf(acct("dev"), ex), opts);
    expect(s.score).toBeLessThan(DEFAULT_THRESHOLD - 1);
  });

  it("does not flag a consumer chatting in the evenings", () => {
    const ex: Ex[] = [];
    for (let d = 0; d < 12; d++) {
      const q = `Any tips on sourdough starter, day ${d}?`;
      ex.push({ account: "c", ts: T0 + d * 24 * H + 20 * H, prompt: q });
      ex.push({
        account: "c",
        ts: T0 + d * 24 * H + 20 * H + 300_000,
        prompt: "Thanks! What about the second point?",
        history: [{ user: q, assistant: "..." }],
      });
    }
    const s = scoreProfile(profileOf(acct("c"), ex), opts);
    expect(s.score).toBeLessThan(0);
  });
});

describe("group strength", () => {
  const g = (well: number, seeds: number, leaning: number, firm = 0): Group => ({
    key: "k",
    kind: "payment_fingerprint",
    value: "v",
    members: new Set(),
    well,
    seeds,
    leaning,
    firm,
    rankSum: well / 2,
  });
  it("ignores a group where a campaign mixes with honest users", () => {
    // a reseller: three quarters of its accounts are a campaign, the rest real customers
    expect(groupStrength(g(400, 300, 300))).toBe(0);
  });
  it("trusts a homogeneous group, but not a small one", () => {
    expect(groupStrength(g(30, 10, 30))).toBe(1);
    expect(groupStrength(g(4, 4, 4))).toBe(0);
    expect(groupStrength(g(30, 0, 30))).toBe(0);
  });
  it("pools evidence: many accounts each firmly suspicious make a group without a seed", () => {
    expect(groupStrength(g(30, 0, 30, 12))).toBe(1);
    expect(groupStrength(g(30, 0, 30, 9))).toBe(0);
  });
});

describe("streaming detector", () => {
  it("flags an account that joins a known campaign's card and templates within its first exchanges, and not the enterprise next door", () => {
    const accounts = new Map<string, AccountRecord>();
    const camp = (i: number): string => `c${i}`;
    for (let i = 0; i < 9; i++)
      accounts.set(
        camp(i),
        acct(camp(i), { payment_fingerprint: "card-1", created_at: new Date(T0 - 2 * 24 * H).toISOString() }),
      );
    accounts.set(
      "late",
      acct("late", { payment_fingerprint: "card-1", created_at: new Date(T0 + 30 * H).toISOString() }),
    );
    for (let i = 0; i < 8; i++)
      accounts.set(`e${i}`, acct(`e${i}`, { verified: true, pathway: "enterprise", org_id: "org_e" }));
    const d = new Detector(accounts);
    const template = (k: number): string =>
      `Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer.\n\nProblem: case ${k}\nFinal answer: ${k}`;
    let k = 0;
    let lateFirst: number | undefined;
    for (let h = 0; h < 48; h++) {
      for (let i = 0; i < 9; i++)
        for (let j = 0; j < 2; j++) {
          const e = {
            account: camp(i),
            ts: T0 + h * H + i * 60_000 + j * 600_000,
            prompt: template(k++),
            out: 1100,
            ip: "203.0.113.7",
          };
          const v = normaliseExchange(record(e), e.ts);
          d.observe(v, exchangeSignals(v));
        }
      for (let i = 0; i < 8; i++) {
        const e = {
          account: `e${i}`,
          ts: T0 + h * H + 30 * 60_000 + i * 1000,
          prompt: `Summarise ticket ${h}-${i} for me please`,
          ip: "203.0.113.7",
        };
        const v = normaliseExchange(record(e), e.ts);
        d.observe(v, exchangeSignals(v));
      }
      if (h >= 30) {
        const e = {
          account: "late",
          ts: T0 + h * H + 45 * 60_000,
          prompt: template(k++),
          out: 1100,
          ip: `198.51.100.${h}`,
        };
        const v = normaliseExchange(record(e), e.ts);
        d.observe(v, exchangeSignals(v));
      }
      d.checkpoint();
      if (lateFirst === undefined && d.decisions.get("late")?.flagged) lateFirst = h;
    }
    d.finish();
    for (let i = 0; i < 9; i++) expect(d.decisions.get(camp(i))?.flagged).toBe(true);
    expect(lateFirst).toBeDefined();
    // within its first few exchanges (one an hour from hour 30)
    expect((lateFirst ?? 99) - 30).toBeLessThanOrEqual(3);
    const late = d.decisions.get("late");
    expect(late?.reasons.map((r) => r.signal)).toEqual(expect.arrayContaining(["campaign_infrastructure"]));
    for (let i = 0; i < 8; i++) expect(d.decisions.get(`e${i}`)?.flagged).toBe(false);

    // the census agrees with what the detector holds; each membership is listed once on each side
    const census = d.census();
    expect(census.profiles).toBe(18);
    let listed = 0;
    for (const groups of d.groups.memberOf.values()) {
      listed += groups.length;
      expect(new Set(groups).size).toBe(groups.length);
    }
    expect(census.groups.memberships).toBe(listed);
    // the card: the nine campaign accounts and the late one
    expect(census.groups.byKind.payment_fingerprint?.memberships).toBe(10);
    expect(census.tallyBytes).toBeGreaterThan(0);
  });
});

describe("infrastructure corroborates content", () => {
  it("does not raise a reseller's honest customer paid with the card the campaign uses", () => {
    const accounts = new Map<string, AccountRecord>();
    const fresh = { payment_fingerprint: "card-r", created_at: new Date(T0 - 2 * 24 * H).toISOString() };
    for (let i = 0; i < 9; i++) accounts.set(`c${i}`, acct(`c${i}`, fresh));
    accounts.set("cust", acct("cust", fresh));
    const template = (k: number): string =>
      `Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer.\n\nProblem: case ${k}\nFinal answer: ${k}`;
    const ex: Ex[] = [];
    let k = 0;
    for (let h = 0; h < 48; h++) {
      for (let i = 0; i < 9; i++)
        ex.push({
          account: `c${i}`,
          ts: T0 + h * H + i * 60_000,
          prompt: template(k++),
          out: 1100,
          ip: "203.0.113.7",
        });
      // the customer: its own chats, through the reseller's exits
      const opener = `Can you suggest a dinner recipe with leeks for tonight, idea ${h}?`;
      ex.push({
        account: "cust",
        ts: T0 + h * H + 20 * 60_000,
        prompt: opener,
        out: 900,
        ip: "203.0.113.7",
        ipType: "proxy",
      });
      ex.push({
        account: "cust",
        ts: T0 + h * H + 24 * 60_000,
        prompt: "and could I swap the cream for something lighter?",
        history: [{ user: opener, assistant: "Here is one." }],
        out: 250,
        ip: "203.0.113.7",
        ipType: "proxy",
      });
    }
    const d = runDetector(new Detector(accounts), ex);
    for (let i = 0; i < 9; i++) {
      expect(d.decisions.get(`c${i}`)?.flagged).toBe(true);
      expect(d.decisions.get(`c${i}`)?.reasons.map((r) => r.signal)).toContain("campaign_infrastructure");
    }
    const cust = d.decisions.get("cust");
    expect(cust?.flagged).toBe(false);
    expect(cust?.reasons.map((r) => r.signal)).not.toContain("campaign_infrastructure");
  });
});

describe("attribution", () => {
  const group = (kind: Group["kind"], value: string, members: string[]): Group => ({
    key: `${kind}:${value}`,
    kind,
    value,
    members: new Set(members),
    well: members.length,
    seeds: members.length,
    leaning: members.length,
    firm: members.length,
    rankSum: members.length,
  });
  it("keeps two campaigns apart when they only share public prompts, and joins accounts that share a card", () => {
    const a = ["a1", "a2", "a3", "a4", "a5"];
    const b = ["b1", "b2", "b3", "b4", "b5"];
    const groups = [
      group("ip", "1.1.1.1", a),
      group("ip", "2.2.2.2", b),
      group("scaffold", "alpaca", [...a.slice(0, 3), ...b.slice(0, 3)]),
      group("payment_fingerprint", "card", ["a1", "x1"]),
    ];
    const members = new Set([...a, ...b, "x1"]);
    const c = communities(members, edgesAmong(members, groups), groups);
    const of = (m: string): number => c.findIndex((list) => list.includes(m));
    expect(new Set(a.map(of)).size).toBe(1);
    expect(new Set(b.map(of)).size).toBe(1);
    expect(of("a1")).not.toBe(of("b1"));
    expect(of("x1")).toBe(of("a1"));
  });
});
