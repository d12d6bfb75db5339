// Campaigns are communities of flagged accounts in the evidence graph: accounts
// linked by the cards, addresses, agents and templates they share, each link weighted
// by how telling its kind is and down-weighted by how many accounts share the value.
// Communities are found with Louvain (graphology-communities-louvain), deterministic
// for a given graph through a seeded random source.
import { UndirectedGraph } from "graphology";
import louvainModule from "graphology-communities-louvain";
import { at } from "../contract/index.js";
import type { Group, GroupKind } from "../linkers/index.js";

/** How much a shared value of each kind says about common control (every kind has its weight). */
export const KIND_WEIGHT: Readonly<Record<GroupKind, number>> = {
  payment_fingerprint: 3,
  signup_ip: 2,
  ip: 2,
  residential_ip: 0.3,
  org: 1,
  email_domain: 1,
  user_agent: 0.2,
  scaffold: 0.1,
  near_scaffold: 0.03,
  pivot_cohort: 0.1,
  dense_block: 0.2,
};

// the package is CommonJS: under NodeNext its default export arrives as the module object
const louvain = ((louvainModule as unknown as { default?: unknown }).default ?? louvainModule) as (
  graph: UndirectedGraph,
  options: { getEdgeWeight: string; rng: () => number; resolution: number },
) => Record<string, number>;

export interface Edge {
  readonly a: string;
  readonly b: string;
  readonly weight: number;
  readonly kind: string;
  readonly value: string;
}

/** Edges among `members` from the groups: cliques for small groups, a ring lattice for large ones. */
export function edgesAmong(members: ReadonlySet<string>, groups: Iterable<Group>): Edge[] {
  return [...eachEdgeAmong(members, groups)];
}

/** edgesAmong, one edge at a time (at report scale the list would run to millions). */
export function* eachEdgeAmong(members: ReadonlySet<string>, groups: Iterable<Group>): Generator<Edge> {
  for (const g of groups) {
    const inside = [...g.members].filter((m) => members.has(m)).sort();
    if (inside.length < 2) continue;
    const w = KIND_WEIGHT[g.kind] / Math.log2(1 + g.members.size);
    if (inside.length <= 12) {
      for (let i = 0; i < inside.length; i++)
        for (let j = i + 1; j < inside.length; j++)
          yield { a: at(inside, i), b: at(inside, j), weight: w, kind: g.kind, value: g.value };
    } else {
      const k = 6;
      for (let i = 0; i < inside.length; i++)
        for (let d = 1; d <= k / 2; d++)
          yield {
            a: at(inside, i),
            b: at(inside, (i + d) % inside.length),
            weight: w,
            kind: g.kind,
            value: g.value,
          };
    }
  }
}

/** Kinds that, shared at all, mean common control: their accounts belong to one campaign. */
export const CONTROL_KINDS: ReadonlySet<string> = new Set([
  "payment_fingerprint",
  "signup_ip",
  "org",
  "email_domain",
]);

/**
 * Splits the accounts into communities (Louvain over all evidence), then joins
 * communities that share a card, a sign-up address, an organisation or a non-free-mail
 * domain. Content alone (public prompt sets are used by more than one campaign) and
 * source addresses alone (proxy exits are shared by strangers) never join two.
 * Edges are read once, into the graph (parallel edges summed). Returns them largest first.
 */
export function communities(
  members: ReadonlySet<string>,
  edges: Iterable<Edge>,
  groups: Iterable<Group> = [],
  resolution = 0.5,
): string[][] {
  const graph = new UndirectedGraph();
  for (const m of [...members].sort()) graph.addNode(m);
  for (const e of edges) {
    if (e.a === e.b) continue;
    if (graph.hasEdge(e.a, e.b))
      graph.updateEdgeAttribute(e.a, e.b, "weight", (w: number | undefined) => (w ?? 0) + e.weight);
    else graph.addEdge(e.a, e.b, { weight: e.weight });
  }
  let state = 42;
  const rng = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const assignment = graph.size > 0 ? louvain(graph, { getEdgeWeight: "weight", rng, resolution }) : {};
  const communityOf = (m: string): string => (graph.degree(m) === 0 ? `solo:${m}` : String(assignment[m]));
  // join communities linked by common control
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  for (const g of groups) {
    const inside = [...g.members].filter((m) => members.has(m));
    if (!CONTROL_KINDS.has(g.kind) || inside.length < 2) continue;
    const roots = [...new Set(inside.map((m) => find(communityOf(m))))].sort();
    for (const r of roots.slice(1)) parent.set(r, at(roots, 0));
  }
  const byCommunity = new Map<string, string[]>();
  for (const m of graph.nodes()) {
    const c = find(communityOf(m));
    let list = byCommunity.get(c);
    if (!list) {
      list = [];
      byCommunity.set(c, list);
    }
    list.push(m);
  }
  return [...byCommunity.values()]
    .map((c) => c.sort())
    .sort((a, b) => b.length - a.length || (a[0] ?? "").localeCompare(b[0] ?? ""));
}

/** Communities smaller than this are not merged by behaviour (too few to know their spread). */
const MERGE_MIN = 5;

/**
 * The spread-relative distance between two communities' behaviour: the distance between
 * their centroids over the smaller of their spreads (root-mean-square distance of members
 * to their centroid). Two halves of one operator's accounts that Louvain split sit well
 * inside each other's spread; two operators sit apart.
 */
export interface BehaviourSummary {
  readonly centroid: Float64Array;
  readonly spread: number;
}

export function summariseBehaviour(vectors: readonly Float64Array[]): BehaviourSummary {
  const d = vectors[0]?.length ?? 0;
  const centroid = new Float64Array(d);
  for (const v of vectors)
    for (let j = 0; j < d; j++) centroid[j] = (centroid[j] ?? 0) + (v[j] ?? 0) / vectors.length;
  let ss = 0;
  for (const v of vectors) for (let j = 0; j < d; j++) ss += ((v[j] ?? 0) - (centroid[j] ?? 0)) ** 2;
  return { centroid, spread: Math.sqrt(ss / Math.max(1, vectors.length)) };
}

export function behaviourGap(a: BehaviourSummary, b: BehaviourSummary): number {
  let ss = 0;
  for (let j = 0; j < a.centroid.length; j++) ss += ((a.centroid[j] ?? 0) - (b.centroid[j] ?? 0)) ** 2;
  const spread = Math.min(a.spread, b.spread);
  return spread > 0 ? Math.sqrt(ss) / spread : Number.POSITIVE_INFINITY;
}

/**
 * Joins communities (of MERGE_MIN or more accounts) whose behaviour is one: repeatedly the
 * closest pair whose gap (behaviourGap) is under `gap`. `vectorOf` gives an account's
 * standardised fingerprint. Order and result are deterministic for the same input.
 */
export function mergeAlike(
  groups: readonly string[][],
  vectorOf: (id: string) => Float64Array | undefined,
  gap: number,
): string[][] {
  const live = groups.map((members) => {
    const vs = members.flatMap((m) => {
      const v = vectorOf(m);
      return v ? [v] : [];
    });
    return { members: [...members], vectors: vs, summary: summariseBehaviour(vs) };
  });
  for (;;) {
    let best: [number, number, number] | undefined;
    for (let i = 0; i < live.length; i++)
      for (let j = i + 1; j < live.length; j++) {
        const a = live[i];
        const b = live[j];
        if (!a || !b || a.vectors.length < MERGE_MIN || b.vectors.length < MERGE_MIN) continue;
        const g = behaviourGap(a.summary, b.summary);
        if (g < gap && (best === undefined || g < best[0])) best = [g, i, j];
      }
    if (best === undefined) break;
    const [, i, j] = best;
    const a = live[i] as (typeof live)[number];
    const b = live[j] as (typeof live)[number];
    a.members.push(...b.members);
    a.vectors.push(...b.vectors);
    a.summary = summariseBehaviour(a.vectors);
    live.splice(j, 1);
  }
  return live
    .map((c) => c.members.sort())
    .sort((a, b) => b.length - a.length || (a[0] ?? "").localeCompare(b[0] ?? ""));
}
