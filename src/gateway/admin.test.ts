// The gateway's parts that need no port: the admin routes (hono, in-process), the key cache
// and the exchange record builder. gateway.test.ts runs the whole proxy on a real port.
import { describe, expect, it } from "vitest";
import { checkers, checkLines, type InputIssue } from "../contract/index.js";
import { createAdminApp } from "./admin.js";
import { AdminKeys, KeyCache, keyDigest, presentedKey } from "./keys.js";
import { GatewayMetrics } from "./metrics.js";
import { exchangeRecord } from "./record.js";
import { LiveScorer } from "./scoring.js";
import type { Caller } from "./types.js";

const ADMIN = "admin-secret";
const admins = new AdminKeys([keyDigest(ADMIN).toUpperCase()]);
const asAdmin = { authorization: `Bearer ${ADMIN}` };

describe("event-loop delay", () => {
  const series = (text: string, name: string): number => {
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    if (line === undefined) throw new Error(`no ${name} in the metrics`);
    return Number(line.slice(name.length + 1));
  };
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it("reports a block of the thread, per scrape, and keeps the largest since start", async () => {
    const metrics = new GatewayMetrics();
    try {
      await pause(40); // a few samples of an idle loop
      // an idle loop is not late: the monitor's own interval is not counted as delay
      const idle = await metrics.text();
      expect(series(idle, 'distillguard_gateway_event_loop_delay_seconds{quantile="0.5"}')).toBeLessThan(
        0.005,
      );
      await pause(40);
      const blockMs = 80;
      const until = performance.now() + blockMs;
      while (performance.now() < until) {
        // hold the thread, as a synchronous checkpoint would
      }
      await pause(30); // let the monitor's late timer record the delay
      const first = await metrics.text();
      const worst = series(first, 'distillguard_gateway_event_loop_delay_seconds{quantile="1"}');
      expect(worst).toBeGreaterThanOrEqual((blockMs * 0.8) / 1000);
      expect(series(first, "distillguard_gateway_event_loop_delay_max_seconds")).toBe(worst);
      expect(series(first, "distillguard_gateway_event_loop_delay_samples")).toBeGreaterThan(0);
      // the next scrape covers only what happened since: no block, so a far smaller worst case
      await pause(60);
      const second = await metrics.text();
      expect(series(second, 'distillguard_gateway_event_loop_delay_seconds{quantile="1"}')).toBeLessThan(
        worst / 2,
      );
      expect(series(second, "distillguard_gateway_event_loop_delay_max_seconds")).toBe(worst);
    } finally {
      metrics.close();
    }
  });
});

describe("admin routes, in-process", () => {
  it("serve /metrics to an admin key only, and not at all without one configured", async () => {
    const metrics = new GatewayMetrics();
    metrics.decisions.inc({ action: "block", acted: "true" });
    const app = createAdminApp({ admins, metrics, scorer: undefined });
    expect((await app.request("/metrics")).status).toBe(401);
    expect((await app.request("/metrics", { headers: { "x-api-key": "client-key" } })).status).toBe(401);
    const r = await app.request("/metrics", { headers: asAdmin });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe(metrics.contentType);
    expect(await r.text()).toMatch(/distillguard_gateway_decisions_total\{action="block",acted="true"\} 1/);
    const off = createAdminApp({ admins: new AdminKeys([]), metrics, scorer: undefined });
    const closed = await off.request("/metrics", { headers: asAdmin });
    expect(closed.status).toBe(404);
    expect(((await closed.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
  });

  it("answer a sign-up's risk, refusing bodies that are not a sign-up or are too large", async () => {
    const metrics = new GatewayMetrics();
    const post = (
      app: ReturnType<typeof createAdminApp>,
      body: string,
      headers = asAdmin,
    ): Promise<Response> =>
      Promise.resolve(
        app.request("/distillguard/v1/signup-risk", {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
        }),
      );
    const noScorer = createAdminApp({ admins, metrics, scorer: undefined });
    expect((await post(noScorer, "{}")).status).toBe(501);
    const scorer = await LiveScorer.open({ checkpointEveryMs: 0, linkEveryMs: 0 });
    try {
      const app = createAdminApp({ admins, metrics, scorer });
      expect((await post(app, "{}", { authorization: "Bearer nope" })).status).toBe(401);
      const bad = await post(app, JSON.stringify({ signup_ip: 42 }));
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("/signup_ip");
      expect((await post(app, `{"signup_ip":"${"1".repeat(70_000)}"}`)).status).toBe(400);
      const ok = await post(app, JSON.stringify({ payment_fingerprint: "card-1", signup_ip: "203.0.113.9" }));
      expect(ok.status).toBe(200);
      const risk = (await ok.json()) as { risk: number; verification: string; reasons: unknown[] };
      expect(risk.risk).toBeGreaterThanOrEqual(0);
      expect(["standard", "enhanced", "manual_review"]).toContain(risk.verification);
    } finally {
      await scorer.close();
    }
  });
});

describe("keys", () => {
  it("finds a client key by its digest, from x-api-key or a bearer token", () => {
    const cache = new KeyCache([{ sha256: keyDigest("k1").toUpperCase(), accountId: "a1" }]);
    expect(cache.lookup("k1")?.accountId).toBe("a1");
    expect(cache.lookup("k1")?.accountId).toBe("a1");
    expect(cache.lookup("k2")).toBeUndefined();
    expect(presentedKey({ "x-api-key": "k1" })).toBe("k1");
    expect(presentedKey({ authorization: "Bearer  k1 " })).toBe("k1");
    expect(presentedKey({ authorization: "Basic k1" })).toBeUndefined();
    expect(admins.allows(new Headers(asAdmin))).toBe(true);
    expect(admins.allows({ "x-api-key": "k1" })).toBe(false);
  });
});

describe("exchange record", () => {
  const caller: Caller = { accountId: "acct", orgId: undefined, ip: "203.0.113.9", standing: undefined };
  const base = {
    exchangeId: "gx_1",
    arrived: Date.UTC(2026, 1, 3),
    caller,
    keyId: "0123456789abcdef",
    userAgent: undefined,
    kind: "openai" as const,
    request: { model: "m", messages: [{ role: "user", content: "hi" }] },
    response: undefined,
    status: 0,
    truncated: "client_aborted" as const,
    applied: undefined,
  };

  it("is a contract record with absent fields left out, and 499 for a client gone before the answer", () => {
    const r = exchangeRecord(base);
    expect(Object.keys(r)).toEqual([
      "id",
      "ts",
      "account_id",
      "key_id",
      "client",
      "api",
      "request",
      "response",
      "status",
      "truncated",
    ]);
    expect(r).toMatchObject({
      status: 499,
      response: null,
      api: "openai.chat",
      client: { ip: "203.0.113.9" },
    });
    const issues: InputIssue[] = [];
    const rows = [
      ...checkLines("gw", [{ line: 1, text: JSON.stringify(r) }], checkers.exchange, (i) => issues.push(i)),
    ];
    expect(issues).toEqual([]);
    expect(rows).toHaveLength(1);
    const whole = exchangeRecord({
      ...base,
      caller: { ...caller, orgId: "org" },
      userAgent: "sdk/1",
      kind: "anthropic",
      response: { content: [] },
      status: 200,
      truncated: undefined,
    });
    expect(whole).toMatchObject({
      org_id: "org",
      api: "anthropic.messages",
      status: 200,
      client: { user_agent: "sdk/1" },
    });
    expect("truncated" in whole).toBe(false);
    expect("protection" in whole).toBe(false);
  });
});
