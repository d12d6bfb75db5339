// Campaigns from the detector's state: the flagged accounts, linked by the values they
// share (groups) and by coordination (lockstep, rate-limit hand-offs, dense blocks),
// split into communities, each described with its evidence. Used by analyze at the end
// of a run, by the gateway's live scorer in the background and by scale-out's linkage job.
// It reads the detector's results through a read-only view and returns which campaign each
// account is in: nothing is written back into the detector's decisions.
import type { CampaignsFile, Indicator } from "../contract/index.js";
import {
  CONTENT_KINDS,
  densestBlock,
  fingerprint,
  type Group,
  lockstepPairs,
  mutualNeighbours,
  standardise,
} from "../linkers/index.js";
import type { ActiveHours } from "../profiles/index.js";
import type { DetectorResults } from "../verdicts/index.js";
import { CONTROL_KINDS, communities, type Edge, eachEdgeAmong, mergeAlike } from "./attribute.js";
import { describeCampaign } from "./describe.js";

export interface CampaignAssembly {
  readonly campaigns: CampaignsFile;
  /** the flagged accounts */
  readonly flagged: Set<string>;
  /** the groups and dense blocks the communities were found over */
  readonly evidence: Group[];
  /** lockstep and hand-off edges among flagged accounts */
  readonly coordinationEdges: Edge[];
  /** the campaign each account is in (flagged accounts in no campaign are absent) */
  readonly campaignOf: ReadonlyMap<string, string>;
}

/**
 * Louvain's resolution for campaigns: 0.7 keeps one operator's accounts together (held by
 * their cards and addresses, or by behaviour and templates when each has infrastructure of
 * its own) without pulling in another operator's that use the same public prompt sets.
 */
const LOUVAIN_RESOLUTION = 0.7;

/** Weight of a mutual-nearest-neighbour edge between two flagged accounts' behaviour (times similarity). */
const BEHAVIOUR_WEIGHT = 3;

/**
 * Communities whose behaviour centroids are closer than this many of their spreads are one
 * operator's (mergeAlike in src/campaigns): Louvain cuts a large campaign on infrastructure of
 * its own into pieces that behave as one. Measured on our worlds (out/eval seeds 1-2, designed
 * worlds 102-104): pieces of one campaign 0.55-0.80 apart, different campaigns 1.9 or more.
 */
export const MERGE_GAP = 1.2;

/**
 * Coordination among the flagged accounts: lockstep pairs within shared groups,
 * rate-limit hand-offs, and Fraudar dense blocks over the values they share. Used to
 * attribute and explain campaigns, not to flag.
 */
function coordinationAmong(
  detector: DetectorResults,
  flagged: ReadonlySet<string>,
  groups: readonly Group[],
  /** the flagged accounts with a profile, and their standardised fingerprints */
  behaviour: { readonly ids: readonly string[]; readonly z: readonly Float64Array[] },
): { edges: Edge[]; blocks: Group[] } {
  const hours = new Map<string, ActiveHours>();
  for (const id of flagged) {
    const p = detector.profiles.get(id);
    if (p) hours.set(id, p.activeHours);
  }
  // lockstep is judged among accounts on the same infrastructure, not merely the same public
  // prompts, the same residential exits or the same popular client (strangers share those)
  const inGroups = groups
    .filter(
      (g) =>
        !CONTENT_KINDS.has(g.kind) &&
        g.kind !== "pivot_cohort" &&
        g.kind !== "residential_ip" &&
        g.kind !== "user_agent",
    )
    .map((g) => ({ members: new Set([...g.members].filter((m) => flagged.has(m))) }));
  const edges: Edge[] = [];
  for (const pair of lockstepPairs(inGroups, hours))
    edges.push({
      a: pair.a,
      b: pair.b,
      weight: 1.5 * pair.weight,
      kind: "lockstep",
      value: `Jaccard ${pair.weight.toFixed(2)}`,
    });
  // behavioural fingerprints: one operator's accounts behave alike even on infrastructure of their own
  for (const e of mutualNeighbours(behaviour.ids, behaviour.z, 5, true))
    edges.push({
      a: e.a,
      b: e.b,
      weight: BEHAVIOUR_WEIGHT * e.similarity,
      kind: "behaviour",
      value: `similarity ${e.similarity.toFixed(2)}`,
    });
  for (const pair of detector.handoffs.pairs)
    if (flagged.has(pair.a) && flagged.has(pair.b))
      edges.push({ a: pair.a, b: pair.b, weight: 2, kind: "rate_limit_handoff", value: "429 hand-off" });
  // Fraudar blocks, peeled one after another over the flagged accounts' shared values
  const values = new Map<string, string[]>();
  for (const id of flagged)
    values.set(
      id,
      [...(detector.groups.memberOf.get(id) ?? [])]
        .filter((g) => CONTROL_KINDS.has(g.kind) || g.kind === "ip")
        .map((g) => g.key),
    );
  const blocks: Group[] = [];
  for (let k = 0; k < 5 && values.size >= 5; k++) {
    const block = densestBlock(values);
    if (block.accounts.length < 5) break;
    blocks.push({
      key: `dense_block\u0000${k + 1}`,
      kind: "dense_block",
      value: `block ${k + 1} (density ${block.density.toFixed(2)})`,
      members: new Set(block.accounts),
      well: block.accounts.length,
      seeds: block.accounts.length,
      leaning: block.accounts.length,
      firm: block.accounts.length,
      // a block is evidence for attribution only: it is not in the index, never judged by rank
      rankSum: 0,
    });
    for (const a of block.accounts) values.delete(a);
  }
  return { edges, blocks };
}

/** For the autonomous systems the flagged accounts used: how many accounts in the whole log used each. */
function asnUsersOf(detector: DetectorResults, flagged: ReadonlySet<string>): Map<number, number> {
  const users = new Map<number, number>();
  for (const id of flagged)
    for (const [asn] of detector.profiles.get(id)?.asns.entries() ?? []) users.set(asn, 0);
  if (users.size === 0) return users;
  for (const p of detector.profiles.values())
    for (const [asn] of p.asns.entries()) {
      const n = users.get(asn);
      if (n !== undefined) users.set(asn, n + 1);
    }
  return users;
}

/** A campaign's autonomous systems: used by two or more of its accounts, and mostly by them (as for shared values). */
function asnIndicators(
  detector: DetectorResults,
  members: readonly string[],
  users: ReadonlyMap<number, number>,
): Indicator[] {
  const inCampaign = new Map<number, number>();
  for (const id of members)
    for (const [asn] of detector.profiles.get(id)?.asns.entries() ?? [])
      inCampaign.set(asn, (inCampaign.get(asn) ?? 0) + 1);
  const out: Indicator[] = [];
  for (const [asn, n] of inCampaign) {
    const all = users.get(asn) ?? n;
    if (n >= 2 && n >= 0.5 * all) out.push({ kind: "asn", value: String(asn), accounts: n, users: all });
  }
  return out;
}

/** Builds the campaigns from the detector's results, and says which campaign each account is in. */
export function assembleCampaigns(detector: DetectorResults): CampaignAssembly {
  const decisions = detector.decisions;
  const flagged = new Set([...decisions.values()].filter((d) => d.flagged).map((d) => d.profile.id));
  const groups = [...detector.groups.shared.values()];
  // behavioural fingerprints, standardised once: for behaviour edges and for joining communities
  const ids: string[] = [];
  const prints: number[][] = [];
  for (const id of [...flagged].sort()) {
    const p = detector.profiles.get(id);
    if (p === undefined) continue;
    ids.push(id);
    prints.push(fingerprint(p));
  }
  const z = standardise(prints);
  const coordination = coordinationAmong(detector, flagged, groups, { ids, z });
  const evidence = [...groups, ...coordination.blocks];
  const campaigns: CampaignsFile = { campaigns: [] };
  const allEdges = (function* () {
    yield* eachEdgeAmong(flagged, evidence);
    yield* coordination.edges;
  })();
  const asnUsers = asnUsersOf(detector, flagged);
  const zOf = new Map<string, Float64Array>();
  ids.forEach((id, i) => {
    const v = z[i];
    if (v !== undefined) zOf.set(id, v);
  });
  const campaignOf = new Map<string, string>();
  const found = communities(flagged, allEdges, evidence, LOUVAIN_RESOLUTION);
  mergeAlike(found, (id) => zOf.get(id), MERGE_GAP).forEach((members, i) => {
    const id = `C${String(i + 1).padStart(3, "0")}`;
    const list = members.flatMap((a) => {
      const d = decisions.get(a);
      return d ? [d] : [];
    });
    for (const m of list) campaignOf.set(m.profile.id, id);
    campaigns.campaigns.push(
      describeCampaign(id, list, groups, coordination.edges, asnIndicators(detector, members, asnUsers)),
    );
  });
  return { campaigns, flagged, evidence, coordinationEdges: coordination.edges, campaignOf };
}
