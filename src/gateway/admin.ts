// The gateway's admin routes, as a hono app (testable in-process with `app.request()`):
// GET /metrics (Prometheus text) and POST /distillguard/v1/signup-risk (a sign-up's risk from
// the values it shares with flagged accounts). Both need an admin key; with none configured
// /metrics is not there (404). Errors use the OpenAI error shape, as the proxy's own do.
import { Hono } from "hono";
import { readBodyText } from "../http/index.js";
import { DEFAULT_UNSUPPORTED_REGIONS } from "../verdicts/index.js";
import { checkAgainst } from "./_json.js";
import type { AdminKeys } from "./keys.js";
import type { GatewayMetrics } from "./metrics.js";
import type { Scorer } from "./scoring.js";
import { type Signup, SignupSchema } from "./signup.js";

/** The paths the admin app answers; the proxy passes these requests to it. */
export const ADMIN_PATHS: ReadonlySet<string> = new Set(["/metrics", "/distillguard/v1/signup-risk"]);

/** The largest sign-up body read (bytes). */
const SIGNUP_MAX = 64 * 1024;

function error(status: 400 | 401 | 404 | 501, type: string, message: string): Response {
  return Response.json({ error: { message, type, code: null } }, { status });
}

export function createAdminApp(o: {
  readonly admins: AdminKeys;
  readonly metrics: GatewayMetrics;
  readonly scorer: Scorer | undefined;
}): Hono {
  const app = new Hono();
  const unsupported = new Set(DEFAULT_UNSUPPORTED_REGIONS);
  app.get("/metrics", async (c) => {
    if (!o.admins.allows(c.req.raw.headers))
      return error(o.admins.configured ? 401 : 404, "authentication_error", "metrics need an admin key");
    return c.body(await o.metrics.text(), 200, { "content-type": o.metrics.contentType });
  });
  app.post("/distillguard/v1/signup-risk", async (c) => {
    if (!o.admins.allows(c.req.raw.headers))
      return error(401, "authentication_error", "sign-up risk needs an admin key");
    if (!o.scorer) return error(501, "not_found_error", "this gateway runs without a scorer");
    let input: Signup;
    try {
      const raw: unknown = JSON.parse((await readBodyText(c.req.raw, SIGNUP_MAX)) ?? "");
      checkAgainst(SignupSchema, "body", raw, (m) => new Error(m));
      input = raw;
    } catch (err) {
      return error(400, "invalid_request_error", (err as Error).message.slice(0, 500));
    }
    return c.json(await o.scorer.signupRisk(input, unsupported));
  });
  app.notFound(() => error(404, "not_found_error", "no such admin route"));
  return app;
}
