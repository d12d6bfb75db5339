// The gateway's HTTP surface: a reverse proxy for Anthropic Messages, OpenAI Chat
// Completions and the models list, streaming included. It authenticates the caller
// with a gateway key (kept as a SHA-256 hash), swaps it for the upstream's key, works
// out the client address, and passes the upstream's answer through as it arrives:
// status, end-to-end headers, body and event order. Hop-by-hop headers are dropped in
// both directions (RFC 9110 §7.6.1). A client that goes away cancels the upstream request.
import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { isIP } from "node:net";
import { type Dispatcher, Pool } from "undici";
import { type AccountRecord, type ExchangeRecord, jsonDepth } from "../contract/index.js";
import { listen } from "../http/index.js";
import type { BodyTransform } from "../protection/index.js";
import { DEFAULT_UNSUPPORTED_REGIONS } from "../verdicts/index.js";
import { ByteBudget, readBody, readBodyWithin, sendJson } from "./_body.js";
import { checkAgainst } from "./_json.js";
import { type Capture, captureFor } from "./capture.js";
import { GatewayMetrics } from "./metrics.js";
import type { Decision, Policy } from "./policy.js";
import { type Applied, asksReasoning, type GatewayProtection } from "./protect.js";
import type { Scorer, Standing } from "./scoring.js";
import { type Signup, SignupSchema } from "./signup.js";

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

/** Deepest nesting of arrays and objects a recorded request may have (refused with a 400 past it). */
export const MAX_REQUEST_DEPTH = 128;

/** Who is calling, as the gateway established it. */
export interface Caller {
  readonly accountId: string;
  readonly orgId: string | undefined;
  readonly ip: string;
  /** the account's standing when the request arrived (with a scorer), before this exchange */
  readonly standing: Standing | undefined;
}

export interface Gateway {
  readonly url: string;
  readonly server: Server;
  readonly metrics: GatewayMetrics;
  close(): Promise<void>;
}

function trimSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47 /* / */) end--;
  return path.slice(0, end);
}

/** Hex SHA-256 of a client or admin key: what the configuration stores instead of the key. */
export function keyDigest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Hop-by-hop header fields (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * The request fields passed on to the upstream: an allow-list, so that nothing naming
 * someone else (cookies, an organisation, another proxy's client address) rides along
 * with the provider's key. The gateway sets the credentials, `x-forwarded-for` and the
 * length itself; `expect` is answered here (Node sends 100 Continue) and never forwarded.
 */
const FORWARDED_COMMON = [
  "content-type",
  "accept",
  "accept-encoding",
  "accept-language",
  "user-agent",
  "idempotency-key",
] as const;
const FORWARDED: Readonly<Record<UpstreamKind, ReadonlySet<string>>> = {
  anthropic: new Set([...FORWARDED_COMMON, "anthropic-version", "anthropic-beta"]),
  openai: new Set([...FORWARDED_COMMON, "openai-beta"]),
};
/** Fields no configuration passes on: the gateway's own to set, or the client's credentials. */
const NEVER_FORWARDED = new Set([
  "host",
  "content-length",
  "authorization",
  "x-api-key",
  "x-forwarded-for",
  "forwarded",
  "expect",
  "cookie",
]);
/** The official SDKs' own description of themselves (language, version, retry count), passed on for both APIs. */
const SDK_FIELDS = "x-stainless-";

const NO_TOKENS: ReadonlySet<string> = new Set();

function connectionTokens(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): ReadonlySet<string> {
  const c = headers.connection;
  if (c === undefined) return NO_TOKENS;
  const list = Array.isArray(c) ? c.join(",") : (c ?? "");
  return new Set(
    list
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The end-to-end request headers to send upstream, with the upstream's credentials. */
export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  kind: UpstreamKind,
  upstream: UpstreamConfig,
  clientIp: string,
  extra: ReadonlySet<string> = NO_TOKENS,
): Record<string, string> {
  const named = connectionTokens(headers);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    if (!FORWARDED[kind].has(k) && !k.startsWith(SDK_FIELDS) && !(extra.has(k) && !NEVER_FORWARDED.has(k)))
      continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  if (kind === "anthropic") {
    out["x-api-key"] = upstream.apiKey;
    out["anthropic-version"] ??= "2023-06-01";
  } else out.authorization = `Bearer ${upstream.apiKey}`;
  out["x-forwarded-for"] = clientIp;
  return out;
}

/** The end-to-end response headers to pass to the client. */
export function clientHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const named = connectionTokens(headers);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = v;
  }
  return out;
}

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. An entry that is not
 * a valid IPv4 or IPv6 address is never taken: the walk stops at the trusted hop before it.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trusted: ReadonlySet<string>,
): string {
  const bare = (a: string): string => (a.startsWith("::ffff:") ? a.slice(7) : a);
  let ip = bare(peer);
  if (!trusted.has(ip) || forwardedFor === undefined) return ip;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((h) => bare(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    // only an address is an address: a name or garbage stops the walk at the last trusted hop
    if (isIP(hop) === 0) break;
    ip = hop;
    if (!trusted.has(ip)) break;
  }
  return ip;
}

/**
 * An error in the shape the caller's API uses; `extra` adds fields where each SDK shows
 * them (Anthropic: beside `error`, the body the SDK exposes; OpenAI: inside `error`),
 * `headers` adds response fields.
 */
function apiError(
  res: ServerResponse,
  kind: UpstreamKind,
  status: number,
  type: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body =
    kind === "anthropic"
      ? { type: "error", error: { type, message }, ...extra }
      : { error: { message, type, code: null, ...extra } };
  sendJson(res, status, body, headers);
}

/** Answers for a policy decision that stops the request; returns whether it did. */
function enforce(res: ServerResponse, kind: UpstreamKind, d: Decision): boolean {
  const why = { action: d.action, rule: d.rule, reasons: d.reasons };
  if (d.action === "block") {
    apiError(res, kind, 403, "permission_error", "access to this API is suspended for this account", {
      distillguard: why,
    });
    return true;
  }
  if (d.action === "challenge") {
    apiError(
      res,
      kind,
      403,
      "permission_error",
      "this account must complete verification before further use",
      {
        distillguard: { ...why, verification: "required" },
      },
    );
    return true;
  }
  if (d.action === "throttle" && d.limited) {
    apiError(
      res,
      kind,
      429,
      "rate_limit_error",
      "rate limited by policy",
      { distillguard: why },
      {
        "retry-after": String(d.limited.retryAfterS),
      },
    );
    return true;
  }
  return false;
}

/** Which API a request speaks: by path, and for the models list by the client's headers. */
function routeOf(method: string, path: string, headers: IncomingHttpHeaders): UpstreamKind | undefined {
  if (method === "POST" && path === "/v1/messages") return "anthropic";
  if (method === "POST" && path === "/v1/chat/completions") return "openai";
  if (method === "GET" && path === "/v1/models")
    return headers["anthropic-version"] !== undefined || headers["x-api-key"] !== undefined
      ? "anthropic"
      : "openai";
  return undefined;
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const x = headers["x-api-key"];
  if (typeof x === "string" && x.length > 0) return x;
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  return undefined;
}

/** Valid keys remembered by the gateway so as not to hash them on every request. */
const KNOWN_KEYS = 100_000;

/** How a forwarded request ended. */
type Outcome =
  | { readonly kind: "done"; readonly status: number; readonly capture: Capture | undefined }
  /**
   * the client went away; the upstream request was cancelled. `status` is 0 when it went
   * before the answer began; otherwise part of the answer (captured) had been sent
   */
  | { readonly kind: "aborted"; readonly status: number; readonly capture: Capture | undefined }
  /** no answer from the upstream (nothing was sent to the client) */
  | { readonly kind: "failed"; readonly error: Error }
  /** the upstream's answer broke off part-way (or stalled past the time limit); the client's connection was ended */
  | {
      readonly kind: "cut";
      readonly status: number;
      readonly capture: Capture | undefined;
      readonly timedOut: boolean;
    };

/**
 * Forwards one request with undici's dispatcher interface and streams the answer to the
 * client as it arrives: no stream objects, pipelines or abort controllers per request,
 * and a small non-streamed answer leaves in one write (headers and body together; an
 * event stream's headers are sent at once). The client's back-pressure pauses the
 * upstream; the client going away aborts it. `onStart` sees the status and headers and
 * may return a capture, given every body chunk as sent, and a transform that rewrites the
 * body (output protection).
 */
function forward(
  pool: Pool,
  request: { path: string; method: "GET" | "POST"; headers: Record<string, string>; body: Buffer | null },
  res: ServerResponse,
  onStart: (
    status: number,
    headers: IncomingHttpHeaders,
  ) => { capture: Capture | undefined; transform: BodyTransform | undefined },
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let gone = false;
    let started = false;
    let status = 0;
    let capture: Capture | undefined;
    let transform: BodyTransform | undefined;
    const send = (c: Dispatcher.DispatchController, bytes: Buffer): void => {
      if (bytes.length === 0) return;
      capture?.push(bytes);
      if (!res.write(bytes)) {
        c.pause();
        res.once("drain", () => c.resume());
      }
    };
    const onClose = (): void => {
      if (res.writableFinished || gone) return;
      gone = true;
      controller?.abort(new Error("the client closed the connection"));
    };
    res.once("close", onClose);
    pool.dispatch(request, {
      onRequestStart(c) {
        controller = c;
        if (gone) c.abort(new Error("the client closed the connection"));
      },
      onResponseStart(_c, statusCode, headers) {
        if (statusCode < 200) return; // informational: not passed on
        started = true;
        status = statusCode;
        ({ capture, transform } = onStart(statusCode, headers));
        const out = clientHeaders(headers);
        // a rewritten body has a length of its own
        if (transform) delete out["content-length"];
        res.writeHead(statusCode, out);
        if (String(headers["content-type"] ?? "").startsWith("text/event-stream")) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        send(c, transform ? transform.push(chunk) : chunk);
      },
      onResponseEnd(c) {
        if (transform) send(c, transform.end());
        res.end();
        resolve({ kind: "done", status, capture });
      },
      onResponseError(_c, error) {
        if (gone) resolve({ kind: "aborted", status: started ? status : 0, capture });
        else if (!started) resolve({ kind: "failed", error });
        else {
          res.destroy();
          const code = (error as { code?: string }).code;
          resolve({ kind: "cut", status, capture, timedOut: code === "UND_ERR_BODY_TIMEOUT" });
        }
      },
    });
  });
}

export async function startGateway(
  config: GatewayConfig,
  opts: { host?: string; port?: number } = {},
): Promise<Gateway> {
  const keys = new Map(config.keys.map((k) => [k.sha256.toLowerCase(), k]));
  // valid keys already seen, so that a request does not hash its key again; unknown keys
  // are not kept (nobody can fill this by guessing), and it is emptied if it grows past the cap
  const known = new Map<string, GatewayKey>();
  const lookupKey = (presented: string): GatewayKey | undefined => {
    const hit = known.get(presented);
    if (hit) return hit;
    const key = keys.get(keyDigest(presented));
    if (key) {
      if (known.size >= KNOWN_KEYS) known.clear();
      known.set(presented, key);
    }
    return key;
  };
  const trusted = new Set(config.trustedProxies ?? []);
  const forwardExtra: ReadonlySet<string> = new Set(
    (config.forwardHeaders ?? []).map((h) => h.toLowerCase()),
  );
  const timeout = config.upstreamTimeoutMs ?? 120_000;
  const maxBody = config.maxBodyBytes ?? 32 * 1024 * 1024;
  const buffered = new ByteBudget(config.maxBufferedBytes ?? Math.max(maxBody, 256 * 1024 * 1024));
  const pools = new Map<UpstreamKind, { pool: Pool; base: string; upstream: UpstreamConfig }>();
  let sequence = 0;
  const now = config.now ?? Date.now;
  for (const kind of ["anthropic", "openai"] as const) {
    const u = config.upstreams[kind];
    if (!u) continue;
    const parsed = new URL(u.url);
    pools.set(kind, {
      pool: new Pool(parsed.origin, { connections: 128, headersTimeout: timeout, bodyTimeout: timeout }),
      base: trimSlashes(parsed.pathname),
      upstream: u,
    });
  }

  const metrics = new GatewayMetrics();
  const admins = new Set((config.adminKeys ?? []).map((k) => k.toLowerCase()));

  const isAdmin = (req: IncomingMessage): boolean => {
    const presented = presentedKey(req.headers);
    return presented !== undefined && admins.has(keyDigest(presented));
  };

  const serveMetrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isAdmin(req)) {
      apiError(
        res,
        "openai",
        admins.size === 0 ? 404 : 401,
        "authentication_error",
        "metrics need an admin key",
      );
      return;
    }
    const text = await metrics.text();
    res.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const unsupported = new Set(DEFAULT_UNSUPPORTED_REGIONS);
  const serveSignupRisk = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isAdmin(req)) {
      apiError(res, "openai", 401, "authentication_error", "sign-up risk needs an admin key");
      return;
    }
    if (!config.scorer) {
      apiError(res, "openai", 501, "not_found_error", "this gateway runs without a scorer");
      return;
    }
    const body = await readBody(req, 64 * 1024);
    let input: Signup;
    try {
      const raw: unknown = JSON.parse(body?.toString("utf8") ?? "");
      checkAgainst(SignupSchema, "body", raw, (m) => new Error(m));
      input = raw as Signup;
    } catch (err) {
      apiError(res, "openai", 400, "invalid_request_error", (err as Error).message.slice(0, 500));
      return;
    }
    sendJson(res, 200, await config.scorer.signupRisk(input, unsupported));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const query = (req.url ?? "").slice(path.length);
    if (req.method === "GET" && path === "/metrics") {
      await serveMetrics(req, res);
      return;
    }
    if (req.method === "POST" && path === "/distillguard/v1/signup-risk") {
      await serveSignupRisk(req, res);
      return;
    }
    const kind = routeOf(req.method ?? "", path, req.headers);
    const route = kind === undefined ? "other" : path;
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    res.once("close", () => {
      metrics.requests.inc({ route, status: String(res.statusCode) });
      metrics.duration.observe({ route }, seconds());
    });
    if (kind === undefined) {
      apiError(res, "openai", 404, "not_found_error", `no route for ${req.method} ${path}`);
      return;
    }
    const presented = presentedKey(req.headers);
    const key = presented === undefined ? undefined : lookupKey(presented);
    if (!key) {
      apiError(res, kind, 401, "authentication_error", "invalid API key for this gateway");
      return;
    }
    const target = pools.get(kind);
    if (!target) {
      apiError(res, kind, 501, "not_found_error", `this gateway has no ${kind} upstream`);
      return;
    }
    const caller: Caller = {
      accountId: key.accountId,
      orgId: key.orgId,
      ip: clientAddress(req.socket.remoteAddress ?? "", req.headers["x-forwarded-for"], trusted),
      standing: config.scorer?.standing(key.accountId),
    };
    let body: Buffer | undefined;
    if (req.method === "POST") {
      const read = await readBodyWithin(req, maxBody, buffered);
      if (read.kind === "too_large") {
        apiError(res, kind, 413, "request_too_large", `request body over ${maxBody} bytes`);
        return;
      }
      if (read.kind === "busy") {
        metrics.overloaded.inc();
        apiError(
          res,
          kind,
          503,
          kind === "anthropic" ? "overloaded_error" : "server_error",
          "the gateway is busy: retry shortly",
          {},
          { "retry-after": "1" },
        );
        return;
      }
      body = read.body;
      // the body's bytes count against the shared budget until the answer is done
      const charged = read.charged;
      res.once("close", () => buffered.give(charged));
    }
    let protecting = false;
    if (config.policy) {
      const decision = await config.policy.current().decide({
        accountId: caller.accountId,
        orgId: caller.orgId,
        standing: caller.standing,
        account: config.accounts?.get(caller.accountId),
      });
      const acting = !config.dryRun && decision.action !== "allow";
      metrics.decisions.inc({ action: decision.action, acted: String(acting) });
      config.scorer?.decided(decision.action, acting, now());
      config.onDecision?.(decision, caller, acting);
      if (acting && enforce(res, kind, decision)) return;
      if (acting && decision.action === "protect") {
        protecting = true;
        config.protect?.(caller, decision);
      }
    }
    const arrived = now();
    const exchangeId = `gx_${arrived.toString(36)}${(++sequence).toString(36).padStart(6, "0")}`;
    const protection = req.method === "POST" ? config.protection : undefined;
    const reasoning = protection !== undefined && asksReasoning(body);
    let applied: Applied | undefined;
    const scorer = config.scorer;
    const failed = (stage: "serialise" | "log" | "score", error: unknown): void => {
      metrics.logFailures.inc({ stage });
      const e = error instanceof Error ? error : new Error(String(error));
      if (config.onLogError) config.onLogError(e, exchangeId, stage);
      else process.stderr.write(`gateway: exchange ${exchangeId} not recorded (${stage}): ${e.message}\n`);
    };
    const log =
      config.onExchange || scorer
        ? (record: ExchangeRecord): void => {
            // one JSON line for the log and the scorer; a failure is counted and reported, never dropped silently
            let line: string;
            try {
              line = JSON.stringify(record);
            } catch (e) {
              failed("serialise", e);
              return;
            }
            try {
              config.onExchange?.(record, caller, line);
            } catch (e) {
              failed("log", e);
            }
            try {
              scorer?.observe(record, line);
            } catch (e) {
              failed("score", e);
            }
          }
        : undefined;
    // when exchanges are recorded, a request must be one the log can hold: a JSON object of
    // bounded depth (anything else would leave with an answer and no record)
    let request: Record<string, unknown> | undefined;
    if (log && req.method === "POST") {
      const text = (body ?? Buffer.alloc(0)).toString("utf8");
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        v = undefined;
      }
      if (v === null || typeof v !== "object" || Array.isArray(v)) {
        apiError(res, kind, 400, "invalid_request_error", "the request body must be a JSON object");
        return;
      }
      if (jsonDepth(text, MAX_REQUEST_DEPTH) > MAX_REQUEST_DEPTH) {
        apiError(
          res,
          kind,
          400,
          "invalid_request_error",
          `the request body nests deeper than ${MAX_REQUEST_DEPTH} levels`,
        );
        return;
      }
      request = v as Record<string, unknown>;
    }
    const capturing = log !== undefined && request !== undefined;
    const headers = upstreamHeaders(req.headers, kind, target.upstream, caller.ip, forwardExtra);
    // an answer that is recorded or may be rewritten must arrive uncompressed (the log reads it)
    if (capturing || (protection && (protecting || reasoning))) delete headers["accept-encoding"];
    const outcome = await forward(
      target.pool,
      {
        path: `${target.base}${path}${query}`,
        method: req.method === "POST" ? "POST" : "GET",
        headers,
        body: body ?? null,
      },
      res,
      (status, headers) => {
        metrics.firstByte.observe({ route }, seconds());
        const stream = String(headers["content-type"] ?? "").startsWith("text/event-stream");
        const encoded =
          headers["content-encoding"] !== undefined && headers["content-encoding"] !== "identity";
        if (protection && status === 200 && !encoded)
          applied = protection.plan({
            kind,
            stream,
            protect: protecting,
            asksReasoning: reasoning,
            accountId: caller.accountId,
            campaignId: caller.standing?.campaignId,
            exchangeId,
            at: arrived,
          });
        return {
          capture: capturing ? captureFor(kind, stream) : undefined,
          transform: applied?.transform,
        };
      },
    );
    if (outcome.kind === "failed") {
      const code = (outcome.error as { code?: string }).code;
      const timedOut = code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT";
      metrics.upstreamErrors.inc({ kind: timedOut ? "timeout" : "connection" });
      apiError(
        res,
        kind,
        timedOut ? 504 : 502,
        "api_error",
        timedOut ? "upstream timed out" : "upstream unavailable",
      );
      return;
    }
    if (outcome.kind === "cut")
      metrics.upstreamErrors.inc({ kind: outcome.timedOut ? "body_timeout" : "stream_cut" });
    if (outcome.kind === "aborted") metrics.clientAborts.inc({ route });
    // every exchange is logged and scored, whole or cut: a client that hangs up after the
    // last text delta has the answer
    const truncated =
      outcome.kind === "aborted"
        ? "client_aborted"
        : outcome.kind === "cut"
          ? outcome.timedOut
            ? "timeout"
            : "upstream_cut"
          : undefined;
    const capture = outcome.capture;
    if (log && request)
      log({
        id: exchangeId,
        ts: new Date(arrived).toISOString(),
        account_id: caller.accountId,
        ...(caller.orgId === undefined ? {} : { org_id: caller.orgId }),
        key_id: key.sha256.slice(0, 16),
        client: {
          ip: caller.ip,
          ...(typeof req.headers["user-agent"] === "string" ? { user_agent: req.headers["user-agent"] } : {}),
        },
        api: kind === "anthropic" ? "anthropic.messages" : "openai.chat",
        request,
        response: capture?.result(truncated !== undefined) ?? null,
        // 499: the client closed the connection before the answer began (nginx's convention)
        status: outcome.status === 0 ? 499 : outcome.status,
        ...(truncated === undefined ? {} : { truncated }),
        ...(applied
          ? {
              protection: {
                watermark: applied.watermark ?? null,
                shield: applied.shield,
                traces_signed: applied.transform.report.signed,
                words_changed: applied.transform.report.watermark.changed,
              },
            }
          : {}),
      } as ExchangeRecord);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const route = (req.url ?? "").split("?")[0] ?? "";
      if (config.onError) config.onError(e, route);
      else process.stderr.write(`gateway: ${req.method ?? ""} ${route} failed: ${e.message}\n`);
      if (!res.headersSent) apiError(res, "openai", 500, "api_error", "gateway error");
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const addr = await listen(server, opts.port ?? 0, opts.host ?? "127.0.0.1");
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    metrics,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((p) => p.pool.close()));
    },
  };
}
