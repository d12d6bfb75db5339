// Fleet timing by content: a campaign that moves its traffic to a newly released model moves
// a content cluster with it. Each account may take up the model at its own hour (an attacker
// who has read pivot_to_new_model staggers them over days), but the cluster as a whole, in the
// release's first hours (FLEET_WINDOW_MS), goes to the new model far faster than the rest of
// the log does. Counted from the accounts' profiles (their fleet tallies), so that a restored
// or merged state recounts them; judged against the log's own uptake outside the cluster.
import { fleetKey, fleetParts } from "../profiles/index.js";

/** Exchanges a cluster needs in a release's window before its uptake is judged. */
export const FLEET_MIN = 30;
/** Uptake of the new model a cluster must reach at least ... */
export const FLEET_SHARE = 0.1;
/** ... and at least this many times the rest of the log's uptake ... */
export const FLEET_RATIO = 2;
/** ... with a binomial z at least this (the cluster's count against the rest's rate). */
export const FLEET_Z = 4;

/** [exchanges, on the new model] */
type Counts = [number, number];

export class FleetTiming {
  /** per (release, cluster): release << 10 | cluster */
  private readonly clusters = new Map<number, Counts>();
  /** per release */
  private readonly totals = new Map<number, Counts>();

  /** Adds n exchanges of a fleet key (profiles/profile.ts fleetKey). */
  add(key: number, n = 1): void {
    const { release, cluster, onNew } = fleetParts(key);
    const at = (release << 10) | cluster;
    const c = this.clusters.get(at) ?? [0, 0];
    const t = this.totals.get(release) ?? [0, 0];
    c[0] += n;
    t[0] += n;
    if (onNew) {
      c[1] += n;
      t[1] += n;
    }
    this.clusters.set(at, c);
    this.totals.set(release, t);
  }

  /**
   * Whether the cluster of a fleet key took up its release's model far faster than the rest
   * of the log in the release's window: its share on the new model at least FLEET_SHARE and
   * FLEET_RATIO times the rest's, over FLEET_MIN or more exchanges, with a z of FLEET_Z or more.
   */
  pivoted(key: number): boolean {
    const { release, cluster } = fleetParts(key);
    const c = this.clusters.get((release << 10) | cluster);
    const t = this.totals.get(release);
    if (c === undefined || t === undefined || c[0] < FLEET_MIN) return false;
    const share = c[1] / c[0];
    const restN = t[0] - c[0];
    // the rest's uptake, with one exchange of prior on each side so that an empty rest is not 0
    const rest = (t[1] - c[1] + 1) / (restN + 2);
    if (share < FLEET_SHARE || share < FLEET_RATIO * rest) return false;
    const z = (c[1] - c[0] * rest) / Math.sqrt(c[0] * rest * (1 - rest));
    return z >= FLEET_Z;
  }

  /** The clusters judged (release, cluster, exchanges, on the new model, pivoted), for analysts and tests. */
  list(): { release: number; cluster: number; exchanges: number; onNew: number; pivoted: boolean }[] {
    return [...this.clusters].map(([at, [n, onNew]]) => {
      const release = at >>> 10;
      const cluster = at & 0x3ff;
      return {
        release,
        cluster,
        exchanges: n,
        onNew,
        pivoted: this.pivoted(fleetKey(release, cluster, false)),
      };
    });
  }
}
