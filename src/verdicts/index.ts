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
  WELL_EVIDENCED,
} from "./detector.js";
export { CHECKPOINT_MS, DetectorDriver, decodeAccount, type SavedAccount } from "./driver.js";
export { FEATURE_NAMES, FEATURES, type Feature, type FeatureContext, featureValues } from "./features.js";
export { type FitModelOptions, fitAccountModel, type TrainingRow } from "./fit.js";
export {
  ACCOUNT_MODEL_URL,
  type AccountModel,
  checkModel,
  HAND_SET_MODEL,
  shippedAccountModel,
} from "./model.js";
export {
  ipv4ToInt,
  PARTNER_CAP,
  PARTNER_WEIGHTS,
  PartnerHits,
  type PartnerIntel,
  type PartnerKind,
  type PartnerRef,
} from "./partner.js";
export { DEFAULT_UNSUPPORTED_REGIONS, type Scored, type ScoreOptions, scoreProfile } from "./score.js";
export { StateError } from "./state.js";
