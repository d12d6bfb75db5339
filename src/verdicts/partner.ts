// Partners' indicators as evidence (reason `partner_indicator`): source addresses, user
// agents, and keyed hashes of account ids, payment fingerprints and e-mail domains from
// campaigns other providers shared (src/intel imports them), each weighted by the
// partner's stated confidence. An address or agent counts only while the indicator is
// valid at the exchange's time.
import type { Reason } from "../contract/index.js";
import { at } from "../contract/index.js";

export interface PartnerRef {
  /** who shared it (the bundle's producer) */
  readonly partner: string;
  /** the partner's campaign (its name) */
  readonly campaign: string;
  /** the partner's confidence, 0 to 1 */
  readonly confidence: number;
  /** ms since the epoch; absent: no bound */
  readonly validFrom?: number | undefined;
  readonly validUntil?: number | undefined;
}

export type PartnerKind =
  | "account"
  | "payment_fingerprint"
  | "email_domain"
  | "ip"
  | "shared_ip"
  | "ip_prefix"
  | "user_agent";

export interface PartnerIntel {
  readonly ips: ReadonlyMap<string, readonly PartnerRef[]>;
  /** IPv4 prefixes: base address as an integer, prefix length */
  readonly prefixes: readonly { readonly base: number; readonly bits: number; readonly ref: PartnerRef }[];
  readonly userAgents: ReadonlyMap<string, readonly PartnerRef[]>;
  readonly hashedAccounts: ReadonlyMap<string, readonly PartnerRef[]>;
  readonly hashedPayments: ReadonlyMap<string, readonly PartnerRef[]>;
  readonly hashedEmailDomains: ReadonlyMap<string, readonly PartnerRef[]>;
  /** our own identifiers hashed as the partners hashed theirs; absent: hashed indicators unused */
  readonly hash?:
    | ((kind: "account_id" | "payment_fingerprint" | "email_domain", value: string) => string)
    | undefined;
}

/** How much each kind of match counts, before the partner's confidence. */
export const PARTNER_WEIGHTS: Readonly<Record<PartnerKind, number>> = {
  account: 3,
  payment_fingerprint: 2,
  email_domain: 1,
  ip: 1,
  /** an address that residential, mobile, proxy or VPN exits share with strangers: it proves little */
  shared_ip: 0.2,
  ip_prefix: 0.5,
  user_agent: 0.5,
};

/** The most partner evidence can add to an account's score. */
export const PARTNER_CAP = 2;

export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((at(o, 0) << 24) | (at(o, 1) << 16) | (at(o, 2) << 8) | at(o, 3)) >>> 0;
}

const valid = (r: PartnerRef, ts: number): boolean =>
  (r.validFrom === undefined || ts >= r.validFrom) && (r.validUntil === undefined || ts <= r.validUntil);

/** The partner matches of one account: per partner campaign, the kinds matched. */
export class PartnerHits {
  private readonly byAccount = new Map<string, Map<string, { ref: PartnerRef; kinds: Set<PartnerKind> }>>();

  constructor(readonly intel: PartnerIntel) {}

  private add(
    account: string,
    refs: readonly PartnerRef[] | undefined,
    kind: PartnerKind,
    ts?: number,
  ): void {
    if (!refs) return;
    for (const ref of refs) {
      if (ts !== undefined && !valid(ref, ts)) continue;
      let m = this.byAccount.get(account);
      if (!m) {
        m = new Map();
        this.byAccount.set(account, m);
      }
      const key = `${ref.partner}\u0000${ref.campaign}`;
      const e = m.get(key) ?? { ref, kinds: new Set<PartnerKind>() };
      e.kinds.add(kind);
      m.set(key, e);
    }
  }

  /** An account's sign-up metadata, when it is first seen. */
  account(id: string, paymentFingerprint: string | undefined, emailDomain: string | undefined): void {
    const h = this.intel.hash;
    if (!h) return;
    this.add(id, this.intel.hashedAccounts.get(h("account_id", id)), "account");
    if (paymentFingerprint)
      this.add(
        id,
        this.intel.hashedPayments.get(h("payment_fingerprint", paymentFingerprint)),
        "payment_fingerprint",
      );
    if (emailDomain)
      this.add(id, this.intel.hashedEmailDomains.get(h("email_domain", emailDomain)), "email_domain");
  }

  /** One exchange's source address (`sharedExit`: a residential, mobile, proxy or VPN exit) and user agent. */
  exchange(
    id: string,
    ts: number,
    ip: string | undefined,
    sharedExit: boolean,
    userAgent: string | undefined,
  ): void {
    if (ip !== undefined) {
      this.add(id, this.intel.ips.get(ip), sharedExit ? "shared_ip" : "ip", ts);
      if (this.intel.prefixes.length > 0) {
        const n = ipv4ToInt(ip);
        if (n !== undefined)
          for (const p of this.intel.prefixes) {
            const mask = p.bits === 0 ? 0 : (0xffffffff << (32 - p.bits)) >>> 0;
            if ((n & mask) >>> 0 === (p.base & mask) >>> 0)
              this.add(id, [p.ref], sharedExit ? "shared_ip" : "ip_prefix", ts);
          }
      }
    }
    if (userAgent !== undefined) this.add(id, this.intel.userAgents.get(userAgent), "user_agent", ts);
  }

  /** The account's partner evidence as a reason, or none. */
  reason(id: string): Reason | undefined {
    const m = this.byAccount.get(id);
    if (!m) return undefined;
    let best: { weight: number; ref: PartnerRef; kinds: Set<PartnerKind> } | undefined;
    for (const e of m.values()) {
      let w = 0;
      for (const k of e.kinds) w += PARTNER_WEIGHTS[k];
      const weight = Math.min(PARTNER_CAP, w) * Math.max(0, Math.min(1, e.ref.confidence));
      if (!best || weight > best.weight) best = { weight, ref: e.ref, kinds: e.kinds };
    }
    if (!best || best.weight <= 0) return undefined;
    return {
      signal: "partner_indicator",
      detail: `shares ${[...best.kinds].sort().join(", ")} with ${best.ref.partner}'s "${best.ref.campaign}" (stated confidence ${Math.round(best.ref.confidence * 100)})${m.size > 1 ? `; ${m.size} partner campaigns in all` : ""}`,
      weight: Math.round(best.weight * 1000) / 1000,
    };
  }
}
