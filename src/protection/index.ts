// Public surface of output protection: the keyed lexical watermark, reasoning-trace
// shielding and signatures, the answer transforms the gateway applies, and the test for
// models trained on marked outputs.
export { keyedHash32 } from "./_prf.js";
export {
  DatasetsMissing,
  type ExperimentOptions,
  type ExperimentResult,
  type ExperimentRow,
  type QualityCost,
  qualityCost,
  runExperiment,
  teacherAnswers,
} from "./experiment.js";
export { detokenize, EOS, NGramModel, rng, tokenize } from "./ngram.js";
export { SYNONYM_GROUPS, type SynonymGroup } from "./synonyms.js";
export {
  type Shield,
  SUMMARY_CHARS,
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
export {
  type Contexts,
  calibrateNull,
  contextsOf,
  erfc,
  type KeyResult,
  type ModelTest,
  type NullFit,
  normalTail,
  Reference,
  testKey,
  testModel,
  zScore,
} from "./verify.js";
export {
  deriveKey,
  isoWeek,
  KeyedChoice,
  type Occurrence,
  occurrencesOf,
  Watermarker,
  type WatermarkKey,
  type WatermarkStats,
  watermarkText,
} from "./watermark.js";
