// Public surface of the analysis pipeline.

export { type ParsedExchange, parseExchangeLines } from "./_parse.js";
export {
  AnalyzeError,
  type AnalyzeInputs,
  type AnalyzeOptions,
  type AnalyzeSummary,
  analyze,
  inTimeOrder,
  REORDER_MS,
} from "./analyze.js";
export { ReorderBuffer } from "./reorder.js";
