// The gateway's configuration and the caller it establishes for each request.
import type { AccountRecord, ExchangeRecord } from "../contract/index.js";
import type { Decision, Policy } from "./policy.js";
import type { GatewayProtection } from "./protect.js";
import type { Scorer, Standing } from "./scoring.js";

export type UpstreamKind = "anthropic" | "openai";

export interface UpstreamConfig {
  /** origin (and optional base path) of the API, e.g. https://api.anthropic.com */
  readonly url: string;
  /** the provider-side key the gateway presents upstream; never shown to clients or logged */
  readonly apiKey: string;
}

export interface GatewayKey {
  /** hex SHA-256 of the key clients present */
  readonly sha256: string;
  readonly accountId: string;
  readonly orgId?: string | undefined;
}

export interface GatewayConfig {
  readonly upstreams: Partial<Record<UpstreamKind, UpstreamConfig>>;
  readonly keys: readonly GatewayKey[];
  /** peers whose X-Forwarded-For is believed (exact addresses) */
  readonly trustedProxies?: readonly string[];
  /** request fields passed on beyond the built-in allow-list (lower case; credentials and hop-by-hop fields never are) */
  readonly forwardHeaders?: readonly string[];
  /** time allowed for the upstream's response headers, and between body chunks (ms) */
  readonly upstreamTimeoutMs?: number;
  /** largest request body accepted (bytes) */
  readonly maxBodyBytes?: number;
  /**
   * request-body bytes held at once across all requests (default 256 MiB, at least
   * maxBodyBytes); a request that would pass it is answered 503 with retry-after
   */
  readonly maxBufferedBytes?: number;
  /**
   * Receives each proxied exchange, once its answer has been passed on, as a contract
   * record (src/contract): the request as sent, the response body (a stream assembled
   * into the body a non-streaming call returns) and the status.
   */
  readonly onExchange?: (record: ExchangeRecord, caller: Caller, line: string) => void;
  /** scores each exchange with the detector; a request reads its account's standing from it */
  readonly scorer?: Scorer;
  /** the clock (ms since the epoch); default Date.now */
  readonly now?: () => number;
  /** the policy in force (a PolicyFileWatch reloads its file); none: every request is allowed */
  readonly policy?: { current(): Policy };
  /** decide and log, never act */
  readonly dryRun?: boolean;
  /** sign-up metadata, for policy rules on account attributes */
  readonly accounts?: ReadonlyMap<string, AccountRecord>;
  /** every policy decision, with its reasons, acted on or not (dry run) */
  readonly onDecision?: (decision: Decision, caller: Caller, acted: boolean) => void;
  /** told of each request the `protect` action applies to (protection itself is `protection`) */
  readonly protect?: (caller: Caller, decision: Decision) => void;
  /** output protection: what `protect` does to answers, and signatures on every reasoning trace */
  readonly protection?: GatewayProtection;
  /** hex SHA-256 of the admin keys: GET /metrics and POST /distillguard/v1/signup-risk (none: both off) */
  readonly adminKeys?: readonly string[];
  /**
   * told when an exchange could not be recorded (its record not serialised, the log or the
   * scorer failing): each is also counted in /metrics. Default: a line on stderr.
   */
  readonly onLogError?: (error: Error, exchangeId: string, stage: "serialise" | "log" | "score") => void;
  /**
   * told of an error that no part of the request's handling caught (the client was answered
   * 500, or its connection closed if the answer had begun); default: a line on stderr. The
   * message only: a request's body or keys are never in it.
   */
  readonly onError?: (error: Error, route: string) => void;
}

/** Who is calling, as the gateway established it. */
export interface Caller {
  readonly accountId: string;
  readonly orgId: string | undefined;
  readonly ip: string;
  /** the account's standing when the request arrived (with a scorer), before this exchange */
  readonly standing: Standing | undefined;
}
