// Public surface of the gateway: the reverse proxy, its configuration file and the mock
// upstream it is tested against.

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
export {
  type Caller,
  clientAddress,
  clientHeaders,
  type Gateway,
  type GatewayConfig,
  type GatewayKey,
  keyDigest,
  MAX_REQUEST_DEPTH,
  startGateway,
  type UpstreamConfig,
  type UpstreamKind,
  upstreamHeaders,
} from "./proxy.js";
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
