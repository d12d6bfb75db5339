// Public surface of the analysis pipeline.
export {
  AnalyzeError,
  type AnalyzeInputs,
  type AnalyzeOptions,
  type AnalyzeSummary,
  analyze,
} from "./analyze.js";
export { ReorderBuffer } from "./reorder.js";
