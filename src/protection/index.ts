// Public surface of output protection: the keyed lexical watermark, reasoning-trace
// shielding and signatures, the answer transforms the gateway applies, and the test for
// models trained on marked outputs.

export {
  DatasetsMissing,
  type ExperimentOptions,
  type ExperimentResult,
  type ExperimentRow,
  experimentKey,
  heldOutTeacherAnswers,
  type NumericCheck,
  numericCheck,
  type QualityCost,
  qualityCost,
  runExperiment,
  teacherAnswers,
} from "./experiment.js";
export {
  type CarrierGroup,
  Carriers,
  Lexicon,
  type Pos,
  pluralOf,
  type UniverseOptions,
  universe,
  WordFacts,
  wordnet,
} from "./lexicon.js";
export { rng, tokenize } from "./ngram.js";
export {
  chain,
  pairOrderRemover,
  publicGroupsRemover,
  type Remover,
  removerCost,
  structuralRemover,
  universeRemover,
  wordnetRemover,
} from "./removers.js";
export {
  type Shield,
  shieldTrace,
  type TraceCheck,
  type TraceContext,
  type TracePayload,
  TraceSigner,
} from "./trace.js";
export {
  type ApiKind,
  type BodyTransform,
  type ProtectOptions,
  type ProtectReport,
  protectTransform,
} from "./transform.js";
export { combineChannels, type ModelTest, Reference, servedGroups, testModel } from "./verify.js";
export {
  carrierKey,
  carriersFor,
  channelAt,
  DEFAULT_MAX_CHANGED_SHARE,
  deriveKey,
  isoWeek,
  KeyedChoice,
  type Occurrence,
  occurrencesOf,
  probeLength,
  Watermarker,
  type WatermarkKey,
  type WatermarkStats,
  watermarkText,
} from "./watermark.js";
