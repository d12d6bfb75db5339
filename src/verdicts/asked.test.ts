// What an account asks for convicts it; its account, network, rhythm and links corroborate.
// A new account on a VPN that wants long answers to one-off questions asks nothing a
// campaign asks: however far its metadata puts it over the cut, it is held below it
// (detector.ts ASKED_MIN). The same metadata with harvest-style requests is flagged.
import { describe, expect, it } from "vitest";
import { acct, type Ex, H, runDetector, T0 } from "./_test-helpers.js";
import { ASKED_MIN, Detector } from "./detector.js";
import { ASKING_FEATURES, FEATURE_NAMES } from "./features.js";

const fresh = { created_at: new Date(T0 - 2 * 24 * H).toISOString() };

function log(kind: "recipes" | "traces"): Ex[] {
  const ex: Ex[] = [];
  for (let h = 0; h < 72; h++)
    ex.push({
      account: "vpn",
      ts: T0 + h * H + 7 * 60_000,
      prompt:
        kind === "recipes"
          ? `Can you suggest a dinner recipe with leeks and ${h % 2 ? "beans" : "rice"} for tonight, idea ${h}?`
          : `Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer.\n\nProblem: case ${h}\nFinal answer: ${h * 3}`,
      out: 1200,
      ip: `198.18.${h % 40}.9`,
      ipType: "proxy",
    });
  // a population to be placed in: people chatting now and then
  for (let i = 0; i < 40; i++)
    for (let k = 0; k < 8; k++)
      ex.push({
        account: `p${i}`,
        ts: T0 + k * 9 * H + i * 60_000,
        prompt: `what should I read next, ${i}-${k}?`,
      });
  return ex;
}

function judge(kind: "recipes" | "traces", askedMin?: number) {
  const accounts = new Map([["vpn", acct("vpn", fresh)]]);
  for (let i = 0; i < 40; i++) accounts.set(`p${i}`, acct(`p${i}`));
  const d = runDetector(new Detector(accounts, askedMin === undefined ? {} : { askedMin }), log(kind));
  const v = d.decisions.get("vpn");
  if (!v) throw new Error("no decision");
  return { d, v };
}

describe("a flag needs evidence in what the account asks for", () => {
  it("holds a new account on a VPN that wants long answers below the cut, and says why", () => {
    // without the rule, its metadata and answer lengths alone put it over the cut
    const open = judge("recipes", 0);
    expect(open.v.flagged).toBe(true);
    expect(open.v.score).toBeGreaterThanOrEqual(open.d.threshold);
    const { d, v } = judge("recipes");
    expect(v.flagged).toBe(false);
    expect(v.score).toBeLessThan(d.threshold);
    expect(v.reasons.map((r) => r.signal)).toContain("nothing_asked_like_harvest");
  });

  it("flags the same account when it asks for reasoning traces behind given answers", () => {
    const { v } = judge("traces");
    expect(v.flagged).toBe(true);
    const asked = v.reasons
      .filter((r) => ASKING_FEATURES.includes(r.signal) && r.weight > 0)
      .reduce((t, r) => t + r.weight, 0);
    expect(asked).toBeGreaterThanOrEqual(ASKED_MIN);
  });

  it("counts only request content: no account, network, rhythm or length feature is among the asking ones", () => {
    for (const name of ASKING_FEATURES) expect(FEATURE_NAMES).toContain(name);
    for (const name of [
      "new_account",
      "proxies",
      "region_mismatch",
      "no_quiet_hours",
      "long_outputs",
      "long_outputs_in_log",
      "one_shot_prompts",
      "linked_group",
    ])
      expect(ASKING_FEATURES).not.toContain(name);
    expect(ASKING_FEATURES).toContain("harvest_share_in_log");
  });
});
