// Public surface of the analysis pipeline.

export { parseExchangeLines } from "./_parse.js";
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
