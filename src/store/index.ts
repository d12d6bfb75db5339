// Public surface of the store: the embedded DuckDB store of an analysis.
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
  readStore,
  StoreOpenError,
} from "./duckdb.js";
