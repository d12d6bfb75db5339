// Behavioural fingerprints: how an account uses the API (its hours and their time zone,
// what it asks for, how it converses, how long its answers are, where it connects from,
// how old it is, whether it moved to a new model). Flagged accounts run by one operator
// share these even when each has its own card, address and agent; campaigns run by
// different operators from the same public prompt sets do not. Used to attribute flagged
// accounts to campaigns (mutual nearest neighbours as edges), never to flag.

import { at } from "../contract/index.js";
import { type AccountProfile, impliedOffset } from "../profiles/index.js";
import { CAPABILITIES } from "../signals/index.js";

/** The fingerprint of an account, as a plain vector (standardised across accounts before use). */
export function fingerprint(p: AccountProfile): number[] {
  const tz = impliedOffset(p.hourOfDay);
  const angle = (tz.offset / 24) * 2 * Math.PI;
  const share = (x: number): number => p.share(x);
  const cap = (i: number): number => p.capabilityShare(i);
  const age = p.ageAtFirstDays;
  const asked = Math.max(1, p.asked);
  return [
    tz.strength * Math.cos(angle),
    tz.strength * Math.sin(angle),
    p.hourFlatness,
    ...CAPABILITIES.map((_, i) => cap(i)),
    share(p.toolSteps),
    share(p.followUps),
    p.oneShotOpenings / asked,
    p.harvestLike / asked,
    Math.log1p(p.outputTokens / Math.max(1, p.n)),
    Math.log1p(p.maxTokens / Math.max(1, p.n)),
    share(p.bigThinking),
    share(p.temperatureZero),
    share((p.ipTypes[0] ?? 0) + (p.ipTypes[1] ?? 0)),
    share(p.ipTypes[2] ?? 0),
    share((p.ipTypes[3] ?? 0) + (p.ipTypes[4] ?? 0) + (p.ipTypes[5] ?? 0)),
    age === undefined ? 0 : Math.log1p(Math.max(0, age)),
    p.account?.verified === true ? 1 : 0,
    p.releaseWindow > 0 ? p.releaseWindowNew / p.releaseWindow : 0,
    Math.log1p(p.n / Math.max(1, p.spanDays)),
  ];
}

/** Each dimension standardised across the vectors (mean 0, unit spread; a constant one weighs nothing). */
export function standardise(vectors: readonly (readonly number[])[]): Float64Array[] {
  const n = vectors.length;
  const d = vectors[0]?.length ?? 0;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const v of vectors) for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) + (v[j] ?? 0) / n;
  for (const v of vectors)
    for (let j = 0; j < d; j++) sd[j] = (sd[j] ?? 0) + ((v[j] ?? 0) - (mean[j] ?? 0)) ** 2 / n;
  return vectors.map((v) =>
    Float64Array.from(v, (x, j) => {
      const s = Math.sqrt(sd[j] ?? 0);
      return s > 1e-9 ? (x - (mean[j] ?? 0)) / s : 0;
    }),
  );
}

export interface NeighbourEdge {
  readonly a: string;
  readonly b: string;
  /** similarity in (0, 1] */
  readonly similarity: number;
}

/** Accounts compared by brute force up to this many; above it, within random-projection buckets. */
const BRUTE = 6000;

/**
 * Mutual k-nearest neighbours among the accounts, by Euclidean distance between their
 * standardised fingerprints (`standardised`: the vectors already are, by standardise()).
 * Deterministic for the same input order.
 */
export function mutualNeighbours(
  ids: readonly string[],
  vectors: readonly number[][] | readonly Float64Array[],
  k = 5,
  standardised = false,
): NeighbourEdge[] {
  const n = ids.length;
  if (n < 2) return [];
  const d = vectors[0]?.length ?? 0;
  const z = standardised ? (vectors as readonly Float64Array[]) : standardise(vectors as readonly number[][]);
  // candidate sets: everyone, or accounts in the same bucket of 10 fixed random projections
  const buckets = new Map<number, number[]>();
  if (n <= BRUTE)
    buckets.set(
      0,
      Array.from({ length: n }, (_, i) => i),
    );
  else {
    let seed = 0x9e3779b9;
    const rnd = (): number => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return seed / 2 ** 32 - 0.5;
    };
    const planes = Array.from({ length: 10 }, () => Array.from({ length: d }, rnd));
    z.forEach((v, i) => {
      let key = 0;
      planes.forEach((pl, b) => {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += (pl[j] ?? 0) * (v[j] ?? 0);
        if (dot > 0) key |= 1 << b;
      });
      const list = buckets.get(key) ?? [];
      list.push(i);
      buckets.set(key, list);
    });
  }
  const near: number[][] = Array.from({ length: n }, () => []);
  const dist = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < d; j++) s += ((a[j] ?? 0) - (b[j] ?? 0)) ** 2;
    return Math.sqrt(s);
  };
  const distances = new Map<number, number>();
  for (const members of buckets.values()) {
    const list = members.length > BRUTE ? members.slice(0, BRUTE) : members;
    for (const i of list) {
      const zi = at(z, i);
      const best: [number, number][] = [];
      for (const j of list) {
        if (j === i) continue;
        const dd = dist(zi, at(z, j));
        if (best.length < k) {
          best.push([dd, j]);
          best.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        } else if (dd < (best[k - 1]?.[0] ?? Number.POSITIVE_INFINITY)) {
          best[k - 1] = [dd, j];
          best.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        }
      }
      near[i] = best.map(([dd, j]) => {
        distances.set(i * n + j, dd);
        return j;
      });
    }
  }
  const out: NeighbourEdge[] = [];
  for (let i = 0; i < n; i++)
    for (const j of near[i] ?? [])
      if (i < j && (near[j] ?? []).includes(i)) {
        const dd = distances.get(i * n + j) ?? 0;
        out.push({ a: at(ids, i), b: at(ids, j), similarity: 1 / (1 + dd) });
      }
  return out;
}
