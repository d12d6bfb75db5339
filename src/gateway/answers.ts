// The gateway's own answers, in the error shape of the caller's API (so that the official
// SDKs raise their usual errors), and the answers a policy decision that stops a request gives.
import type { ServerResponse } from "node:http";
import { sendJson } from "./_body.js";
import type { Decision } from "./policy.js";
import type { UpstreamKind } from "./types.js";

/**
 * An error in the shape the caller's API uses; `extra` adds fields where each SDK shows
 * them (Anthropic: beside `error`, the body the SDK exposes; OpenAI: inside `error`),
 * `headers` adds response fields.
 */
export function apiError(
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
export function enforce(res: ServerResponse, kind: UpstreamKind, d: Decision): boolean {
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
