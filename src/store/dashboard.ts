// What the analyst dashboard reads from and writes to a store, as typed results: the SQL is
// here, the pages (src/ui) only render. `duckDbDashboard(path)` implements it over the embedded
// store (each read opens it read-only and locked for the moment it takes, so that an analysis
// or a gateway can write between pages); a shared store could implement the same interface.
import type { Indicator, Reason } from "../contract/index.js";
import { addReview, prepareStore, type Review, readStore } from "./duckdb.js";

export interface Totals {
  readonly exchanges: number;
  readonly accounts: number;
  readonly flagged: number;
  readonly campaigns: number;
  /** exchanges of flagged accounts */
  readonly flaggedExchanges: number;
}

/** The latest review of an account or a campaign. */
export interface ReviewState {
  readonly decision: string;
  readonly comment: string;
  readonly analyst: string;
  /** when, UTC, to the minute */
  readonly when: string;
}

export interface CampaignSummary {
  readonly campaignId: string;
  readonly accounts: number;
  readonly exchanges: number;
  /** days, UTC */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly confidence: number;
  /** the latest review's decision, if any */
  readonly decision: string | null;
}

export interface DailyCount {
  readonly day: string;
  readonly series: string;
  readonly n: number;
}

export interface Overview {
  readonly totals: Totals;
  readonly campaigns: readonly CampaignSummary[];
  /** exchanges per day, by campaign ("other traffic" for the rest) */
  readonly daily: readonly DailyCount[];
  /** latest reviews, counted by decision */
  readonly reviews: readonly { readonly decision: string; readonly n: number }[];
  /** gateways' policy decisions, counted by action and whether they were acted on */
  readonly decisions: readonly { readonly action: string; readonly acted: boolean; readonly n: number }[];
}

export interface CampaignDetail {
  readonly campaignId: string;
  readonly accounts: number;
  readonly exchanges: number;
  /** UTC, to the minute */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly confidence: number;
  readonly capabilities: Readonly<Record<string, number>>;
  readonly indicators: readonly Indicator[];
  readonly evidence: readonly Reason[];
  /** exchanges per day, by model */
  readonly daily: readonly DailyCount[];
  readonly releases: readonly { readonly day: string; readonly model: string }[];
  /** the largest accounts, by exchanges */
  readonly members: readonly {
    readonly accountId: string;
    readonly risk: number;
    readonly exchanges: number;
  }[];
  readonly review: ReviewState | undefined;
}

/** Accounts of a campaign that use the same shared values, counted, with some of their ids. */
export interface SignatureRow {
  readonly accounts: number;
  readonly examples: readonly string[];
  readonly values: readonly { readonly kind: string; readonly value: string }[];
}

export const ACCOUNT_SORTS = ["risk", "exchanges", "last_seen", "account_id"] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];

export interface AccountQuery {
  /** a part of the account id (case-insensitive) */
  readonly text: string;
  /** only this campaign's accounts ("" for all) */
  readonly campaign: string;
  readonly flaggedOnly: boolean;
  readonly sort: AccountSort;
  readonly dir: "asc" | "desc";
  /** 1-based */
  readonly page: number;
  readonly pageSize: number;
}

export interface AccountRow {
  readonly accountId: string;
  readonly risk: number;
  readonly flagged: boolean;
  readonly campaignId: string | null;
  readonly exchanges: number;
  /** UTC, to the minute */
  readonly lastSeen: string;
  /** the strongest reason's signal */
  readonly strongest: string;
}

export interface AccountDetail {
  readonly accountId: string;
  readonly risk: number;
  readonly flagged: boolean;
  readonly campaignId: string | null;
  /** UTC, to the minute */
  readonly firstFlaggedAt: string;
  readonly exchanges: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly reasons: readonly Reason[];
  /** exchanges per day, by capability */
  readonly daily: readonly DailyCount[];
  readonly sessions: { readonly sessions: number; readonly longest: number } | undefined;
  /** the busiest address and agent pairs */
  readonly infra: readonly {
    readonly ip: string;
    readonly ipType: string;
    readonly country: string;
    readonly userAgent: string;
    readonly n: number;
  }[];
  readonly infraTotal: { readonly ips: number; readonly agents: number; readonly pairs: number };
  /** sign-up metadata, when the store keeps it */
  readonly meta:
    | {
        readonly createdAt: string;
        readonly pathway: string;
        readonly verified: boolean | null;
        readonly signupCountry: string;
        readonly paymentFingerprint: string;
        readonly emailDomain: string;
        readonly orgId: string;
      }
    | undefined;
  readonly review: ReviewState | undefined;
}

/** An account's latest review, with its campaign (labels.jsonl). */
export interface ReviewedAccount {
  readonly accountId: string;
  readonly decision: string;
  readonly comment: string;
  readonly analyst: string;
  readonly when: string;
  readonly campaignId: string | null;
}

export interface DashboardStore {
  /** Creates what an older store lacks (reviews, per-account summaries). */
  prepare(): Promise<void>;
  overview(): Promise<Overview>;
  campaign(id: string): Promise<CampaignDetail | undefined>;
  /**
   * The campaign's accounts grouped by which of its indicators (of `kinds`) they use, largest
   * groups first, with up to `examples` ids each.
   */
  campaignSignatures(id: string, kinds: readonly string[], examples: number): Promise<SignatureRow[]>;
  accounts(q: AccountQuery): Promise<{ readonly total: number; readonly rows: readonly AccountRow[] }>;
  account(id: string): Promise<AccountDetail | undefined>;
  /** Every account's latest review, by account id. */
  reviewedAccounts(): Promise<ReviewedAccount[]>;
  /** The accounts a review of this target covers (a campaign's members), with their reasons. */
  reviewTargets(
    type: "account" | "campaign",
    id: string,
  ): Promise<{ readonly accountId: string; readonly reasons: readonly Reason[] }[]>;
  addReview(r: Review): Promise<void>;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));
const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** A JSON column: DuckDB hands it over as text or as a value. */
const json = <T>(v: unknown, fallback: T): T => {
  if (typeof v !== "string") return (v as T) ?? fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
};
const daily = (rows: readonly Row[]): DailyCount[] =>
  rows.map((d) => ({ day: str(d.d), series: str(d.series), n: num(d.n) }));
const reviewState = (r: Row | undefined): ReviewState | undefined =>
  r === undefined
    ? undefined
    : { decision: str(r.decision), comment: str(r.comment), analyst: str(r.analyst), when: str(r.when) };

const LATEST_REVIEWS = `select target_type, target_id, decision, comment, analyst, strftime(reviewed_at, '%Y-%m-%d %H:%M') "when" from (
  select *, row_number() over (partition by target_type, target_id order by reviewed_at desc) n from reviews) where n = 1`;

/** The kinds of indicator a campaign's signatures can be made of, and where each is kept. */
const SIGNATURE_KINDS = [
  "ip",
  "residential_ip",
  "user_agent",
  "payment_fingerprint",
  "email_domain",
  "org",
  "signup_ip",
] as const;

/** The dashboard's reads and writes over the embedded DuckDB store at `path`. */
export function duckDbDashboard(path: string): DashboardStore {
  return {
    prepare: () => prepareStore(path),

    async overview() {
      const q = await readStore(path, {
        totals: {
          sql: `select (select count(*) from exchanges) exchanges, (select count(*) from accounts) accounts,
            (select count(*) from accounts where flagged) flagged, (select count(*) from campaigns) campaigns,
            (select coalesce(sum(exchanges), 0) from accounts where flagged) flagged_exchanges`,
        },
        campaigns: {
          sql: `select c.campaign_id, c.accounts, c.exchanges, strftime(c.first_seen, '%Y-%m-%d') first_seen,
            strftime(c.last_seen, '%Y-%m-%d') last_seen, c.confidence, r.decision
            from campaigns c left join (${LATEST_REVIEWS}) r on r.target_type = 'campaign' and r.target_id = c.campaign_id
            order by c.exchanges desc`,
        },
        // the per-day totals are kept by each analysis (daily_traffic); an older store is counted below
        daily: { sql: "select d, series, n from daily_traffic order by 1" },
        reviews: { sql: `select decision, count(*) n from (${LATEST_REVIEWS}) group by 1 order by 1` },
        decisions: {
          sql: "select action, acted, sum(n) n from gateway_decisions group by all order by action, acted desc",
        },
      });
      const t = q.totals[0] ?? {};
      let perDay = q.daily;
      if (perDay.length === 0 && num(t.exchanges) > 0)
        perDay = (
          await readStore(path, {
            d: {
              sql: `select strftime(date_trunc('day', e.ts), '%Y-%m-%d') d, coalesce(a.campaign_id, 'other traffic') series, count(*) n
                from exchanges e join accounts a using (account_id) group by all order by 1`,
            },
          })
        ).d;
      return {
        totals: {
          exchanges: num(t.exchanges),
          accounts: num(t.accounts),
          flagged: num(t.flagged),
          campaigns: num(t.campaigns),
          flaggedExchanges: num(t.flagged_exchanges),
        },
        campaigns: q.campaigns.map((c) => ({
          campaignId: str(c.campaign_id),
          accounts: num(c.accounts),
          exchanges: num(c.exchanges),
          firstSeen: str(c.first_seen),
          lastSeen: str(c.last_seen),
          confidence: num(c.confidence),
          decision: strOrNull(c.decision),
        })),
        daily: daily(perDay),
        reviews: q.reviews.map((r) => ({ decision: str(r.decision), n: num(r.n) })),
        decisions: q.decisions.map((d) => ({ action: str(d.action), acted: d.acted === true, n: num(d.n) })),
      };
    },

    async campaign(id) {
      const q = await readStore(path, {
        c: {
          sql: `select campaign_id, accounts, exchanges, strftime(first_seen, '%Y-%m-%d %H:%M') first_seen, strftime(last_seen, '%Y-%m-%d %H:%M') last_seen,
            confidence, capabilities, indicators, evidence from campaigns where campaign_id = $id`,
          params: { id },
        },
        daily: {
          sql: `select d.d, d.model series, sum(d.n) n
            from account_daily d join campaign_accounts ca using (account_id) where ca.campaign_id = $id group by all order by 1`,
          params: { id },
        },
        releases: { sql: "select model, strftime(ts, '%Y-%m-%d') d from releases order by ts" },
        members: {
          sql: `select a.account_id, a.risk, a.exchanges from campaign_accounts ca join accounts a using (account_id)
            where ca.campaign_id = $id order by a.exchanges desc limit 20`,
          params: { id },
        },
        review: {
          sql: `select * from (${LATEST_REVIEWS}) where target_type = 'campaign' and target_id = $id`,
          params: { id },
        },
      });
      const c = q.c[0];
      if (!c) return undefined;
      return {
        campaignId: str(c.campaign_id),
        accounts: num(c.accounts),
        exchanges: num(c.exchanges),
        firstSeen: str(c.first_seen),
        lastSeen: str(c.last_seen),
        confidence: num(c.confidence),
        capabilities: json<Record<string, number>>(c.capabilities, {}),
        indicators: json<Indicator[]>(c.indicators, []),
        evidence: json<Reason[]>(c.evidence, []),
        daily: daily(q.daily),
        releases: q.releases.map((r) => ({ day: str(r.d), model: str(r.model) })),
        members: q.members.map((m) => ({
          accountId: str(m.account_id),
          risk: num(m.risk),
          exchanges: num(m.exchanges),
        })),
        review: reviewState(q.review[0]),
      };
    },

    async campaignSignatures(id, kinds, examples) {
      const q = await readStore(path, {
        c: { sql: "select indicators from campaigns where campaign_id = $id", params: { id } },
      });
      const c = q.c[0];
      if (!c) return [];
      const wanted = new Set(kinds);
      const indicators = json<{ kind: string; value: string }[]>(c.indicators, []).filter((i) =>
        wanted.has(i.kind),
      );
      const of = (kind: (typeof SIGNATURE_KINDS)[number]): string =>
        indicators
          .filter((i) => i.kind === kind)
          .map((i) => i.value)
          .join("\u0001");
      // each account's shared values (of the campaign's indicators), then accounts grouped by them
      const r = await readStore(path, {
        sigs: {
          sql: `with m as (select account_id from campaign_accounts where campaign_id = $id),
            v as (select 'ip' kind, unnest(string_split($ips, chr(1))) val
              union all select 'residential_ip', unnest(string_split($resid, chr(1)))
              union all select 'user_agent', unnest(string_split($uas, chr(1)))
              union all select 'payment_fingerprint', unnest(string_split($cards, chr(1)))
              union all select 'email_domain', unnest(string_split($domains, chr(1)))
              union all select 'org', unnest(string_split($orgs, chr(1)))
              union all select 'signup_ip', unnest(string_split($signups, chr(1)))),
            infra as (select distinct i.account_id, i.ip, i.user_agent from account_infra i semi join m using (account_id)),
            meta as (select * from account_meta semi join m using (account_id)),
            uses as (
              select distinct i.account_id, v.kind, v.val from infra i join v on v.kind in ('ip', 'residential_ip') and i.ip = v.val
              union select distinct i.account_id, v.kind, v.val from infra i join v on v.kind = 'user_agent' and i.user_agent = v.val
              union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'payment_fingerprint' and a.payment_fingerprint = v.val
              union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'email_domain' and lower(a.email_domain) = v.val
              union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'org' and a.org_id = v.val
              union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'signup_ip' and a.signup_ip = v.val),
            per as (select m.account_id, coalesce(string_agg(u.kind || chr(2) || u.val, chr(1) order by u.kind, u.val), '') sig
              from m left join uses u using (account_id) group by m.account_id)
            select sig, count(*) n, list(account_id order by account_id)[1:$examples] examples
            from per group by sig order by n desc, sig limit 400`,
          params: {
            id,
            examples: Math.max(0, Math.floor(examples)),
            ips: of("ip"),
            resid: of("residential_ip"),
            uas: of("user_agent"),
            cards: of("payment_fingerprint"),
            domains: of("email_domain"),
            orgs: of("org"),
            signups: of("signup_ip"),
          },
        },
      });
      return r.sigs.map((row) => ({
        accounts: num(row.n),
        examples: (Array.isArray(row.examples) ? row.examples : []).map(str),
        values: str(row.sig)
          .split("\u0001")
          .filter((x) => x.length > 0)
          .map((x) => {
            const [kind = "", value = ""] = x.split("\u0002");
            return { kind, value };
          }),
      }));
    },

    async accounts(a) {
      const where = `where account_id ilike $q and ($campaign = '' or campaign_id = $campaign) and (not $flagged or flagged)`;
      const params = {
        q: `%${a.text.replaceAll("%", "").replaceAll("_", "\\_")}%`,
        campaign: a.campaign,
        flagged: a.flaggedOnly,
      };
      // the sort column and direction come from closed lists; paging is bound as integers
      const sort: AccountSort = ACCOUNT_SORTS.includes(a.sort) ? a.sort : "risk";
      const dir = a.dir === "asc" ? "asc" : "desc";
      const size = Math.max(1, Math.floor(a.pageSize));
      const q = await readStore(path, {
        n: { sql: `select count(*) n from accounts ${where}`, params },
        rows: {
          sql: `select account_id, risk, flagged, campaign_id, exchanges, strftime(last_seen, '%Y-%m-%d %H:%M') last_seen,
            json_extract_string(reasons, '$[0].signal') strongest from accounts ${where}
            order by ${sort} ${dir}, account_id limit ${size} offset ${(Math.max(1, Math.floor(a.page)) - 1) * size}`,
          params,
        },
      });
      return {
        total: num(q.n[0]?.n),
        rows: q.rows.map((r) => ({
          accountId: str(r.account_id),
          risk: num(r.risk),
          flagged: r.flagged === true,
          campaignId: strOrNull(r.campaign_id),
          exchanges: num(r.exchanges),
          lastSeen: str(r.last_seen),
          strongest: str(r.strongest),
        })),
      };
    },

    async account(id) {
      const q = await readStore(path, {
        a: {
          sql: `select account_id, risk, flagged, campaign_id, strftime(first_flagged_at, '%Y-%m-%d %H:%M') first_flagged_at, exchanges,
            strftime(first_seen, '%Y-%m-%d %H:%M') first_seen, strftime(last_seen, '%Y-%m-%d %H:%M') last_seen, reasons from accounts where account_id = $id`,
          params: { id },
        },
        // per-account summaries kept by each analysis (the store's account_daily, account_sessions, account_infra)
        daily: {
          sql: `select d, capability series, sum(n) n from account_daily where account_id = $id group by all order by 1`,
          params: { id },
        },
        sessions: {
          sql: "select sessions, per_session, longest from account_sessions where account_id = $id",
          params: { id },
        },
        infra: {
          sql: `select ip, ip_type, country, user_agent, sum(n) n from account_infra where account_id = $id
            group by all order by n desc limit 10`,
          params: { id },
        },
        infraTotal: {
          sql: `select count(distinct ip) ips, count(distinct user_agent) agents, count(*) pairs from account_infra where account_id = $id`,
          params: { id },
        },
        meta: {
          sql: `select strftime(created_at, '%Y-%m-%d %H:%M') created_at, pathway, verified, signup_country, payment_fingerprint,
            email_domain, org_id from account_meta where account_id = $id`,
          params: { id },
        },
        review: {
          sql: `select * from (${LATEST_REVIEWS}) where target_type = 'account' and target_id = $id`,
          params: { id },
        },
      });
      const a = q.a[0];
      if (!a) return undefined;
      const m = q.meta[0];
      const s = q.sessions[0];
      const t = q.infraTotal[0];
      return {
        accountId: str(a.account_id),
        risk: num(a.risk),
        flagged: a.flagged === true,
        campaignId: strOrNull(a.campaign_id),
        firstFlaggedAt: str(a.first_flagged_at),
        exchanges: num(a.exchanges),
        firstSeen: str(a.first_seen),
        lastSeen: str(a.last_seen),
        reasons: json<Reason[]>(a.reasons, []),
        daily: daily(q.daily),
        sessions: s === undefined ? undefined : { sessions: num(s.sessions), longest: num(s.longest) },
        infra: q.infra.map((r) => ({
          ip: str(r.ip),
          ipType: str(r.ip_type),
          country: str(r.country),
          userAgent: str(r.user_agent),
          n: num(r.n),
        })),
        infraTotal: { ips: num(t?.ips), agents: num(t?.agents), pairs: num(t?.pairs) },
        meta:
          m === undefined
            ? undefined
            : {
                createdAt: str(m.created_at),
                pathway: str(m.pathway),
                verified: m.verified === null || m.verified === undefined ? null : m.verified === true,
                signupCountry: str(m.signup_country),
                paymentFingerprint: str(m.payment_fingerprint),
                emailDomain: str(m.email_domain),
                orgId: str(m.org_id),
              },
        review: reviewState(q.review[0]),
      };
    },

    async reviewedAccounts() {
      const q = await readStore(path, {
        r: {
          sql: `select r.target_id, r.decision, r.comment, r.analyst, r."when", a.campaign_id from (${LATEST_REVIEWS}) r
            left join accounts a on r.target_type = 'account' and a.account_id = r.target_id where r.target_type = 'account' order by r.target_id`,
        },
      });
      return q.r.map((r) => ({
        accountId: str(r.target_id),
        decision: str(r.decision),
        comment: str(r.comment),
        analyst: str(r.analyst),
        when: str(r.when),
        campaignId: strOrNull(r.campaign_id),
      }));
    },

    async reviewTargets(type, id) {
      const q = await readStore(path, {
        accounts: {
          sql:
            type === "campaign"
              ? "select account_id, reasons from accounts where campaign_id = $id"
              : "select account_id, reasons from accounts where account_id = $id",
          params: { id },
        },
      });
      return q.accounts.map((a) => ({
        accountId: str(a.account_id),
        reasons: json<Reason[]>(a.reasons, []),
      }));
    },

    addReview: (r) => addReview(path, r),
  };
}
