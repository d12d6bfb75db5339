// Public surface of the analysis pipeline.
export {
  type AnalyzeInputs,
  type AnalyzeOptions,
  type AnalyzeSummary,
  analyze,
  DEFAULT_THRESHOLD,
} from "./analyze.js";
export { ReorderBuffer } from "./reorder.js";
