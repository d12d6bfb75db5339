// Sign-up risk: before an account exists, how much its sign-up metadata (payment
// instrument, sign-up address, e-mail domain, access pathway, declared country) overlaps
// the infrastructure of accounts already flagged, and which verification to ask for.
// For the provider's sign-up and programme-admission flows (POST /distillguard/v1/signup-risk).
import { type Static, Type } from "@sinclair/typebox";
import type { Reason } from "../contract/index.js";
import { type GroupKind, isFreeMail } from "../linkers/index.js";
import { type Detector, riskOf } from "../verdicts/index.js";

export const SignupSchema = Type.Object(
  {
    payment_fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    signup_ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    email_domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    pathway: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    signup_country: Type.Optional(Type.String({ minLength: 2, maxLength: 2 })),
  },
  { additionalProperties: false },
);
export type Signup = Static<typeof SignupSchema>;

export type Verification = "standard" | "enhanced" | "manual_review";

export interface SignupRisk {
  readonly risk: number;
  readonly reasons: Reason[];
  /** standard: the usual checks; enhanced: identity and payment verification; manual_review: a person decides */
  readonly verification: Verification;
}

/** Programmes with lighter checks, where the reported campaigns hid accounts. */
const PROGRAMMES = new Set(["education", "research", "startup"]);

export function signupRisk(
  detector: Detector,
  /** the campaign each account is in, from the last assembly */
  campaignOf: ReadonlyMap<string, string>,
  s: Signup,
  unsupportedRegions: ReadonlySet<string>,
): SignupRisk {
  // accounts flagged among those that used the value, and the campaigns they are in
  const overlap = (kinds: readonly GroupKind[], value: string): Overlap => {
    const users = new Set<string>();
    for (const k of kinds) for (const a of detector.groups.accountsWith(k, value)) users.add(a);
    let flagged = 0;
    const campaigns = new Set<string>();
    for (const a of users) {
      const d = detector.decisions.get(a);
      if (!d?.flagged) continue;
      flagged++;
      const c = campaignOf.get(a);
      if (c) campaigns.add(c);
    }
    return { used: users.size, flagged, campaigns: [...campaigns].sort() };
  };
  return signupRiskFrom(overlap, s, unsupportedRegions);
}

/** How many accounts used a sign-up value, how many of them are flagged, and in which campaigns. */
export interface Overlap {
  readonly used: number;
  readonly flagged: number;
  readonly campaigns: readonly string[];
}

/** The value kinds each sign-up field is looked up under. */
export const SIGNUP_LOOKUPS = {
  payment_fingerprint: ["payment_fingerprint"],
  signup_ip: ["signup_ip", "ip", "residential_ip"],
  email_domain: ["email_domain"],
} as const satisfies Record<string, readonly GroupKind[]>;

/** Sign-up risk from any source of overlaps (the detector's groups, or the scale-out store). */
export function signupRiskFrom(
  overlap: (kinds: readonly GroupKind[], value: string) => Overlap,
  s: Signup,
  unsupportedRegions: ReadonlySet<string>,
): SignupRisk {
  const reasons: Reason[] = [];
  const add = (signal: string, weight: number, detail: string): void => {
    reasons.push({ signal, detail, weight: Math.round(weight * 1000) / 1000 });
  };
  const inCampaigns = (c: readonly string[]): string => (c.length > 0 ? ` (campaign ${c.join(", ")})` : "");
  if (s.payment_fingerprint) {
    const o = overlap(SIGNUP_LOOKUPS.payment_fingerprint, s.payment_fingerprint);
    if (o.flagged > 0)
      add(
        "campaign_payment",
        Math.min(4, 2 + o.flagged / 2),
        `payment instrument already used by ${o.used} accounts, ${o.flagged} of them flagged${inCampaigns(o.campaigns)}`,
      );
  }
  if (s.signup_ip) {
    const o = overlap(SIGNUP_LOOKUPS.signup_ip, s.signup_ip);
    if (o.flagged > 0)
      add(
        "campaign_address",
        Math.min(3, 1 + o.flagged / 2),
        `sign-up address already used by ${o.used} accounts, ${o.flagged} of them flagged${inCampaigns(o.campaigns)}`,
      );
  }
  if (s.email_domain && !isFreeMail(s.email_domain)) {
    const o = overlap(SIGNUP_LOOKUPS.email_domain, s.email_domain.toLowerCase());
    if (o.flagged > 0 && o.flagged / o.used >= 0.5)
      add(
        "campaign_email_domain",
        1.5,
        `e-mail domain ${s.email_domain} used by ${o.used} accounts, ${o.flagged} of them flagged${inCampaigns(o.campaigns)}`,
      );
  }
  if (s.signup_country && unsupportedRegions.has(s.signup_country))
    add(
      "unsupported_region",
      1.5,
      `declared country ${s.signup_country} is a region where access is not offered`,
    );
  const programme = s.pathway !== undefined && PROGRAMMES.has(s.pathway);
  if (programme)
    add("programme_pathway", 0.3, `${s.pathway} programme: campaigns have used its lighter checks`);
  reasons.sort((a, b) => b.weight - a.weight);
  const score = reasons.reduce((t, r) => t + r.weight, 0);
  const risk = Math.round(riskOf(score) * 10_000) / 10_000;
  const evidence = reasons.some((r) => r.signal.startsWith("campaign_"));
  const verification: Verification =
    risk >= 0.8 ? "manual_review" : risk >= 0.5 || (programme && evidence) ? "enhanced" : "standard";
  return { risk, reasons, verification };
}
