// Builders shared by the verdicts tests: exchange records and account metadata in the
// contract's shapes, and a profile from a list of exchanges.
import { type AccountRecord, type ExchangeRecord, normaliseExchange } from "../contract/index.js";
import { AccountProfile, Releases } from "../profiles/index.js";
import { exchangeSignals } from "../signals/index.js";
import type { Detector } from "./detector.js";
import { DEFAULT_UNSUPPORTED_REGIONS } from "./score.js";

export const T0 = Date.UTC(2026, 1, 2);
export const H = 3_600_000;
let seq = 0;

export interface Ex {
  account: string;
  ts: number;
  prompt: string;
  system?: string;
  history?: { user: string; assistant: string }[];
  out?: number;
  temperature?: number;
  ip?: string;
  ipType?: NonNullable<NonNullable<ExchangeRecord["client"]>["ip_type"]>;
  ua?: string;
  model?: string;
  /** the source address's country (default US) */
  country?: string;
}

export function record(e: Ex): ExchangeRecord {
  const messages: unknown[] = [];
  for (const h of e.history ?? [])
    messages.push({ role: "user", content: h.user }, { role: "assistant", content: h.assistant });
  messages.push({ role: "user", content: e.prompt });
  return {
    id: `x${++seq}`,
    ts: new Date(e.ts).toISOString(),
    account_id: e.account,
    client: {
      ip: e.ip ?? `10.0.${seq % 250}.${seq % 200}`,
      user_agent: e.ua ?? "sdk/1",
      country: e.country ?? "US",
      ip_type: e.ipType ?? "residential",
    },
    request: {
      model: e.model ?? "m-1",
      max_tokens: 4096,
      ...(e.system ? { system: e.system } : {}),
      ...(e.temperature === undefined ? {} : { temperature: e.temperature }),
      messages,
    },
    response: {
      type: "message",
      content: [{ type: "text", text: "..." }],
      usage: { input_tokens: 100, output_tokens: e.out ?? 300 },
    },
  };
}

export function profileOf(account: AccountRecord | undefined, exchanges: Ex[]): AccountProfile {
  const p = new AccountProfile(exchanges[0]?.account ?? "a", account);
  const releases = new Releases();
  for (const e of exchanges) {
    const v = normaliseExchange(record(e), e.ts);
    p.update(v, exchangeSignals(v), releases);
  }
  return p;
}

export const opts = { unsupportedRegions: new Set(DEFAULT_UNSUPPORTED_REGIONS) };
export const acct = (id: string, over: Partial<AccountRecord> = {}): AccountRecord => ({
  account_id: id,
  created_at: new Date(T0 - 400 * 24 * H).toISOString(),
  pathway: "standard",
  verified: false,
  signup_country: "US",
  ...over,
});

/** Drives a detector through the exchanges in time order, a checkpoint each hour of log time, then finishes it. */
export function runDetector(d: Detector, exchanges: Ex[]): Detector {
  const sorted = [...exchanges].sort((a, b) => a.ts - b.ts);
  let hour = Math.floor(T0 / H);
  for (const e of sorted) {
    while (Math.floor(e.ts / H) > hour) {
      d.checkpoint();
      hour++;
    }
    const v = normaliseExchange(record(e), e.ts);
    d.observe(v, exchangeSignals(v));
  }
  d.finish();
  return d;
}
