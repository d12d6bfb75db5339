// The contract's verdict lines (accounts.jsonl): an account's judgement from the detector and
// its campaign from assembly, which are kept apart (nothing writes a campaign into a decision).

import type { VerdictAccount } from "../contract/index.js";
import { toRfc3339 } from "../contract/index.js";
import type { DecisionView } from "../verdicts/index.js";

/** Which campaign each account is in (accounts in none are absent). */
export type CampaignOf = ReadonlyMap<string, string>;

export function verdictLine(d: DecisionView, campaignOf: CampaignOf): VerdictAccount {
  return {
    account_id: d.profile.id,
    risk: Math.round(d.risk * 10_000) / 10_000,
    flagged: d.flagged,
    campaign_id: campaignOf.get(d.profile.id) ?? null,
    first_flagged_at: d.flagged && d.firstFlaggedAt !== undefined ? toRfc3339(d.firstFlaggedAt) : null,
    reasons: [...d.reasons],
  };
}

/** Each account's verdict with the facts a store keeps beside it, one account at a time. */
export function* accountFacts(
  decisions: Iterable<DecisionView>,
  campaignOf: CampaignOf,
): Generator<{ verdict: VerdictAccount; exchanges: number; firstSeen: number; lastSeen: number }> {
  for (const d of decisions)
    yield {
      verdict: verdictLine(d, campaignOf),
      exchanges: d.profile.n,
      firstSeen: d.profile.firstTs,
      lastSeen: d.profile.lastTs,
    };
}
