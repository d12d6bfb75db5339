// What an analysis and a gateway need from a store, as an interface: they are given a way to
// open one (`OpenStore`), not a database. `DuckDbStore` implements it over the embedded
// DuckDB file; a shared store could implement the same.
import type { Campaign } from "../contract/index.js";
import {
  type AccountFacts,
  DuckDbStore,
  type ExchangeFeatures,
  type PartnerIndicatorRow,
  type PublishOptions,
  type Review,
} from "./duckdb.js";

export interface AnalysisStore {
  /** Adds one exchange's features (kept until publish). */
  addExchange(f: ExchangeFeatures): void;
  /** The ingest that read a file with this fingerprint, if the store holds one. */
  findIngest(fingerprint: string): Promise<{ input: string; finishedAt: string } | undefined>;
  /** How many exchanges the store holds, and whether it holds a saved detector state. */
  contents(): Promise<{ exchanges: number; state: boolean }>;
  /** The saved detector state, in its parts. */
  stateParts(): AsyncGenerator<Uint8Array>;
  /**
   * In one transaction: the exchanges added (appended or replacing), every account's verdict,
   * the campaigns and the saved state (replaced), the ingest record.
   */
  publish(
    accounts: Iterable<AccountFacts>,
    campaigns: readonly Campaign[],
    opts?: PublishOptions,
  ): Promise<void>;
  /** Analysts' latest review of each target. */
  latestReviews(): Promise<Review[]>;
  /** Indicators imported from partners (distillguard intel import). */
  partnerIndicators(): Promise<PartnerIndicatorRow[]>;
  close(): void;
}

/** Opens the store at `path` (a file, or whatever a store's implementation names by it). */
export type OpenStore = (path: string) => Promise<AnalysisStore>;

/** Opens (or creates) the embedded DuckDB store at `path`: the default OpenStore. */
export const openDuckDbStore: OpenStore = (path) => DuckDbStore.open(path);
