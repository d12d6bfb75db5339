// Public surface of the scale-out mode: the event bus (NATS JetStream), the shared store
// (PostgreSQL), the worker, the linkage job, publishing a log and exporting verdicts.
export { Bus, type BusOptions } from "./bus.js";
export { type ExportSummary, exportVerdicts } from "./export.js";
export { startWorkerHttp, type WorkerHttp } from "./http.js";

export { migrate, openPg, type Sql } from "./pg.js";
export { type PublishInputs, type PublishSummary, publishLog } from "./publish.js";
export { addPgReview, type PgReview } from "./reviews.js";
export { SharedScorer, type SharedScorerOptions } from "./shared-scorer.js";
export { ScaleoutWorker, type WorkerMetrics, type WorkerOptions } from "./worker.js";
