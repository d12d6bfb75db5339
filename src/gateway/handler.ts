// The gateway's request handler: authenticate the caller, apply the policy, forward the
// request upstream and stream the answer back (forward.ts, on undici: the hot path), record
// the exchange for the log and the scorer (record.ts), and pass admin routes to their hono
// app (admin.ts). `startGateway` (proxy.ts) serves it on a port; tests of the handler's parts
// run in-process, the proxy's own suite on a real port.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Pool } from "undici";
import { jsonDepth } from "../contract/index.js";
import { fetchListener } from "../http/index.js";
import { ByteBudget, readBodyWithin } from "./_body.js";
import { ADMIN_PATHS, createAdminApp } from "./admin.js";
import { apiError, enforce } from "./answers.js";
import { captureFor } from "./capture.js";
import { forward } from "./forward.js";
import { clientAddress, upstreamHeaders } from "./headers.js";
import { AdminKeys, KeyCache, presentedKey } from "./keys.js";
import { GatewayMetrics } from "./metrics.js";
import { type Applied, asksReasoning } from "./protect.js";
import { exchangeRecord, type GatewayRecord } from "./record.js";
import type { Caller, GatewayConfig, UpstreamConfig, UpstreamKind } from "./types.js";

/** Deepest nesting of arrays and objects a recorded request may have (refused with a 400 past it). */
export const MAX_REQUEST_DEPTH = 128;

export interface GatewayHandler {
  /** answers one request (errors nothing caught are the caller's: startGateway reports them) */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  readonly metrics: GatewayMetrics;
  /** closes the upstream connection pools */
  close(): Promise<void>;
}

function trimSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47 /* / */) end--;
  return path.slice(0, end);
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

export function createGatewayHandler(config: GatewayConfig): GatewayHandler {
  const keys = new KeyCache(config.keys);
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
  const adminApp = createAdminApp({
    admins: new AdminKeys(config.adminKeys ?? []),
    metrics,
    scorer: config.scorer,
  });
  const admin = fetchListener(adminApp.fetch);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const query = (req.url ?? "").slice(path.length);
    if (ADMIN_PATHS.has(path)) {
      await admin(req, res);
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
    const key = presented === undefined ? undefined : keys.lookup(presented);
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
        ? (record: GatewayRecord): void => {
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
      log(
        exchangeRecord({
          exchangeId,
          arrived,
          caller,
          keyId: key.sha256.slice(0, 16),
          userAgent: typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : undefined,
          kind,
          request,
          response: capture?.result(truncated !== undefined),
          status: outcome.status,
          truncated,
          applied,
        }),
      );
  };

  return {
    handle,
    metrics,
    close: async () => {
      metrics.close();
      await Promise.all([...pools.values()].map((p) => p.pool.close()));
    },
  };
}
