// The contract record of one proxied exchange, as the gateway logs and scores it.
import type { ExchangeRecord } from "../contract/index.js";
import type { Applied } from "./protect.js";
import type { Caller, UpstreamKind } from "./types.js";

/** What output protection did to an answer (a field the gateway adds to the contract's record). */
export interface ProtectionNote {
  /** the watermark key's id (`cohort@window`), or null if the text was not marked */
  readonly watermark: string | null;
  readonly shield: Applied["shield"];
  readonly traces_signed: number;
  readonly words_changed: number;
}

/** A gateway's record: the contract's exchange, and what protection did. */
export type GatewayRecord = ExchangeRecord & { readonly protection?: ProtectionNote };

export interface ExchangeFactsIn {
  readonly exchangeId: string;
  /** when the request arrived (ms since the epoch) */
  readonly arrived: number;
  readonly caller: Caller;
  /** the first 16 hex digits of the key's digest */
  readonly keyId: string;
  readonly userAgent: string | undefined;
  readonly kind: UpstreamKind;
  readonly request: Record<string, unknown>;
  /** the answer as captured (a stream assembled), or undefined if none was */
  readonly response: Record<string, unknown> | undefined;
  /** the upstream's status; 0 when the client closed the connection before the answer began */
  readonly status: number;
  readonly truncated: ExchangeRecord["truncated"];
  readonly applied: Applied | undefined;
}

/** Builds the record, with only the fields that have values (absent, not undefined). */
export function exchangeRecord(x: ExchangeFactsIn): GatewayRecord {
  const record: GatewayRecord = {
    id: x.exchangeId,
    ts: new Date(x.arrived).toISOString(),
    account_id: x.caller.accountId,
    ...(x.caller.orgId === undefined ? {} : { org_id: x.caller.orgId }),
    key_id: x.keyId,
    client: {
      ip: x.caller.ip,
      ...(x.userAgent === undefined ? {} : { user_agent: x.userAgent }),
    },
    api: x.kind === "anthropic" ? "anthropic.messages" : "openai.chat",
    request: x.request,
    response: x.response ?? null,
    // 499: the client closed the connection before the answer began (nginx's convention)
    status: x.status === 0 ? 499 : x.status,
    ...(x.truncated === undefined ? {} : { truncated: x.truncated }),
    ...(x.applied
      ? {
          protection: {
            watermark: x.applied.watermark ?? null,
            shield: x.applied.shield,
            traces_signed: x.applied.transform.report.signed,
            words_changed: x.applied.transform.report.watermark.changed,
          },
        }
      : {}),
  };
  return record;
}
