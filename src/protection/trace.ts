// Reasoning traces: shielding (withheld, or replaced by a short extractive summary) and a
// keyed signature on every trace the gateway returns, so that a trace found elsewhere (in
// a leaked dataset, or sent back in a later request by another account) can be checked:
// issued by us, to which exchange and account, when, and whether its text is unchanged.
//
// Signature: `dgt1.<payload>.<mac>`, both base64url; the payload is JSON
// {"x": exchange id, "a": account tag, "t": unix seconds, "s": shield}; the MAC is
// HMAC-SHA256 under a key derived from the provider's secret, over the payload and the
// trace's text as returned. The account tag is a keyed hash of the account id (12 hex
// digits), so the signature does not name the account to whoever holds the trace.
import { createHmac, timingSafeEqual } from "node:crypto";
import { at } from "../contract/index.js";

export type Shield = "full" | "summary" | "withheld";

export interface TraceContext {
  readonly exchangeId: string;
  readonly accountId: string;
  /** ms since the epoch */
  readonly at: number;
}

export interface TracePayload {
  readonly x: string;
  readonly a: string;
  readonly t: number;
  readonly s: Shield;
}

export type TraceCheck =
  | { readonly status: "valid"; readonly payload: TracePayload; readonly accountMatches?: boolean }
  /** a well-formed signature whose MAC does not match: the text was changed, or the signature forged */
  | { readonly status: "altered"; readonly payload: TracePayload | undefined }
  | { readonly status: "unsigned" }
  | { readonly status: "malformed"; readonly reason: string };

const PREFIX = "dgt1";

/** Signs and checks reasoning traces with keys derived from the provider's protection secret. */
export class TraceSigner {
  private readonly macKey: Buffer;
  private readonly tagKey: Buffer;

  constructor(secret: string | Buffer) {
    this.macKey = createHmac("sha256", secret).update("distillguard-trace-mac-v1").digest();
    this.tagKey = createHmac("sha256", secret).update("distillguard-account-tag-v1").digest();
  }

  /** The keyed tag of an account id (12 hex digits). */
  accountTag(accountId: string): string {
    return createHmac("sha256", this.tagKey).update(accountId).digest("hex").slice(0, 12);
  }

  private mac(payload: string, text: string): Buffer {
    return createHmac("sha256", this.macKey).update(`${PREFIX}.${payload}\n`).update(text).digest();
  }

  sign(text: string, ctx: TraceContext, shield: Shield): string {
    const p: TracePayload = {
      x: ctx.exchangeId,
      a: this.accountTag(ctx.accountId),
      t: Math.floor(ctx.at / 1000),
      s: shield,
    };
    const payload = Buffer.from(JSON.stringify(p)).toString("base64url");
    return `${PREFIX}.${payload}.${this.mac(payload, text).toString("base64url")}`;
  }

  /** Checks a trace's text against its signature; `accountId`, if given, is compared with the tag. */
  verify(text: string, signature: string | undefined | null, accountId?: string): TraceCheck {
    if (signature === undefined || signature === null || signature === "") return { status: "unsigned" };
    if (signature.length > 4096) return { status: "malformed", reason: "signature too long" };
    const parts = signature.split(".");
    if (parts.length !== 3 || parts[0] !== PREFIX)
      return { status: "malformed", reason: `not a ${PREFIX} signature` };
    const [, payload, mac] = parts as [string, string, string];
    let p: TracePayload | undefined;
    try {
      const v = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<TracePayload>;
      if (
        typeof v.x === "string" &&
        typeof v.a === "string" &&
        typeof v.t === "number" &&
        typeof v.s === "string"
      )
        p = v as TracePayload;
    } catch {
      p = undefined;
    }
    const expected = this.mac(payload, text);
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { status: "altered", payload: p };
    if (!p) return { status: "malformed", reason: "payload is not a trace payload" };
    return {
      status: "valid",
      payload: p,
      ...(accountId === undefined ? {} : { accountMatches: this.accountTag(accountId) === p.a }),
    };
  }
}

/** At most this many characters of a trace survive in a summary. */
export const SUMMARY_CHARS = 280;

/**
 * What a protected client sees of a reasoning trace: nothing but a note (withheld), or its
 * first and last sentences, shortened (summary): enough to follow the answer, too little
 * to train on step-by-step reasoning.
 */
export function shieldTrace(text: string, shield: Exclude<Shield, "full">): string {
  const words = text.split(/\s+/).filter(Boolean).length;
  if (shield === "withheld") return `[reasoning withheld by the provider: ${words} words]`;
  const sentences = text
    .replace(/\s+/g, " ")
    .split(/(?<=[.!?])\s/)
    .map((s) => s.trim())
    .filter(Boolean);
  const cap = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}\u2026`);
  const first = sentences[0] ?? "";
  const last = sentences.length > 1 ? at(sentences, sentences.length - 1) : "";
  const body = last
    ? `${cap(first, SUMMARY_CHARS / 2)} \u2026 ${cap(last, SUMMARY_CHARS / 2)}`
    : cap(first, SUMMARY_CHARS);
  return `${body} [reasoning summarised by the provider: ${words} words]`;
}
