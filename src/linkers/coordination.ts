// Evidence of coordination that no single shared value shows:
// - lockstep: accounts of one group active in the same hours (SynchroTrap-style
//   co-activity, compared only within groups so the cost stays near-linear);
// - rate-limit hand-offs: a request refused with 429 on one account and sent again by
//   another within seconds;
// - synchronised pivots: accounts that moved to a newly released model in the same hours;
// - dense blocks: Fraudar's greedy peeling (Hooi et al., KDD 2016) of the account × value
//   graph, with column weights 1/log(degree + 5) so that camouflage (links to popular
//   values) does not hide a block.

import { at } from "../contract/index.js";
import type { ActiveHours } from "../profiles/index.js";

export interface Pair {
  readonly a: string;
  readonly b: string;
  readonly weight: number;
}

/** Pairs of accounts in the same group whose active hours overlap at least `min` (Jaccard). */
export function lockstepPairs(
  groups: Iterable<{ readonly members: ReadonlySet<string> }>,
  hours: ReadonlyMap<string, ActiveHours>,
  { min = 0.6, minHours = 24, maxGroup = 60 } = {},
): Pair[] {
  const seen = new Set<string>();
  const out: Pair[] = [];
  for (const g of groups) {
    if (g.members.size < 2 || g.members.size > maxGroup) continue;
    const list = [...g.members].filter((m) => (hours.get(m)?.count ?? 0) >= minHours).sort();
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = at(list, i);
        const b = at(list, j);
        const key = `${a}\u0000${b}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const s = (hours.get(a) as ActiveHours).jaccard(hours.get(b) as ActiveHours);
        if (s >= min) out.push({ a, b, weight: s });
      }
  }
  return out;
}

/** Remembers recent 429s by prompt to catch a refused request re-sent by another account. */
/** Hand-off pairs kept as evidence; past this many they are counted, not kept (memory stays bounded). */
export const MAX_HANDOFF_PAIRS = 200_000;

export class HandoffWatch {
  private readonly recent = new Map<string, { account: string; ts: number }>();
  readonly pairs: Pair[] = [];
  /** hand-offs seen after MAX_HANDOFF_PAIRS were kept */
  dropped = 0;

  constructor(private readonly windowMs = 10_000) {}

  /** Returns the account that was refused the same prompt just before, if any. */
  observe(account: string, promptHash: string, ts: number, status: number): string | undefined {
    let from: string | undefined;
    const prev = this.recent.get(promptHash);
    if (prev && prev.account !== account && ts - prev.ts <= this.windowMs && ts >= prev.ts) {
      from = prev.account;
      if (this.pairs.length < MAX_HANDOFF_PAIRS) this.pairs.push({ a: prev.account, b: account, weight: 1 });
      else this.dropped++;
      this.recent.delete(promptHash);
    }
    if (status === 429) this.recent.set(promptHash, { account, ts });
    if (this.recent.size > 10_000) {
      for (const [k, v] of this.recent) if (ts - v.ts > this.windowMs) this.recent.delete(k);
    }
    return from;
  }
}

/**
 * Fraudar's greedy peeling on the bipartite graph of accounts and the values they use,
 * peeling accounts (a value leaves with its last account). The objective is the
 * weighted edges inside the block over its nodes; column weights 1/log(degree + 5)
 * make popular values cheap, so an account cannot hide its block by also using common
 * ones. Account weights do not change as others leave, so peeling in ascending order of
 * weight is exact for this objective. Returns the densest block's accounts.
 */
export function densestBlock(accountValues: ReadonlyMap<string, readonly string[]>): {
  accounts: string[];
  density: number;
} {
  const degree = new Map<string, number>();
  for (const vals of accountValues.values()) for (const v of vals) degree.set(v, (degree.get(v) ?? 0) + 1);
  const weightOf = (v: string): number => 1 / Math.log((degree.get(v) ?? 0) + 5);
  const accounts = [...accountValues.keys()].sort();
  const score = new Map<string, number>();
  let total = 0;
  for (const a of accounts) {
    let s = 0;
    for (const v of accountValues.get(a) ?? []) s += weightOf(v);
    score.set(a, s);
    total += s;
  }
  const left = new Map(degree);
  let nodes = accounts.length + degree.size;
  let bestDensity = nodes > 0 ? total / nodes : 0;
  let bestRemoved = 0;
  const order = [...accounts].sort((x, y) => (score.get(x) ?? 0) - (score.get(y) ?? 0) || (x < y ? -1 : 1));
  for (let i = 0; i < order.length - 1; i++) {
    const a = at(order, i);
    total -= score.get(a) ?? 0;
    nodes--;
    for (const v of accountValues.get(a) ?? []) {
      const n = (left.get(v) ?? 1) - 1;
      left.set(v, n);
      if (n === 0) nodes--;
    }
    const density = nodes > 0 ? total / nodes : 0;
    if (density > bestDensity) {
      bestDensity = density;
      bestRemoved = i + 1;
    }
  }
  return { accounts: order.slice(bestRemoved).sort(), density: bestDensity };
}
