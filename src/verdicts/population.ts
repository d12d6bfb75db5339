// The log's own population, as a deterministic sample of its well-evidenced accounts:
// what "unusual" means here is read from the traffic being analysed, not from a constant
// tuned on one provider's customer mix. Features can be expressed as a position in this
// population (how far above the log's median an account stands), and an account's own
// score as a rank, which is what groups are judged by (a group whose members rank high
// together is unlike the population: groups.ts, linkedEvidence in detector.ts).
//
// The sample is bottom-k by a hash of the account id (kept between CAP/2 and CAP
// accounts): the same accounts whatever the order they arrive in, so a saved and
// restored detector, a partitioned one and a single pass agree on it.

import { at } from "../contract/index.js";
import { type AccountProfile, textKey } from "../profiles/index.js";
import { StateError } from "./state.js";

/** Most accounts the sample holds (it keeps between half and all of this). */
export const POPULATION_CAP = 4096;
/** Fewer sampled accounts than this: the log has no population of its own yet (the reference stands for it, if any). */
export const POPULATION_MIN = 100;

/** An account id as a well-mixed 32-bit number (FNV-1a, then murmur3's finaliser). */
function idHash(id: string): number {
  let h = textKey(id);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Sorted values; the share strictly below x plus half the share equal to it. */
function midRank(sorted: Float64Array, x: number): number {
  const n = sorted.length;
  if (n === 0) return 0.5;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(sorted, mid) < x) lo = mid + 1;
    else hi = mid;
  }
  let eq = lo;
  hi = n;
  while (eq < hi) {
    const mid = (eq + hi) >>> 1;
    if (at(sorted, mid) <= x) eq = mid + 1;
    else hi = mid;
  }
  return (lo + 0.5 * (eq - lo)) / n;
}

/**
 * What the worlds the account model was fitted on looked like (models/account-model.json's
 * `population`): quantiles of the tracked features and of the own score among their
 * well-evidenced accounts. A prior worth `weight` accounts: it stands for the population
 * until the log has its own, and fades as the log's sample grows.
 */
export interface ReferencePopulation {
  /** how many accounts the reference counts as (the log's sample outweighs it past this many) */
  readonly weight: number;
  /** feature name → its quantiles (ascending, evenly spaced in probability) */
  readonly features: Readonly<Record<string, readonly number[]>>;
  /** the own score's quantiles */
  readonly scores: readonly number[];
}

/** Quantiles of `values`, `points` of them evenly spaced in probability from 0 to 1. */
export function quantiles(values: readonly number[], points = 65): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return [];
  return Array.from({ length: points }, (_, i) => {
    const position = (i / (points - 1)) * (sorted.length - 1);
    const lo = Math.floor(position);
    const hi = Math.min(sorted.length - 1, lo + 1);
    const v = at(sorted, lo) + (at(sorted, hi) - at(sorted, lo)) * (position - lo);
    return Math.round(v * 1e5) / 1e5;
  });
}

/** A population's state in a saved detector (its members are found again from the profiles). */
export interface SavedPopulation {
  readonly bound: number;
  readonly values: [number, Float64Array][];
  readonly scores: Float64Array;
}

export class Population {
  private readonly members = new Map<string, AccountProfile>();
  /** accounts whose id hashes below this are sampled */
  private bound = 2 ** 32;
  /** per tracked feature (by its index in FEATURES), the sample's values sorted */
  private values = new Map<number, Float64Array>();
  private scores = new Float64Array(0);
  private readonly refFeatures = new Map<number, Float64Array>();
  private readonly refScores: Float64Array;
  private readonly refWeight: number;

  /** `names` maps a feature index to its name (to read the reference's quantiles). */
  constructor(reference?: ReferencePopulation, names: readonly string[] = []) {
    this.refWeight = reference?.weight ?? 0;
    this.refScores = Float64Array.from(reference?.scores ?? []);
    names.forEach((name, j) => {
      const q = reference?.features[name];
      if (q !== undefined && q.length > 0) this.refFeatures.set(j, Float64Array.from(q));
    });
  }

  /** Offers an account (call when it is judged); sampled if well-evidenced and its id hashes low. */
  consider(p: AccountProfile, well: boolean): void {
    if (!well || this.members.has(p.id) || idHash(p.id) >= this.bound) return;
    this.members.set(p.id, p);
    if (this.members.size <= POPULATION_CAP) return;
    this.bound = Math.floor(this.bound / 2);
    for (const [id] of this.members) if (idHash(id) >= this.bound) this.members.delete(id);
  }

  /** Accounts in the sample. */
  get size(): number {
    return this.members.size;
  }

  /** Whether there is a population to compare with: the log's own sample, or the fitted worlds'. */
  get ready(): boolean {
    return this.scores.length >= POPULATION_MIN || this.refScores.length > 0;
  }

  /**
   * Re-reads the sampled accounts: `features` gives an account's feature values (those the
   * population tracks, by index) and, once those are in place, `score` its own score from
   * those values (the population-relative ones are the score's to place).
   */
  refresh(
    tracked: readonly number[],
    features: (p: AccountProfile) => Float64Array,
    score: (p: AccountProfile, x: Float64Array) => number,
  ): void {
    const ps = [...this.members.values()];
    if (ps.length < POPULATION_MIN) {
      this.values = new Map();
      this.scores = new Float64Array(0);
      return;
    }
    const cols = tracked.map(() => new Float64Array(ps.length));
    const xs = ps.map((p, i) => {
      const x = features(p);
      tracked.forEach((j, k) => {
        at(cols, k)[i] = x[j] ?? 0;
      });
      return x;
    });
    const values = new Map<number, Float64Array>();
    tracked.forEach((j, k) => {
      values.set(j, at(cols, k).sort());
    });
    this.values = values;
    // the features' values are in place: the scores read them
    this.scores = Float64Array.from(ps, (p, i) => score(p, at(xs, i))).sort();
  }

  /** The log's rank blended with the reference's (weighted by accounts), or undefined with neither. */
  private rank(own: Float64Array | undefined, ref: Float64Array | undefined, x: number): number | undefined {
    const m = own !== undefined && own.length >= POPULATION_MIN ? own.length : 0;
    const r = ref !== undefined && ref.length > 0 ? this.refWeight : 0;
    if (m + r === 0) return undefined;
    return (
      ((m > 0 ? m * midRank(own as Float64Array, x) : 0) +
        (r > 0 ? r * midRank(ref as Float64Array, x) : 0)) /
      (m + r)
    );
  }

  /** How far above the population's median x stands for feature j, in [0, 1] (0 at or below the median, or with no population). */
  above(j: number, x: number): number {
    const r = this.rank(this.values.get(j), this.refFeatures.get(j), x);
    return r === undefined ? 0 : Math.max(0, 2 * r - 1);
  }

  /** The own score's rank in the population, in [0, 1] (0.5 with no population). */
  scoreRank(score: number): number {
    return this.rank(this.scores, this.refScores, score) ?? 0.5;
  }

  /** What a saved detector keeps (the members are the profiles' to find again). */
  save(): SavedPopulation {
    return { bound: this.bound, values: [...this.values], scores: this.scores };
  }

  /** Takes back a saved population's values (before its members are offered again). */
  restore(saved: unknown): void {
    const o = saved as Partial<SavedPopulation> | null;
    if (
      o === null ||
      typeof o !== "object" ||
      typeof o.bound !== "number" ||
      !(o.bound > 0 && o.bound <= 2 ** 32) ||
      !(o.scores instanceof Float64Array) ||
      !Array.isArray(o.values) ||
      !o.values.every((e) => Array.isArray(e) && typeof e[0] === "number" && e[1] instanceof Float64Array)
    )
      throw new StateError("population: not a saved population");
    this.bound = o.bound;
    this.values = new Map(o.values.map(([j, v]) => [j, Float64Array.from(v)]));
    this.scores = Float64Array.from(o.scores);
  }
}
