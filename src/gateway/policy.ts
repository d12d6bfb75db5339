// The gateway's policy: ordered rules over an account's standing (risk, flag, campaign,
// signals) and its sign-up attributes, each with an action. The first rule that matches
// decides; none matching means the policy's default. Actions: allow; throttle (token
// buckets per account and per campaign); challenge (403 asking for verification);
// block (403); protect (the answer goes through output protection: a no-op hook until
// that exists). A policy file is checked field by field and reloaded when it changes;
// a broken edit keeps the last good policy and says why.
import { statSync, unwatchFile, watchFile } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { AccountRecord } from "../contract/index.js";
import { checkAgainst, readJsonFile } from "./_json.js";
import type { Standing } from "./scoring.js";

export const ACTIONS = ["allow", "throttle", "challenge", "block", "protect"] as const;
export type Action = (typeof ACTIONS)[number];

const Bucket = Type.Object(
  {
    requests: Type.Integer({ minimum: 1, description: "requests allowed per window" }),
    per_seconds: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

const Rule = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    when: Type.Object(
      {
        risk_at_least: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        risk_below: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        flagged: Type.Optional(Type.Boolean()),
        campaign: Type.Optional(Type.String({ minLength: 1, description: 'a campaign id, or "*" for any' })),
        signal: Type.Optional(
          Type.String({ minLength: 1, description: "a reason the account's standing carries" }),
        ),
        pathway: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        verified: Type.Optional(Type.Boolean()),
        account_id: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        org_id: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      },
      { additionalProperties: false },
    ),
    action: Type.Union(ACTIONS.map((a) => Type.Literal(a))),
    per_account: Type.Optional(Bucket),
    per_campaign: Type.Optional(Bucket),
  },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object(
  {
    rules: Type.Array(Rule),
    default: Type.Optional(Type.Union(ACTIONS.map((a) => Type.Literal(a)))),
  },
  { additionalProperties: false },
);
export type PolicyFile = Static<typeof PolicySchema>;

export class PolicyError extends Error {
  override readonly name = "PolicyError";
}

/** What a request is judged on. */
export interface Subject {
  readonly accountId: string;
  readonly orgId: string | undefined;
  readonly standing: Standing | undefined;
  readonly account: AccountRecord | undefined;
}

export interface Decision {
  readonly action: Action;
  /** the rule that decided, or "default" */
  readonly rule: string;
  /** why, for the log and for the client's error body */
  readonly reasons: readonly string[];
  /** for throttle: whether this request is over its bucket, and when to retry (s) */
  readonly limited?: { readonly retryAfterS: number; readonly bucket: "account" | "campaign" };
}

type RuleT = PolicyFile["rules"][number];

/** A checked policy with its token buckets. */
export class Policy {
  /** the token buckets by rule index and bucket kind */
  private readonly limiters = new Map<string, RateLimiterMemory>();
  /** the same buckets by what the rule says (its text and its place among identical rules) */
  private readonly byRule = new Map<string, RateLimiterMemory>();

  /**
   * `previous`: the policy this one replaces (a reload). A rule whose text is unchanged keeps
   * its buckets, wherever it moved in the file, so that a reload (even a `touch`) does not
   * hand every throttled account a fresh allowance; a changed rule starts afresh.
   */
  constructor(
    readonly file: PolicyFile,
    previous?: Policy,
  ) {
    const seen = new Map<string, number>();
    file.rules.forEach((r, i) => {
      if (r.action === "throttle" && !r.per_account && !r.per_campaign)
        throw new PolicyError(`/rules/${i}: a throttle rule needs per_account or per_campaign`);
      const text = JSON.stringify(r);
      const nth = seen.get(text) ?? 0;
      seen.set(text, nth + 1);
      const bucket = (
        kind: "account" | "campaign",
        limit: { requests: number; per_seconds: number },
      ): void => {
        const key = `${nth}:${kind}:${text}`;
        const limiter =
          previous?.byRule.get(key) ??
          new RateLimiterMemory({ points: limit.requests, duration: limit.per_seconds });
        this.limiters.set(`${i}:${kind}`, limiter);
        this.byRule.set(key, limiter);
      };
      if (r.per_account) bucket("account", r.per_account);
      if (r.per_campaign) bucket("campaign", r.per_campaign);
    });
  }

  static parse(source: string, raw: unknown, previous?: Policy): Policy {
    checkAgainst(PolicySchema, source, raw, (m) => new PolicyError(m));
    try {
      return new Policy(raw, previous);
    } catch (err) {
      throw new PolicyError(`${source}: ${(err as Error).message}`);
    }
  }

  static load(file: string, previous?: Policy): Policy {
    return Policy.parse(
      file,
      readJsonFile(file, (m) => new PolicyError(m)),
      previous,
    );
  }

  private matches(r: RuleT, s: Subject): string[] | undefined {
    const w = r.when;
    const reasons: string[] = [];
    const risk = s.standing?.risk ?? 0;
    if (w.risk_at_least !== undefined) {
      if (risk < w.risk_at_least) return undefined;
      reasons.push(`risk ${risk.toFixed(2)} ≥ ${w.risk_at_least}`);
    }
    if (w.risk_below !== undefined && !(risk < w.risk_below)) return undefined;
    if (w.flagged !== undefined) {
      if ((s.standing?.flagged ?? false) !== w.flagged) return undefined;
      if (w.flagged) reasons.push("flagged");
    }
    if (w.campaign !== undefined) {
      const c = s.standing?.campaignId ?? null;
      if (c === null || (w.campaign !== "*" && c !== w.campaign)) return undefined;
      reasons.push(`campaign ${c}`);
    }
    if (w.signal !== undefined) {
      if (!s.standing?.reasons.some((x) => x.signal === w.signal)) return undefined;
      reasons.push(`signal ${w.signal}`);
    }
    if (w.pathway !== undefined && !w.pathway.includes(s.account?.pathway ?? "")) return undefined;
    if (w.verified !== undefined && (s.account?.verified ?? false) !== w.verified) return undefined;
    if (w.account_id !== undefined && !w.account_id.includes(s.accountId)) return undefined;
    if (w.org_id !== undefined && !w.org_id.includes(s.orgId ?? "")) return undefined;
    return reasons;
  }

  /** Decides a request; a throttle also spends a token from its buckets. */
  async decide(s: Subject): Promise<Decision> {
    for (const [i, r] of this.file.rules.entries()) {
      const reasons = this.matches(r, s);
      if (reasons === undefined) continue;
      if (r.action !== "throttle") return { action: r.action, rule: r.name, reasons };
      for (const [bucket, key] of [
        ["account", s.accountId],
        ["campaign", s.standing?.campaignId ?? undefined],
      ] as const) {
        const limiter = this.limiters.get(`${i}:${bucket}`);
        if (!limiter || key === undefined) continue;
        try {
          await limiter.consume(key);
        } catch (res) {
          const ms = (res as { msBeforeNext?: number }).msBeforeNext ?? 1000;
          return {
            action: "throttle",
            rule: r.name,
            reasons: [
              ...reasons,
              `${bucket} over ${bucket === "account" ? r.per_account?.requests : r.per_campaign?.requests} requests a window`,
            ],
            limited: { retryAfterS: Math.max(1, Math.ceil(ms / 1000)), bucket },
          };
        }
      }
      return { action: "throttle", rule: r.name, reasons };
    }
    return { action: this.file.default ?? "allow", rule: "default", reasons: [] };
  }
}

/** A policy file, reloaded when it changes; a broken edit keeps the last good policy. */
export class PolicyFileWatch {
  private policy: Policy;
  private loaded: string;
  private readonly first: NodeJS.Timeout;

  constructor(
    private readonly file: string,
    private readonly onReload: (error: PolicyError | undefined) => void = () => {},
    intervalMs = 1000,
  ) {
    this.loaded = this.stamp();
    this.policy = Policy.load(file);
    watchFile(file, { interval: intervalMs, persistent: false }, () => this.reload());
    // the watcher's first look may come after an edit made just after the load: check once
    this.first = setTimeout(() => {
      if (this.stamp() !== this.loaded) this.reload();
    }, 2 * intervalMs);
    this.first.unref();
  }

  private stamp(): string {
    try {
      const st = statSync(this.file);
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return "missing";
    }
  }

  /** Reads the file again now (also called on change). */
  reload(): void {
    this.loaded = this.stamp();
    try {
      this.policy = Policy.load(this.file, this.policy);
      this.onReload(undefined);
    } catch (err) {
      this.onReload(err instanceof PolicyError ? err : new PolicyError(String(err)));
    }
  }

  current(): Policy {
    return this.policy;
  }

  close(): void {
    clearTimeout(this.first);
    unwatchFile(this.file);
  }
}
