// Public surface of the verdicts stage (judging): the streaming detector, the account model,
// scoring, partners' evidence and saved state. Campaigns are built after it (src/campaigns),
// the files a run writes after that (src/outputs).
export {
  type AccountState,
  DEFAULT_THRESHOLD,
  type Decision,
  type DecisionView,
  Detector,
  type DetectorOptions,
  type DetectorPart,
  type DetectorResults,
  type LinkSink,
  riskOf,
  scoreForRisk,
} from "./detector.js";
export { DetectorDriver } from "./driver.js";
export { FEATURE_NAMES, FEATURES, type Feature, type FeatureContext } from "./features.js";
export { type FitModelOptions, fitAccountModel, type TrainingRow } from "./fit.js";
export type { AccountModel } from "./model.js";
export { ipv4ToInt, type PartnerIntel, type PartnerRef } from "./partner.js";
export { DEFAULT_UNSUPPORTED_REGIONS, type Scored } from "./score.js";
export { StateError } from "./state.js";
