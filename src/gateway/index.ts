// Public surface of the gateway: the reverse proxy, its configuration file and the mock
// upstream it is tested against.

export { ADMIN_PATHS, createAdminApp } from "./admin.js";
export { type Capture, captureFor, MAX_CAPTURE } from "./capture.js";
export {
  checkGatewayConfig,
  GatewayConfigError,
  type GatewayConfigFile,
  GatewayConfigSchema,
  type LoadedConfig,
  loadGatewayConfig,
  type ScoringMode,
  type ScoringSettings,
} from "./config.js";
export { createGatewayHandler, type GatewayHandler, MAX_REQUEST_DEPTH } from "./handler.js";
export { clientAddress, clientHeaders, upstreamHeaders } from "./headers.js";
export { keyDigest } from "./keys.js";
export { JsonlLog, type JsonlLogOptions } from "./log.js";
export {
  MOCK_CONTROL_HEADERS,
  MOCK_MODELS,
  type MockUpstream,
  type MockUpstreamOptions,
  startMockUpstream,
} from "./mock-upstream.js";
export {
  ACTIONS,
  type Action,
  type Decision,
  Policy,
  PolicyError,
  type PolicyFile,
  PolicyFileWatch,
  PolicySchema,
  type Subject,
} from "./policy.js";
export { type Applied, asksReasoning, GatewayProtection, type ProtectionSettings } from "./protect.js";
export { type Gateway, startGateway } from "./proxy.js";
export { exchangeRecord, type GatewayRecord, type ProtectionNote } from "./record.js";
export {
  DecisionCounts,
  LiveScorer,
  type LiveScorerOptions,
  MAX_PENDING_STORE,
  type SaveResult,
  type Scorer,
  type Standing,
  type StandingUpdate,
  type StoreOptions,
} from "./scoring.js";
export {
  createScorer,
  ThreadScorer,
  type ThreadScorerOptions,
  threadScoringAvailable,
} from "./scoring-thread.js";
export {
  type Overlap,
  SIGNUP_LOOKUPS,
  type Signup,
  type SignupRisk,
  SignupSchema,
  signupRisk,
  signupRiskFrom,
  type Verification,
} from "./signup.js";
export type { Caller, GatewayConfig, GatewayKey, UpstreamConfig, UpstreamKind } from "./types.js";
