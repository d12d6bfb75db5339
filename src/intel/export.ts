// Campaigns as a STIX 2.1 bundle for sharing with partners (docs/intel.md).
//
// Shared in the clear: infrastructure (source and sign-up addresses as ipv4-addr /
// ipv6-addr indicators, user agents as HTTP request-header indicators, autonomous systems
// where an analysis names them), the campaign's time span, size, targeted capabilities
// and evidence signals. Never in the clear: account ids, payment fingerprints and e-mail
// domains (keyed hashes: HMAC-SHA256 under a key the partners agree on), prompt text
// (never; scaffolds travel as their signatures). Every object carries the TLP marking.
import { createHmac } from "node:crypto";
import type { Campaign, CampaignsFile, Indicator } from "../contract/index.js";
import { patternString } from "./pattern.js";
import { type StixObject, stixId, stixTime, type TlpLevel, tlpMarking } from "./stix.js";

export const EXTENSION_NAME = "distillguard-campaign-v1";
/** The extension-definition our campaign property extension is described by. */
export const CAMPAIGN_EXTENSION = stixId("extension-definition", EXTENSION_NAME);

export interface ExportOptions {
  readonly tlp: TlpLevel;
  /** the key partners agreed on for hashing identifiers */
  readonly hmacKey: string;
  /** a name for that key, so a partner knows which key the hashes need */
  readonly hmacKeyId: string;
  /** the producing organisation's name */
  readonly producer?: string;
  /** indicators stay valid this long after the campaign was last seen (default 30 days) */
  readonly validDays?: number;
  readonly now?: () => Date;
}

export interface Bundle {
  readonly type: "bundle";
  readonly id: string;
  readonly objects: StixObject[];
}

/** HMAC-SHA256 (hex) of an identifier under the partners' key: comparable, not readable. */
export function keyedHash(key: string, kind: string, value: string): string {
  return createHmac("sha256", key).update(`${kind}\u0000${value.toLowerCase()}`).digest("hex");
}

const IP_KINDS = new Set(["ip", "signup_ip", "residential_ip"]);
const COMMON_AGENT =
  /^(mozilla\/|openai\/|anthropic\/|python-requests|python-httpx|axios|curl\/|wget\/|node-fetch|undici|okhttp|go-http-client|claude-cli|typingmind|postman)/i;

function ipPattern(value: string): string | undefined {
  const v = value.trim();
  const [addr, bits] = v.split("/") as [string, string | undefined];
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (v4?.slice(1).every((o) => Number(o) <= 255)) {
    if (bits === undefined) return `[ipv4-addr:value = ${patternString(addr)}]`;
    if (/^\d{1,2}$/.test(bits) && Number(bits) <= 32) return `[ipv4-addr:value ISSUBSET ${patternString(v)}]`;
    return undefined;
  }
  if (/^[0-9a-fA-F:]+$/.test(addr) && addr.includes(":")) {
    if (bits === undefined) return `[ipv6-addr:value = ${patternString(addr)}]`;
    if (/^\d{1,3}$/.test(bits) && Number(bits) <= 128)
      return `[ipv6-addr:value ISSUBSET ${patternString(v)}]`;
  }
  return undefined;
}

/** The STIX pattern for an indicator we share in the clear, or none. */
export function patternFor(ind: Indicator): { pattern: string; what: string } | undefined {
  if (IP_KINDS.has(ind.kind)) {
    const pattern = ipPattern(ind.value);
    return pattern
      ? { pattern, what: ind.kind === "signup_ip" ? "sign-up address" : "source address" }
      : undefined;
  }
  // browsers' and common SDKs' agents are shared by countless users elsewhere: not indicators
  if (ind.kind === "user_agent" && COMMON_AGENT.test(ind.value)) return undefined;
  if (ind.kind === "user_agent")
    return {
      pattern: `[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = ${patternString(ind.value)}]`,
      what: "user agent",
    };
  if (ind.kind === "asn" && /^(AS)?\d{1,10}$/i.test(ind.value))
    return {
      pattern: `[autonomous-system:number = ${Number(ind.value.replace(/^AS/i, ""))}]`,
      what: "autonomous system",
    };
  return undefined;
}

function describe(c: Campaign): string {
  const caps = Object.entries(c.capabilities)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${Math.round(v * 100)}%`)
    .join(", ");
  return `A distillation campaign: ${c.accounts.length} accounts, ${c.exchanges} exchanges harvesting model outputs${caps ? ` (capabilities targeted: ${caps})` : ""}.`;
}

/** STIX lists are never empty: empty ones are left out. */
function nonEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => !(Array.isArray(v) && v.length === 0)));
}

export function exportBundle(file: CampaignsFile, o: ExportOptions): Bundle {
  const now = stixTime((o.now?.() ?? new Date()).getTime());
  const validMs = (o.validDays ?? 30) * 86_400_000;
  const marking = tlpMarking(o.tlp);
  const marks = { object_marking_refs: [marking.id] };
  const producerName = o.producer ?? "distillguard";
  const producer: StixObject = {
    type: "identity",
    spec_version: "2.1",
    id: stixId("identity", producerName),
    created: now,
    modified: now,
    name: producerName,
    identity_class: "organization",
    ...marks,
  };
  const extension: StixObject = {
    type: "extension-definition",
    spec_version: "2.1",
    id: CAMPAIGN_EXTENSION,
    created_by_ref: producer.id,
    created: "2026-11-27T00:00:00.000Z",
    modified: "2026-11-27T00:00:00.000Z",
    name: "distillguard distillation campaign",
    description:
      "Properties of a campaign harvesting a model's outputs: size, targeted capabilities, evidence signals, keyed hashes of account ids, payment fingerprints and e-mail domains (HMAC-SHA256 under a key the partners agree on), and prompt-scaffold signatures.",
    schema: "https://github.com/distillguard/distillguard/blob/main/docs/intel.md",
    version: "1.0.0",
    extension_types: ["property-extension"],
    ...marks,
  };
  const objects: StixObject[] = [marking, producer, extension];
  const rel = (source: string, type: string, target: string): StixObject => ({
    type: "relationship",
    spec_version: "2.1",
    id: stixId("relationship", `${source}|${type}|${target}`),
    created_by_ref: producer.id,
    created: now,
    modified: now,
    relationship_type: type,
    source_ref: source,
    target_ref: target,
    ...marks,
  });
  for (const c of file.campaigns) {
    const confidence = Math.max(0, Math.min(100, Math.round(c.confidence * 100)));
    // one form of each time whatever the source (the store drops milliseconds)
    const norm = (t: string | null): string =>
      t === null || Number.isNaN(Date.parse(t)) ? now : stixTime(Date.parse(t));
    const first = norm(c.first_seen);
    const last = norm(c.last_seen);
    const hashed = (kind: string, values: Iterable<string>): string[] =>
      [...new Set([...values].map((v) => keyedHash(o.hmacKey, kind, v)))].sort();
    const campaign: StixObject = {
      type: "campaign",
      spec_version: "2.1",
      id: stixId("campaign", `${producerName}|${c.campaign_id}|${first.slice(0, 19)}`),
      created_by_ref: producer.id,
      created: now,
      modified: now,
      name: `distillation campaign ${c.campaign_id}`,
      description: describe(c),
      first_seen: first,
      last_seen: last,
      objective: "harvest model outputs to train a competing model",
      confidence,
      extensions: {
        [CAMPAIGN_EXTENSION]: nonEmpty({
          extension_type: "property-extension",
          accounts: c.accounts.length,
          exchanges: c.exchanges,
          capabilities: c.capabilities,
          evidence: c.evidence.map((e) => ({ signal: e.signal, weight: e.weight })),
          hash_algorithm: "HMAC-SHA256",
          hash_key_id: o.hmacKeyId,
          hashed_account_ids: hashed("account_id", c.accounts),
          hashed_payment_fingerprints: hashed(
            "payment_fingerprint",
            c.indicators.filter((i) => i.kind === "payment_fingerprint").map((i) => i.value),
          ),
          hashed_email_domains: hashed(
            "email_domain",
            c.indicators.filter((i) => i.kind === "email_domain").map((i) => i.value),
          ),
          scaffold_signatures: c.indicators
            .filter((i) => i.kind === "scaffold" || i.kind === "near_scaffold")
            .map((i) => ({ signature: keyedHash(o.hmacKey, "scaffold", i.value), accounts: i.accounts })),
        }),
      },
      ...marks,
    };
    objects.push(campaign);
    const ipIndicators: string[] = [];
    for (const ind of c.indicators) {
      const p = patternFor(ind);
      if (!p) continue;
      const id = stixId("indicator", `${producerName}|${p.pattern}`);
      objects.push({
        type: "indicator",
        spec_version: "2.1",
        id,
        created_by_ref: producer.id,
        created: now,
        modified: now,
        name: `${p.what} shared by ${ind.accounts} accounts of distillation campaign ${c.campaign_id}`,
        indicator_types: ["anomalous-activity"],
        pattern: p.pattern,
        pattern_type: "stix",
        pattern_version: "2.1",
        valid_from: first,
        valid_until: stixTime(Date.parse(last) + validMs),
        confidence,
        ...marks,
      });
      objects.push(rel(id, "indicates", campaign.id));
      if (IP_KINDS.has(ind.kind) && ind.kind !== "signup_ip") ipIndicators.push(id);
    }
    // several shared source addresses: the campaign's proxy network
    if (ipIndicators.length >= 2) {
      const infra: StixObject = {
        type: "infrastructure",
        spec_version: "2.1",
        id: stixId("infrastructure", `${producerName}|${c.campaign_id}|${first.slice(0, 19)}`),
        created_by_ref: producer.id,
        created: now,
        modified: now,
        name: `proxy network of distillation campaign ${c.campaign_id}`,
        description: `${ipIndicators.length} source addresses shared by the campaign's accounts`,
        infrastructure_types: ["anonymization"],
        first_seen: first,
        last_seen: last,
        ...marks,
      };
      objects.push(infra, rel(campaign.id, "uses", infra.id));
      for (const id of ipIndicators) objects.push(rel(id, "indicates", infra.id));
    }
  }
  // one object per id (an address shared by two campaigns is one indicator)
  const seen = new Set<string>();
  const unique = objects.filter((x) => {
    if (seen.has(x.id)) return false;
    seen.add(x.id);
    return true;
  });
  return { type: "bundle", id: stixId("bundle", `${producerName}|${now}`), objects: unique };
}
