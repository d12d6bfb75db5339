// Public surface of the store: the embedded DuckDB store of an analysis, and what the
// dashboard reads from it (typed, behind DashboardStore).
export {
  ACCOUNT_SORTS,
  type AccountDetail,
  type AccountQuery,
  type AccountRow,
  type AccountSort,
  type CampaignDetail,
  type CampaignSummary,
  type DailyCount,
  type DashboardStore,
  duckDbDashboard,
  type Overview,
  type ReviewedAccount,
  type ReviewState,
  type SignatureRow,
  type Totals,
} from "./dashboard.js";
export {
  type AccountFacts,
  addReview,
  type DecisionCount,
  DuckDbStore,
  type ExchangeFeatures,
  type Ingest,
  type PartnerIndicatorRow,
  type PublishOptions,
  prepareStore,
  QueryError,
  type QueryResult,
  queryStore,
  type Review,
  readCampaigns,
  StoreOpenError,
} from "./duckdb.js";
export { type AnalysisStore, type OpenStore, openDuckDbStore } from "./types.js";
