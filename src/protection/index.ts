// Public surface of output protection: the keyed lexical watermark, reasoning-trace
// shielding and signatures, the answer transforms the gateway applies, and the test for
// models trained on marked outputs.
export { keyedHash32 } from "./_prf.js";
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
