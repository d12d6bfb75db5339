// Campaign assembly and the outputs, read directly on a small log: two campaigns that share
// nothing but public wording stay apart, each with the indicators its accounts share; assembly
// leaves the detector's decisions as they were; the verdict lines and the report name each
// account's campaign, the report escapes whatever the log put in an account's name, and ships
// with a policy that runs no script from elsewhere.
import { describe, expect, it } from "vitest";
import { assembleCampaigns } from "../campaigns/index.js";
import type { AccountRecord } from "../contract/index.js";
import { acct, type Ex, H, runDetector, T0 } from "../verdicts/_test-helpers.js";
import { Detector } from "../verdicts/index.js";
import { renderReport } from "./report.js";
import { verdictLine } from "./verdicts.js";

const fresh = (over: Partial<AccountRecord>): Partial<AccountRecord> => ({
  created_at: new Date(T0 - 2 * 24 * H).toISOString(),
  ...over,
});

function world(): Detector {
  const accounts = new Map<string, AccountRecord>();
  const ex: Ex[] = [];
  let k = 0;
  // campaign A: eight accounts on card A asking for reasoning behind given answers
  for (let i = 0; i < 8; i++) {
    const id = `a${i}`;
    accounts.set(id, acct(id, fresh({ payment_fingerprint: "card-A" })));
    for (let h = 0; h < 40; h++)
      ex.push({
        account: id,
        ts: T0 + h * H + i * 60_000,
        prompt: `Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer.\n\nProblem: case ${k++}\nFinal answer: ${k % 97}`,
        out: 1100,
        ip: `203.0.113.${i}`,
      });
  }
  // campaign B: six accounts on card B grading answers against a rubric; one account's
  // name carries markup
  for (let i = 0; i < 6; i++) {
    const id = i === 0 ? `b<img src=x onerror=alert(1)>` : `b${i}`;
    accounts.set(id, acct(id, fresh({ payment_fingerprint: "card-B" })));
    for (let h = 0; h < 40; h++)
      ex.push({
        account: id,
        ts: T0 + h * H + 30 * 60_000 + i * 60_000,
        prompt: `You are an impartial judge. Score the response below against the rubric from 1 to 10 and output [[rating]].\n\nQuestion ${k++}: explain photosynthesis.\nResponse: plants use light ${k}.`,
        out: 700,
        ip: `198.51.100.${i}`,
      });
  }
  // people
  for (let i = 0; i < 30; i++) {
    const id = `p${i}`;
    accounts.set(id, acct(id));
    for (let h = 0; h < 6; h++)
      ex.push({
        account: id,
        ts: T0 + h * 7 * H + i * 60_000,
        prompt: `what should I cook tonight, ${i}-${h}?`,
      });
  }
  return runDetector(new Detector(accounts), ex);
}

describe("campaign assembly", () => {
  const d = world();
  const before = JSON.stringify([...d.decisions.values()].map(({ profile, ...rest }) => [profile.id, rest]));
  const { campaigns, flagged, campaignOf } = assembleCampaigns(d);
  const after = JSON.stringify([...d.decisions.values()].map(({ profile, ...rest }) => [profile.id, rest]));

  it("builds one campaign per controller, with the card its accounts share", () => {
    const byCard = (card: string) =>
      campaigns.campaigns.find((c) =>
        c.indicators.some((x) => x.kind === "payment_fingerprint" && x.value === card),
      );
    const a = byCard("card-A");
    const b = byCard("card-B");
    expect(a?.accounts).toEqual([...Array(8)].map((_, i) => `a${i}`).sort());
    expect(b?.accounts.length).toBe(6);
    expect(a?.campaign_id).not.toBe(b?.campaign_id);
    expect(campaigns.campaigns.every((c) => c.accounts.every((id) => !id.startsWith("p")))).toBe(true);
    // every flagged account is in one campaign, and its verdict line names it
    for (const id of flagged) {
      const holding = campaigns.campaigns.filter((c) => c.accounts.includes(id));
      expect(holding.length).toBeLessThanOrEqual(1);
      expect(campaignOf.get(id) ?? null).toBe(holding[0]?.campaign_id ?? null);
      const decision = d.decisions.get(id);
      expect(decision && verdictLine(decision, campaignOf).campaign_id).toBe(holding[0]?.campaign_id ?? null);
    }
    expect([...campaignOf.keys()].every((id) => flagged.has(id))).toBe(true);
    expect(a?.exchanges).toBe(8 * 40);
    expect(a?.first_seen).toBe(new Date(T0).toISOString());
  });

  it("reads the detector's results without writing into them", () => {
    expect(after).toBe(before);
    expect(before).not.toContain('"campaignId"');
  });

  it("writes a report that names the campaigns and escapes what the log put in names", () => {
    const html = renderReport({
      title: "test <report>",
      generatedAt: "2026-12-01T00:00:00.000Z",
      inputs: ["exchanges.jsonl"],
      exchanges: 1000,
      issues: "",
      threshold: 0.5,
      campaigns: campaigns.campaigns,
      decisions: d.decisions,
      campaignOf,
      edges: [],
    });
    for (const c of campaigns.campaigns) {
      expect(html).toContain(`id="${c.campaign_id}"`);
      // the flagged accounts' table links each account to its campaign
      expect(html).toContain(`<a href="#${c.campaign_id}">${c.campaign_id}</a>`);
    }
    expect(html).toContain("<title>test &lt;report&gt;</title>");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("b&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });
});
