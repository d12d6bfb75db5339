// Partners' STIX 2.1 bundles in: checked whole before anything is kept (size, nesting,
// object count, every object's shape, the official schemas when present, every STIX
// pattern against the grammar, references), then turned into the indicator rows the
// detector uses (src/verdicts/partner.ts). A bundle with any error is rejected with the
// reasons; nothing of it is kept.
import { isObject, jsonDepth } from "../contract/index.js";
import type { PartnerIntel, PartnerRef } from "../verdicts/index.js";
import { ipv4ToInt } from "../verdicts/index.js";
import { CAMPAIGN_EXTENSION } from "./export.js";
import { PatternError, parsePattern } from "./pattern.js";
import { uuid5 } from "./stix.js";
import type { StixSchemas } from "./validate.js";

export class IntelError extends Error {
  override readonly name = "IntelError";
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length > 0 ? `${message}:\n  ${problems.join("\n  ")}` : message);
  }
}

export interface ImportLimits {
  readonly maxBytes: number;
  readonly maxObjects: number;
  readonly maxDepth: number;
  readonly maxStringLength: number;
}

export const DEFAULT_LIMITS: ImportLimits = {
  maxBytes: 32 * 1024 * 1024,
  maxObjects: 100_000,
  maxDepth: 24,
  maxStringLength: 64 * 1024,
};

type Json = Record<string, unknown>;
const ID =
  /^[a-z][a-z0-9-]{0,249}--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** STIX 2.1 §3.1: property names are at most 250 characters. */
const MAX_PROPERTY_NAME = 250;

function checkStrings(v: unknown, max: number, path: string, problems: string[]): void {
  if (problems.length >= 20) return;
  if (typeof v === "string") {
    if (v.length > max) problems.push(`${path}: a string of ${v.length} characters (at most ${max})`);
  } else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) checkStrings(x, max, `${path}[${i}]`, problems);
  } else if (isObject(v))
    for (const [k, x] of Object.entries(v)) {
      if (k.length > MAX_PROPERTY_NAME) {
        problems.push(`${path}: a property name of ${k.length} characters (at most ${MAX_PROPERTY_NAME})`);
        continue;
      }
      checkStrings(x, max, `${path}.${k}`, problems);
    }
}

export interface ParsedBundle {
  readonly id: string;
  readonly objects: readonly Json[];
}

/** Parses and checks a bundle; throws an IntelError listing what is wrong. */
export function readBundle(
  text: string,
  o: { schemas?: StixSchemas | undefined; limits?: Partial<ImportLimits> } = {},
): ParsedBundle {
  const lim = { ...DEFAULT_LIMITS, ...o.limits };
  if (Buffer.byteLength(text) > lim.maxBytes)
    throw new IntelError(`bundle larger than ${lim.maxBytes} bytes`);
  const depth = jsonDepth(text, lim.maxDepth);
  if (depth > lim.maxDepth) throw new IntelError(`bundle nested deeper than ${lim.maxDepth} levels`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new IntelError(`not JSON: ${(err as Error).message}`);
  }
  // a lone STIX object is read as a bundle of one
  if (
    isObject(raw) &&
    raw.type !== "bundle" &&
    typeof raw.type === "string" &&
    typeof raw.id === "string" &&
    ID.test(raw.id)
  )
    raw = { type: "bundle", id: `bundle--${uuid5(`lone|${raw.id}`)}`, objects: [raw] };
  if (!isObject(raw) || raw.type !== "bundle")
    throw new IntelError('not a STIX bundle ("type": "bundle" expected)');
  if (typeof raw.id !== "string" || !ID.test(raw.id) || !raw.id.startsWith("bundle--"))
    throw new IntelError("the bundle's id is not a bundle--<uuid> identifier");
  if (!Array.isArray(raw.objects)) throw new IntelError('the bundle has no "objects" array');
  if (raw.objects.length > lim.maxObjects)
    throw new IntelError(`bundle of ${raw.objects.length} objects (at most ${lim.maxObjects})`);
  const problems: string[] = [];
  const ids = new Set<string>();
  checkStrings(raw.objects, lim.maxStringLength, "objects", problems);
  for (const [i, ob] of raw.objects.entries()) {
    if (problems.length >= 20) break;
    const where = `objects[${i}]`;
    if (!isObject(ob)) {
      problems.push(`${where}: not an object`);
      continue;
    }
    if (
      typeof ob.type !== "string" ||
      typeof ob.id !== "string" ||
      !ID.test(ob.id) ||
      !ob.id.startsWith(`${ob.type}--`)
    ) {
      problems.push(`${where}: "type" and "id" (<type>--<uuid>) are required`);
      continue;
    }
    const at = `${where} (${ob.id})`;
    // one version of an object once: the same id and modified time twice is a duplicate
    const version = `${ob.id}|${typeof ob.modified === "string" ? ob.modified : ""}`;
    if (ids.has(version)) {
      problems.push(
        `${at}: duplicate object (the same id${ob.modified ? " and modified time" : ""} appears earlier)`,
      );
      continue;
    }
    ids.add(version);
    for (const t of ["created", "modified", "valid_from", "valid_until", "first_seen", "last_seen"])
      if (ob[t] !== undefined && (typeof ob[t] !== "string" || !TIMESTAMP.test(ob[t] as string)))
        problems.push(`${at}: ${t} is not a STIX timestamp`);
    if (
      ob.confidence !== undefined &&
      (!Number.isInteger(ob.confidence) || (ob.confidence as number) < 0 || (ob.confidence as number) > 100)
    )
      problems.push(`${at}: confidence must be an integer from 0 to 100`);
    if (ob.type === "indicator") {
      if (typeof ob.pattern !== "string" || typeof ob.pattern_type !== "string")
        problems.push(`${at}: an indicator needs pattern and pattern_type`);
      else if (ob.pattern_type === "stix")
        try {
          parsePattern(ob.pattern);
        } catch (err) {
          problems.push(
            `${at}: pattern does not parse: ${err instanceof PatternError ? err.message : String(err)}`,
          );
        }
    }
    if (o.schemas) for (const e of o.schemas.validate(ob)) problems.push(`${at}: ${e}`);
  }
  for (const [i, ob] of raw.objects.entries()) {
    if (problems.length >= 20) break;
    if (!isObject(ob) || ob.type !== "relationship") continue;
    for (const f of ["source_ref", "target_ref"])
      if (typeof ob[f] !== "string" || !ID.test(ob[f] as string))
        problems.push(`objects[${i}] (${String(ob.id)}): ${f} is not an identifier`);
  }
  if (problems.length > 0)
    throw new IntelError(
      `${problems.length >= 20 ? "20 or more" : problems.length} problems; nothing imported`,
      problems,
    );
  return { id: raw.id, objects: raw.objects as Json[] };
}

/** One imported indicator, as the store keeps it. */
export interface PartnerRow {
  readonly partner: string;
  readonly campaign: string;
  readonly kind: "ip" | "ip_prefix" | "user_agent" | "account" | "payment_fingerprint" | "email_domain";
  readonly value: string;
  /** 0 to 1 */
  readonly confidence: number;
  readonly validFrom: number | undefined;
  readonly validUntil: number | undefined;
}

const UA_PATH = "extensions.http-request-ext.request_header.User-Agent";

/** The indicators of a checked bundle that the detector can use, tied to the partner's campaigns. */
export function partnerRows(b: ParsedBundle): PartnerRow[] {
  const byId = new Map(b.objects.map((o) => [o.id as string, o]));
  const name = (id: unknown): string => {
    const o = typeof id === "string" ? byId.get(id) : undefined;
    return typeof o?.name === "string" ? o.name : typeof id === "string" ? id : "unknown partner";
  };
  const rows: PartnerRow[] = [];
  const conf = (o: Json, fallback: number): number =>
    typeof o.confidence === "number" ? o.confidence / 100 : fallback;
  const time = (v: unknown): number | undefined => (typeof v === "string" ? Date.parse(v) : undefined);
  // which campaigns each indicator indicates (a relationship repeated any number of times counts once)
  const indicates = new Map<string, Set<string>>();
  for (const o of b.objects)
    if (
      o.type === "relationship" &&
      o.relationship_type === "indicates" &&
      typeof o.source_ref === "string" &&
      typeof o.target_ref === "string"
    ) {
      const t = byId.get(o.target_ref);
      if (t?.type !== "campaign") continue;
      let targets = indicates.get(o.source_ref);
      if (targets === undefined) {
        targets = new Set();
        indicates.set(o.source_ref, targets);
      }
      targets.add(o.target_ref);
    }
  for (const o of b.objects) {
    if (o.type === "campaign") {
      const ext = isObject(o.extensions) ? o.extensions[CAMPAIGN_EXTENSION] : undefined;
      if (!isObject(ext)) continue;
      const base = {
        partner: name(o.created_by_ref),
        campaign: String(o.name ?? o.id),
        confidence: conf(o, 0.5),
        validFrom: undefined,
        validUntil: undefined,
      };
      const list = (f: string): string[] =>
        Array.isArray(ext[f])
          ? (ext[f] as unknown[]).filter(
              (x): x is string => typeof x === "string" && /^[0-9a-f]{64}$/.test(x),
            )
          : [];
      for (const v of list("hashed_account_ids")) rows.push({ ...base, kind: "account", value: v });
      for (const v of list("hashed_payment_fingerprints"))
        rows.push({ ...base, kind: "payment_fingerprint", value: v });
      for (const v of list("hashed_email_domains")) rows.push({ ...base, kind: "email_domain", value: v });
    }
    if (o.type !== "indicator" || o.pattern_type !== "stix" || typeof o.pattern !== "string") continue;
    const campaigns = [...(indicates.get(o.id as string) ?? [])];
    const comparisons = parsePattern(o.pattern).filter((c) => !c.negated && typeof c.value === "string");
    for (const c of comparisons) {
      const v = c.value as string;
      let kind: PartnerRow["kind"] | undefined;
      if ((c.objectType === "ipv4-addr" || c.objectType === "ipv6-addr") && c.path === "value")
        kind =
          c.operator === "="
            ? "ip"
            : c.operator === "ISSUBSET" && c.objectType === "ipv4-addr"
              ? "ip_prefix"
              : undefined;
      else if (c.objectType === "network-traffic" && c.path === UA_PATH && c.operator === "=")
        kind = "user_agent";
      if (!kind) continue;
      for (const cid of campaigns.length > 0 ? campaigns : [o.id as string]) {
        const camp = byId.get(cid);
        rows.push({
          partner: name(o.created_by_ref),
          campaign: String(camp?.name ?? o.name ?? cid),
          kind,
          value: v,
          confidence: conf(o, camp ? conf(camp, 0.5) : 0.5),
          validFrom: time(o.valid_from),
          validUntil: time(o.valid_until),
        });
      }
    }
  }
  return dedupeRows(rows);
}

/** One row per (partner, campaign, kind, value): the highest confidence and the widest validity kept. */
function dedupeRows(rows: readonly PartnerRow[]): PartnerRow[] {
  const byKey = new Map<string, PartnerRow>();
  for (const r of rows) {
    const key = `${r.partner}\u0000${r.campaign}\u0000${r.kind}\u0000${r.value}`;
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, r);
      continue;
    }
    const from = [seen.validFrom, r.validFrom];
    const until = [seen.validUntil, r.validUntil];
    byKey.set(key, {
      ...seen,
      confidence: Math.max(seen.confidence, r.confidence),
      validFrom: from.includes(undefined) ? undefined : Math.min(...(from as number[])),
      validUntil: until.includes(undefined) ? undefined : Math.max(...(until as number[])),
    });
  }
  return [...byKey.values()];
}

/** The detector's view of imported rows; `hash` hashes our identifiers with the partners' key. */
export function partnerIntel(rows: readonly PartnerRow[], hash?: PartnerIntel["hash"]): PartnerIntel {
  const maps = {
    ip: new Map<string, PartnerRef[]>(),
    user_agent: new Map<string, PartnerRef[]>(),
    account: new Map<string, PartnerRef[]>(),
    payment_fingerprint: new Map<string, PartnerRef[]>(),
    email_domain: new Map<string, PartnerRef[]>(),
  };
  const prefixes: { base: number; bits: number; ref: PartnerRef }[] = [];
  for (const r of rows) {
    const ref: PartnerRef = {
      partner: r.partner,
      campaign: r.campaign,
      confidence: r.confidence,
      validFrom: r.validFrom,
      validUntil: r.validUntil,
    };
    if (r.kind === "ip_prefix") {
      const [addr, bits] = r.value.split("/");
      const base = ipv4ToInt(addr ?? "");
      if (base !== undefined && bits !== undefined && Number(bits) >= 8 && Number(bits) <= 32)
        prefixes.push({ base, bits: Number(bits), ref });
      continue;
    }
    const m = maps[r.kind];
    const refs = m.get(r.value);
    if (refs === undefined) m.set(r.value, [ref]);
    else refs.push(ref);
  }
  return {
    ips: maps.ip,
    prefixes,
    userAgents: maps.user_agent,
    hashedAccounts: maps.account,
    hashedPayments: maps.payment_fingerprint,
    hashedEmailDomains: maps.email_domain,
    hash,
  };
}
