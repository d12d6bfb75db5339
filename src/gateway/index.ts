// Public surface of the gateway: the reverse proxy, its configuration file and the mock
// upstream it is tested against.

export {
  GatewayConfigError,
  type GatewayConfigFile,
  GatewayConfigSchema,
  type LoadedConfig,
  loadGatewayConfig,
  type ScoringMode,
  type ScoringSettings,
} from "./config.js";
export { type DecisionLine, DecisionLog } from "./decision-log.js";
export { createGatewayHandler, type GatewayHandler } from "./handler.js";
export { keyDigest } from "./keys.js";
export { JsonlLog, type JsonlLogOptions } from "./log.js";
export {
  MOCK_CONTROL_HEADERS,
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

export {
  DecisionCounts,
  LiveScorer,
  type LiveScorerOptions,
  type SaveResult,
  type Scorer,
  type Standing,
} from "./scoring.js";
export { createScorer, ThreadScorer, type ThreadScorerOptions } from "./scoring-thread.js";
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
