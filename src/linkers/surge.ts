// Content surges against the provider's own baseline. A campaign that starts (or grows) in a
// log adds a block of one kind of content to it: its share of the day's new tasks jumps above
// what the same content had on the days before, and the jump is carried by many accounts at
// once. Each account is then read by how much of its own work the surge explains.
//
// Content is the coarse cluster of profiles/profile.ts contentCluster() (a known item set, or
// the capabilities and harvest style of a prompt that matches no set), counted per UTC day on
// distinct task openings (a re-run of the same prompt does not count twice). The baseline of
// a (cluster, day) cell is everything the log holds before that day: with `--append` that is
// the provider's history, kept in the accounts' profiles; in one log it is the log's earlier
// days, so a campaign running unchanged from a log's first hour raises no surge in that log
// (its content is the baseline), and the other signs have to carry it.
//
// Counted from the accounts' profiles (their surge tallies), so a restored state or a
// scale-out linkage job recounts the same cells.
import { surgeParts } from "../profiles/index.js";

/** Task openings the log must hold on earlier days before a day's cells are judged. */
export const SURGE_BASELINE = 1000;
/** Openings a cell needs ... */
export const SURGE_MIN = 20;
/** ... from at least this many accounts (a surge of one batch job is that job, not a fleet) ... */
export const SURGE_ACCOUNTS = 5;
/** ... at least this many times the cluster's share before that day ... */
export const SURGE_RATIO = 3;
/** ... with a Poisson z at least this (the day's count against the baseline's expectation). */
export const SURGE_Z = 5;

/** Days a surge is judged against the baseline before it began; after that it is the baseline. */
export const SURGE_DAYS = 7;

/** [openings, accounts] */
type Cell = [number, number];

export interface SurgeCell {
  readonly day: number;
  readonly cluster: number;
  readonly openings: number;
  readonly accounts: number;
  /** openings the baseline share predicts for the day */
  readonly expected: number;
  /** the share of the cell the surge explains, 1 − expected / openings; 0 when not surging */
  readonly excess: number;
}

export class ContentSurge {
  private readonly cells = new Map<number, Cell>();
  private judged: Map<number, SurgeCell> | undefined;
  private surging = false;

  /**
   * Adds n openings of a surge key (profiles/profile.ts surgeKey); `newAccount` when the
   * account had no opening in this cell before (so the cell counts one more account).
   */
  add(key: number, n: number, newAccount: boolean): void {
    const c = this.cells.get(key) ?? [0, 0];
    c[0] += n;
    if (newAccount) c[1]++;
    this.cells.set(key, c);
    this.judged = undefined;
  }

  /** The share of a cell's openings its surge explains (0 when the cell did not surge). */
  excess(key: number): number {
    return this.judge().get(key)?.excess ?? 0;
  }

  /** Whether any cell surges (an account's features need not look at its cells otherwise). */
  any(): boolean {
    this.judge();
    return this.surging;
  }

  /** Every cell judged against the days before it, for analysts and tests. */
  list(): SurgeCell[] {
    return [...this.judge().values()];
  }

  private judge(): Map<number, SurgeCell> {
    if (this.judged) return this.judged;
    const byDay = new Map<number, { cluster: number; key: number; cell: Cell }[]>();
    const clusters = new Set<number>();
    for (const [key, cell] of this.cells) {
      const { day, cluster } = surgeParts(key);
      clusters.add(cluster);
      const list = byDay.get(day) ?? [];
      list.push({ cluster, key, cell });
      byDay.set(day, list);
    }
    // the baseline: every earlier day's openings, except those of a surge in its first
    // SURGE_DAYS days (a surge is judged against the content as it stood before it began;
    // one that lasts longer has become part of the provider's traffic)
    const base = new Map<number, number>();
    let baseTotal = 0;
    const since = new Map<number, number>();
    const out = new Map<number, SurgeCell>();
    for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
      const cells = byDay.get(day) ?? [];
      let total = 0;
      for (const c of cells) total += c.cell[0];
      const surged: boolean[] = [];
      // every cell of a day is judged against the days before it, then the day joins them
      for (const { cluster, key, cell } of cells) {
        // the cluster's share before this day, with half an opening of prior per cluster so
        // that content never seen before has a small share, not none
        const share = ((base.get(cluster) ?? 0) + 0.5) / (baseTotal + 0.5 * clusters.size);
        const expected = share * total;
        const [o, accounts] = cell;
        const start = since.get(cluster);
        const high =
          baseTotal >= SURGE_BASELINE &&
          o >= SURGE_MIN &&
          accounts >= SURGE_ACCOUNTS &&
          o >= SURGE_RATIO * expected &&
          (o - expected) / Math.sqrt(Math.max(expected, 1e-9)) >= SURGE_Z;
        // a surge stays one for SURGE_DAYS days; then it is absorbed until its share falls back
        const surging = high && (start === undefined || day - start < SURGE_DAYS);
        if (!high) since.delete(cluster);
        surged.push(surging);
        out.set(key, {
          day,
          cluster,
          openings: o,
          accounts,
          expected,
          excess: surging ? 1 - expected / o : 0,
        });
      }
      cells.forEach(({ cluster, cell }, i) => {
        if (surged[i]) {
          if (!since.has(cluster)) since.set(cluster, day);
          return;
        }
        base.set(cluster, (base.get(cluster) ?? 0) + cell[0]);
        baseTotal += cell[0];
      });
    }
    this.judged = out;
    this.surging = [...out.values()].some((c) => c.excess > 0);
    return out;
  }
}
