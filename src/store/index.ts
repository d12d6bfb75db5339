// Public surface of the store: the embedded DuckDB store of an analysis.
export {
  type AccountFacts,
  DuckDbStore,
  type ExchangeFeatures,
  type Ingest,
  type PartnerIndicatorRow,
  type PublishOptions,
  type QueryResult,
  queryStore,
} from "./duckdb.js";
