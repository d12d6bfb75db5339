// A campaign's description for campaigns.json: volume, timeline, capability shares, the
// indicators its accounts share (and mostly they), and the evidence that put them together.
import type { Campaign, Indicator } from "../contract/index.js";
import { toRfc3339 } from "../contract/index.js";
import type { Group } from "../linkers/index.js";
import { CAPABILITIES } from "../signals/index.js";
import type { DecisionView } from "../verdicts/index.js";
import type { Edge } from "./attribute.js";

/** Describes one campaign: volume, timeline, capability shares, shared indicators, evidence. */
export function describeCampaign(
  id: string,
  members: readonly DecisionView[],
  groups: Iterable<Group>,
  coordination: readonly Edge[] = [],
  /** indicators found outside the groups (autonomous systems) */
  extra: readonly Indicator[] = [],
): Campaign {
  let exchanges = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const caps = new Float64Array(CAPABILITIES.length);
  const evidence = new Map<string, { weight: number; detail: string; n: number }>();
  for (const m of members) {
    const p = m.profile;
    exchanges += p.n;
    first = Math.min(first, p.firstTs);
    last = Math.max(last, p.lastTs);
    p.capabilities.forEach((c, i) => {
      caps[i] = (caps[i] ?? 0) + c;
    });
    for (const r of m.reasons) {
      const e = evidence.get(r.signal) ?? { weight: 0, detail: r.detail, n: 0 };
      e.weight += r.weight;
      e.n++;
      evidence.set(r.signal, e);
    }
  }
  const ids = new Set(members.map((m) => m.profile.id));
  const indicators: Indicator[] = [];
  for (const g of groups) {
    let inCampaign = 0;
    for (const a of g.members) if (ids.has(a)) inCampaign++;
    // an indicator is shared by the campaign, and mostly by it
    if (inCampaign >= 2 && inCampaign >= 0.5 * g.members.size)
      indicators.push({
        kind: g.kind,
        value: g.value,
        accounts: inCampaign,
        users: g.members.size,
        ...(g.example === undefined ? {} : { example: g.example }),
      });
  }
  indicators.push(...extra);
  indicators.sort(
    (a, b) => b.accounts - a.accounts || a.kind.localeCompare(b.kind) || a.value.localeCompare(b.value),
  );
  const capabilities: Record<string, number> = {};
  CAPABILITIES.forEach((c, i) => {
    const share = exchanges === 0 ? 0 : (caps[i] ?? 0) / exchanges;
    if (share > 0) capabilities[c] = Math.round(share * 10_000) / 10_000;
  });
  const ev = [...evidence.entries()]
    .map(([signal, e]) => ({
      signal,
      detail: `${e.n} of ${members.length} accounts; e.g. ${e.detail}`,
      weight: Math.round((e.weight / members.length) * 1000) / 1000,
    }))
    .sort((a, b) => b.weight - a.weight);
  // coordination seen among the campaign's accounts
  const pairs = new Map<string, number>();
  for (const e of coordination)
    if (ids.has(e.a) && ids.has(e.b)) pairs.set(e.kind, (pairs.get(e.kind) ?? 0) + 1);
  const lockstep = pairs.get("lockstep") ?? 0;
  if (lockstep > 0)
    ev.push({
      signal: "lockstep",
      detail: `${lockstep} pairs of accounts active in the same hours (Jaccard ≥ 0.6)`,
      weight: Math.min(2, lockstep / members.length),
    });
  const handoffs = pairs.get("rate_limit_handoff") ?? 0;
  if (handoffs > 0)
    ev.push({
      signal: "coordinated_429_handoffs",
      detail: `${handoffs} requests moved to another account within seconds of a 429`,
      weight: Math.min(2, handoffs / 10),
    });
  // complementary coverage: how rarely the accounts send the same prompt
  let prompts = 0;
  const distinct = new Set<number>();
  for (const m of members)
    for (const [h, c] of m.profile.prompts.entries()) {
      prompts += c;
      distinct.add(h);
    }
  if (members.length >= 3 && prompts >= 50) {
    const repeated = 1 - distinct.size / prompts;
    if (repeated < 0.05)
      ev.push({
        signal: "complementary_coverage",
        detail: `${members.length} accounts sent ${prompts} one-shot prompts with only ${(repeated * 100).toFixed(1)}% repeats: they split one set of items between them`,
        weight: 1,
      });
  }
  ev.sort((a, b) => b.weight - a.weight);
  const meanRisk = members.reduce((s, m) => s + m.risk, 0) / Math.max(1, members.length);
  return {
    campaign_id: id,
    accounts: members.map((m) => m.profile.id).sort(),
    exchanges,
    first_seen: Number.isFinite(first) ? toRfc3339(first) : null,
    last_seen: Number.isFinite(last) ? toRfc3339(last) : null,
    capabilities,
    indicators: perKind(indicators, 8).slice(0, 50),
    evidence: ev,
    confidence: Math.round(meanRisk * Math.min(1, 0.5 + members.length / 10) * 10_000) / 10_000,
  };
}

/** At most `k` indicators of each kind, keeping the order. */
function perKind(list: readonly Indicator[], k: number): Indicator[] {
  const seen = new Map<string, number>();
  return list.filter((i) => {
    const n = seen.get(i.kind) ?? 0;
    seen.set(i.kind, n + 1);
    return n < k;
  });
}
