// Cross-account evidence: weighted edges between accounts that share something.
// Common values (a corporate NAT, a cloud egress, a card used by hundreds) are
// down-weighted by how many accounts share them, so they do not link strangers.
import type { AccountProfile } from "../profiles/index.js";

export interface Edge {
  readonly a: string;
  readonly b: string;
  readonly kind: string;
  readonly value: string;
  readonly weight: number;
}

export interface SharedValue {
  readonly kind: string;
  readonly value: string;
  readonly accounts: readonly string[];
}

/** Groups accounts by a value they share; values held by one account, or by more than `maxGroup`, are dropped. */
export function sharedValues(
  profiles: Iterable<AccountProfile>,
  kind: string,
  valuesOf: (p: AccountProfile) => Iterable<string>,
  maxGroup: number,
): SharedValue[] {
  const groups = new Map<string, string[]>();
  for (const p of profiles)
    for (const v of valuesOf(p)) {
      let g = groups.get(v);
      if (!g) {
        g = [];
        groups.set(v, g);
      }
      if (g.length <= maxGroup) g.push(p.id);
    }
  const out: SharedValue[] = [];
  for (const [value, accounts] of groups)
    if (accounts.length >= 2 && accounts.length <= maxGroup) out.push({ kind, value, accounts });
  return out;
}

/** Star edges from each group's first member, weighted down with group size. */
export function edgesOf(groups: readonly SharedValue[], baseWeight: number): Edge[] {
  const edges: Edge[] = [];
  for (const g of groups) {
    const w = baseWeight / Math.log2(1 + g.accounts.length);
    const [hub, ...rest] = g.accounts;
    if (hub === undefined) continue;
    for (const b of rest) edges.push({ a: hub, b, kind: g.kind, value: g.value, weight: w });
  }
  return edges;
}

/** Shared payment instruments and sign-up addresses among the given accounts. */
export function infrastructureEdges(profiles: readonly AccountProfile[]): {
  edges: Edge[];
  shared: SharedValue[];
} {
  const shared = [
    ...sharedValues(
      profiles,
      "payment_fingerprint",
      (p) => (p.account?.payment_fingerprint ? [p.account.payment_fingerprint] : []),
      200,
    ),
    ...sharedValues(profiles, "signup_ip", (p) => (p.account?.signup_ip ? [p.account.signup_ip] : []), 200),
    ...sharedValues(
      profiles,
      "scaffold",
      (p) =>
        p.scaffolds
          .top(1)
          .filter(([, n]) => n >= 3)
          .map(([k]) => k),
      5000,
    ),
  ];
  return { edges: edgesOf(shared, 1), shared };
}
