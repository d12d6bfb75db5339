// Checks one parsed line against the contract. Required fields decide whether the
// line is kept; a wrong-typed optional field is removed and reported, the line kept.
import type { IssueCode } from "./issues.js";
import {
  type AccountRecord,
  APIS,
  type EventRecord,
  EXCHANGE_PARTS,
  type ExchangeLabel,
  type ExchangeRecord,
  IP_TYPES,
  type Label,
  PATHWAYS,
  TRUNCATIONS,
  type VerdictAccount,
} from "./schema.js";
import { parseRfc3339 } from "./time.js";

export type Checked<T> =
  | { readonly ok: true; readonly value: T; readonly tsMs: number | undefined }
  | { readonly ok: false; readonly code: IssueCode; readonly reason: string };

export type Warn = (reason: string) => void;
type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const fail = (code: IssueCode, reason: string): Checked<never> => ({ ok: false, code, reason });

function requireString(o: Obj, field: string): Checked<never> | undefined {
  const v = o[field];
  if (v === undefined || v === null) return fail("E_MISSING_FIELD", `missing required field "${field}"`);
  if (typeof v !== "string" || v.length === 0)
    return fail("E_BAD_FIELD", `"${field}" must be a non-empty string, got ${describe(v)}`);
  return undefined;
}

function requireTime(o: Obj, field: string): Checked<never> | number {
  const bad = requireString(o, field);
  if (bad) return bad;
  const ms = parseRfc3339(o[field] as string);
  if (ms === undefined)
    return fail("E_BAD_FIELD", `"${field}" is not an RFC 3339 date-time: ${clip(o[field])}`);
  return ms;
}

function optional(
  o: Obj,
  field: string,
  ok: (v: unknown) => boolean,
  expected: string,
  warn: Warn,
  prefix = "",
): void {
  const v = o[field];
  if (v === undefined) return;
  if (!ok(v)) {
    warn(`"${prefix}${field}" should be ${expected}, got ${describe(v)}`);
    delete o[field];
  }
}

const isStr = (v: unknown): boolean => typeof v === "string";
const isInt = (v: unknown): boolean => Number.isInteger(v);
const isBool = (v: unknown): boolean => typeof v === "boolean";
const isRfc3339 = (v: unknown): boolean => typeof v === "string" && parseRfc3339(v) !== undefined;
const oneOf =
  (values: readonly string[]) =>
  (v: unknown): boolean =>
    typeof v === "string" && values.includes(v);
const isCountry = (v: unknown): boolean => typeof v === "string" && /^[A-Z]{2}$/.test(v);

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${clip(v)}`;
  return `a ${typeof v}`;
}

function clip(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function checkExchange(v: unknown, warn: Warn): Checked<ExchangeRecord> {
  if (!isObject(v)) return fail("E_NOT_OBJECT", `expected a JSON object, got ${describe(v)}`);
  const bad = requireString(v, "id") ?? requireString(v, "account_id");
  if (bad) return bad;
  const ts = requireTime(v, "ts");
  if (typeof ts !== "number") return ts;
  if (v.request === undefined || v.request === null)
    return fail("E_MISSING_FIELD", 'missing required field "request"');
  if (!isObject(v.request))
    return fail("E_BAD_FIELD", `"request" must be an object, got ${describe(v.request)}`);
  optional(v, "org_id", isStr, "a string", warn);
  optional(v, "key_id", isStr, "a string", warn);
  optional(v, "api", oneOf(APIS), `one of ${APIS.join(", ")}`, warn);
  optional(v, "status", isInt, "an integer", warn);
  optional(v, "truncated", oneOf(TRUNCATIONS), `one of ${TRUNCATIONS.join(", ")}`, warn);
  optional(v, "response", (r) => r === null || isObject(r), "an object or null", warn);
  optional(v, "client", isObject, "an object", warn);
  if (isObject(v.client)) {
    const c = v.client;
    optional(c, "ip", isStr, "a string", warn, "client.");
    optional(c, "user_agent", isStr, "a string", warn, "client.");
    optional(c, "asn", isInt, "an integer", warn, "client.");
    optional(c, "ip_type", oneOf(IP_TYPES), `one of ${IP_TYPES.join(", ")}`, warn, "client.");
    optional(c, "country", isCountry, "an ISO 3166-1 alpha-2 code", warn, "client.");
  }
  return { ok: true, value: v as ExchangeRecord, tsMs: ts };
}

export function checkAccount(v: unknown, warn: Warn): Checked<AccountRecord> {
  if (!isObject(v)) return fail("E_NOT_OBJECT", `expected a JSON object, got ${describe(v)}`);
  const bad = requireString(v, "account_id");
  if (bad) return bad;
  optional(v, "created_at", isRfc3339, "an RFC 3339 date-time", warn);
  optional(v, "org_id", isStr, "a string", warn);
  optional(v, "pathway", oneOf(PATHWAYS), `one of ${PATHWAYS.join(", ")}`, warn);
  optional(v, "verified", isBool, "a boolean", warn);
  optional(v, "email_domain", isStr, "a string", warn);
  optional(v, "payment_fingerprint", isStr, "a string", warn);
  optional(v, "signup_ip", isStr, "a string", warn);
  optional(v, "signup_country", isCountry, "an ISO 3166-1 alpha-2 code", warn);
  const created = typeof v.created_at === "string" ? parseRfc3339(v.created_at) : undefined;
  return { ok: true, value: v as AccountRecord, tsMs: created };
}

export function checkEvent(v: unknown, warn: Warn): Checked<EventRecord> {
  if (!isObject(v)) return fail("E_NOT_OBJECT", `expected a JSON object, got ${describe(v)}`);
  const ts = requireTime(v, "ts");
  if (typeof ts !== "number") return ts;
  const bad = requireString(v, "type");
  if (bad) return bad;
  optional(v, "model", isStr, "a string", warn);
  return { ok: true, value: v as EventRecord, tsMs: ts };
}

export function checkLabel(v: unknown, warn: Warn): Checked<Label> {
  if (!isObject(v)) return fail("E_NOT_OBJECT", `expected a JSON object, got ${describe(v)}`);
  const bad = requireString(v, "account_id") ?? requireString(v, "population");
  if (bad) return bad;
  if (v.campaign !== null && typeof v.campaign !== "string") {
    warn(`"campaign" should be a string or null, got ${describe(v.campaign)}`);
    v.campaign = null;
  }
  return { ok: true, value: v as Label, tsMs: undefined };
}

export function checkExchangeLabel(v: unknown, warn: Warn): Checked<ExchangeLabel> {
  if (!isObject(v)) return fail("E_NOT_OBJECT", `expected a JSON object, got ${describe(v)}`);
  const bad = requireString(v, "id") ?? requireString(v, "campaign");
  if (bad) return bad;
  optional(v, "account_id", isStr, "a string", warn);
  optional(v, "ts", isRfc3339, "an RFC 3339 date-time", warn);
  optional(v, "part", oneOf(EXCHANGE_PARTS), `one of ${EXCHANGE_PARTS.join(", ")}`, warn);
  const ts = typeof v.ts === "string" ? parseRfc3339(v.ts) : undefined;
  return { ok: true, value: v as ExchangeLabel, tsMs: ts };
}

export function checkVerdictAccount(v: unknown, warn: Warn): Checked<VerdictAccount> {
  if (!isObject(v)) return fail("E_NOT_OBJECT", `expected a JSON object, got ${describe(v)}`);
  const bad = requireString(v, "account_id");
  if (bad) return bad;
  if (typeof v.flagged !== "boolean")
    return fail("E_BAD_FIELD", `"flagged" must be a boolean, got ${describe(v.flagged)}`);
  if (typeof v.risk !== "number" || !(v.risk >= 0 && v.risk <= 1))
    return fail("E_BAD_FIELD", `"risk" must be a number in [0, 1], got ${describe(v.risk)}`);
  if (v.campaign_id === undefined) v.campaign_id = null;
  optional(v, "campaign_id", (c) => c === null || isStr(c), "a string or null", warn);
  if (v.campaign_id === undefined) v.campaign_id = null;
  if (v.first_flagged_at === undefined) v.first_flagged_at = null;
  optional(v, "first_flagged_at", (t) => t === null || isRfc3339(t), "an RFC 3339 date-time or null", warn);
  if (v.first_flagged_at === undefined) v.first_flagged_at = null;
  if (!Array.isArray(v.reasons)) v.reasons = [];
  const ff = typeof v.first_flagged_at === "string" ? parseRfc3339(v.first_flagged_at) : undefined;
  return { ok: true, value: v as VerdictAccount, tsMs: ff };
}
