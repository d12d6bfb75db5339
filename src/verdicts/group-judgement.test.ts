import { describe, expect, it } from "vitest";
import type { AccountRecord } from "../contract/index.js";
import { type Group, groupStandOut } from "../linkers/index.js";
import { acct, type Ex, H, runDetector, T0 } from "./_test-helpers.js";
import { Detector } from "./detector.js";
import type { AccountModel } from "./model.js";

const D = 24 * H;

/** A group as the index holds it, with its well-evidenced members' mean rank. */
function group(size: number, meanRank: number, kind: Group["kind"] = "payment_fingerprint"): Group {
  return {
    key: `${kind}\u0000v`,
    kind,
    value: "v",
    members: new Set(Array.from({ length: size }, (_, i) => `a${i}`)),
    well: size,
    seeds: 0,
    leaning: 0,
    firm: 0,
    rankSum: size * meanRank,
  };
}

describe("a group judged as a group", () => {
  it("stands out when its members rank high together, and more so the more of them there are", () => {
    const small = groupStandOut(group(5, 0.95), 0.95);
    const large = groupStandOut(group(20, 0.95), 0.95);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
    expect(large).toBeLessThanOrEqual(1);
  });

  it("does not stand out for the population's own mix, below the median, or with too few others", () => {
    // a campus or an office: many members, ranked like everyone else on average
    expect(groupStandOut(group(90, 0.5), 0.5)).toBe(0);
    // an enterprise's verified staff rank low
    expect(groupStandOut(group(200, 0.3), 0.3)).toBe(0);
    // a household: three accounts behind one address, however they rank
    expect(groupStandOut(group(3, 0.99, "residential_ip"), 0.99)).toBe(0);
    // a reseller's card: campaign accounts mixed with its honest customers barely stands out,
    // and a value hundreds use says less than one a few share
    const mixed = groupStandOut(group(400, 0.6), 0.3);
    expect(mixed).toBeLessThan(0.1);
  });

  it("leaves the member itself out: a group does not vouch for its own member", () => {
    // four members; the one asking ranks at the top, the other three at the median
    const g = group(4, (0.99 + 3 * 0.5) / 4);
    expect(groupStandOut(g, 0.99)).toBe(0);
  });
});

/**
 * A log with a population of ordinary users and five linked groups. The model is set by
 * hand so that the arithmetic can be followed: one-shot requests from a new account lean
 * toward a campaign (own score 1.74 against the 2.5 cut), conversation leans away, a
 * verified organisation away, and a group that stands out adds up to 2.
 */
const MODEL: AccountModel = {
  version: 1,
  baseline: -1,
  weights: {
    one_shot_prompts: 2,
    conversational_follow_ups: -3,
    new_account: 1,
    verified_organisation: -2,
    linked_group: 2,
  },
};

function runLog(): Detector {
  const accounts = new Map<string, AccountRecord>();
  const exchanges: Ex[] = [];
  const add = (id: string, over: Partial<AccountRecord>): void => {
    accounts.set(id, acct(id, over));
  };
  const fresh = { created_at: new Date(T0 - 1 * D).toISOString() };
  let k = 0;
  // one-shot requests, each a new item, over two days
  const oneShots = (id: string, n: number, ip: string, ipType?: Ex["ipType"]): void => {
    for (let i = 0; i < n; i++)
      exchanges.push({
        account: id,
        ts: T0 + ((i * 47) % 48) * H + (k++ % 50) * 60_000,
        prompt: `Question ${k}: what is ${k} times ${k + 7}? Give the number.`,
        ip,
        ...(ipType ? { ipType } : {}),
      });
  };
  // conversations: an opening and a follow-up, six times
  const chats = (id: string, ip: string): void => {
    for (let i = 0; i < 6; i++) {
      const ts = T0 + i * 8 * H + (k++ % 50) * 60_000;
      const open = `hey, can you help me plan a trip to the coast number ${k}?`;
      exchanges.push({ account: id, ts, prompt: open, ip });
      exchanges.push({
        account: id,
        ts: ts + 120_000,
        prompt: "thanks! and what should I pack?",
        history: [{ user: open, assistant: "Sure, here is a plan." }],
        ip,
      });
    }
  };
  for (let i = 0; i < 150; i++) {
    add(`u${i}`, {});
    chats(`u${i}`, `10.1.${i}.1`);
  }
  // a campaign: new accounts on one card, each with its own address, one-shot requests
  for (let i = 0; i < 8; i++) {
    add(`c${i}`, { ...fresh, payment_fingerprint: "card-campaign" });
    oneShots(`c${i}`, 20, `10.2.${i}.1`);
  }
  // a campus: new students behind the campus NAT, conversing about homework
  for (let i = 0; i < 20; i++) {
    add(`s${i}`, { ...fresh, pathway: "education", email_domain: "uni.example.edu" });
    chats(`s${i}`, "198.51.100.10");
  }
  // an enterprise: verified staff behind one egress, one-shot internal requests
  for (let i = 0; i < 20; i++) {
    add(`e${i}`, { verified: true, pathway: "enterprise", org_id: "org-e" });
    oneShots(`e${i}`, 15, "203.0.113.50", "datacenter");
  }
  // a household: three accounts on one home address, one of them new and asking one-shot
  add("h0", fresh);
  oneShots("h0", 20, "192.0.2.33");
  for (const id of ["h1", "h2"]) {
    add(id, {});
    chats(id, "192.0.2.33");
  }
  // a reseller's card: four accounts of a campaign and eight honest customers
  for (let i = 0; i < 4; i++) {
    add(`r${i}`, { ...fresh, payment_fingerprint: "card-reseller" });
    oneShots(`r${i}`, 20, `10.3.${i}.1`);
  }
  for (let i = 0; i < 8; i++) {
    add(`rc${i}`, { payment_fingerprint: "card-reseller" });
    chats(`rc${i}`, `10.4.${i}.1`);
  }
  // the hand model reads no request content, so the rule that a flag needs some is off
  return runDetector(new Detector(accounts, { model: MODEL, askedMin: 0 }), exchanges);
}

describe("groups judged as groups in the detector", () => {
  const d = runLog();
  const flagged = (prefix: string): string[] =>
    [...d.decisions.values()]
      .filter((x) => x.flagged && x.profile.id.match(new RegExp(`^${prefix}\\d+$`)))
      .map((x) => x.profile.id);
  const reasons = (id: string): string[] => d.decisions.get(id)?.reasons.map((r) => r.signal) ?? [];

  it("raises a campaign whose members are each below the cut but together unlike the population", () => {
    // on its own evidence no member reaches the cut
    const c0 = d.decisions.get("c0");
    const linked = c0?.reasons.find((r) => r.signal === "linked_group");
    expect(linked?.weight).toBeGreaterThan(0);
    expect((c0?.score ?? 0) - (linked?.weight ?? 0)).toBeLessThan(d.threshold);
    expect(flagged("c")).toHaveLength(8);
    expect(linked?.detail).toMatch(/payment fingerprint card-campaign with 7 other/);
  });

  it("keeps the benign groups unflagged: a campus, an enterprise egress, a household, a reseller's honest customers", () => {
    expect(flagged("u")).toEqual([]);
    expect(flagged("s")).toEqual([]);
    expect(flagged("e")).toEqual([]);
    expect(flagged("h")).toEqual([]);
    expect(flagged("rc")).toEqual([]);
    // the household's one-shot account is as suspicious on its own as a campaign member, but
    // three accounts are not a group to judge
    expect(reasons("h0")).not.toContain("linked_group");
    // the honest customers share a card with four campaign accounts, which does not convict them
    for (let i = 0; i < 8; i++) expect(reasons(`rc${i}`)).not.toContain("linked_group");
  });

  it("bounds what a group adds: a campus of new accounts stands out here, and still is not flagged", () => {
    // every student is new and the rest of this log is not, so the campus ranks high
    // together; what a group adds is at most the model's weight, and the students' own
    // evidence (they converse) is further than that below the cut
    const s0 = d.decisions.get("s0");
    const linked = s0?.reasons.find((r) => r.signal === "linked_group");
    expect(linked?.weight).toBeGreaterThan(0);
    expect(linked?.weight).toBeLessThanOrEqual(MODEL.weights.linked_group ?? 0);
    expect(s0?.flagged).toBe(false);
  });
});
