// A gateway's scorer in the scale-out mode: it publishes each exchange to the stream (the
// workers score it) and answers from a local copy of the shared store's verdicts.
//
// Staleness, bounded: the copy is refreshed every `refreshMs` (default 2 s). Own-evidence
// flags reach it within refreshMs plus a worker's commit interval (1 s) plus the
// partition's checkpoint (15 minutes of log time, as the embedded analysis); campaign-level
// verdicts (boosts from shared infrastructure and templates, campaign ids) within
// refreshMs plus the leader's linkage interval (default 60 s) plus the linkage run
// itself. A request never waits for the store: it reads the copy.
import type { ExchangeRecord, Reason } from "../contract/index.js";
import {
  DecisionCounts,
  type Overlap,
  type SaveResult,
  type Scorer,
  SIGNUP_LOOKUPS,
  type Signup,
  type SignupRisk,
  type Standing,
  signupRiskFrom,
} from "../gateway/index.js";
import type { GroupKind } from "../linkers/index.js";
import { Bus, type BusOptions, Publisher } from "./bus.js";
import { migrate, openPg, type Sql } from "./pg.js";

export interface SharedScorerOptions {
  readonly bus: BusOptions;
  readonly pg: string;
  /** how often the local copy of verdicts is refreshed (default 2000 ms) */
  readonly refreshMs?: number;
  /** exchanges waiting for the stream's acknowledgement at most; beyond it new ones are dropped and counted (default 100,000) */
  readonly maxPending?: number;
  readonly onError?: (what: string, err: unknown) => void;
}

export class SharedScorer implements Scorer {
  private standings = new Map<string, Standing>();
  private campaigns = 0;
  private lastRun = 0;
  private stateSince = new Date(0);
  private timer: NodeJS.Timeout | undefined;
  private pending = 0;
  private readonly decisions = new DecisionCounts();
  /** exchanges dropped because the stream fell behind */
  dropped = 0;
  published = 0;

  private constructor(
    private readonly bus: Bus,
    private readonly sql: Sql,
    private readonly publisher: Publisher,
    private readonly o: SharedScorerOptions,
  ) {}

  static async open(o: SharedScorerOptions): Promise<SharedScorer> {
    const bus = await Bus.open(o.bus);
    const sql = openPg(o.pg, { max: 2 });
    try {
      await migrate(sql);
    } catch (err) {
      await bus.close();
      await sql.end({ timeout: 5 });
      throw err;
    }
    const s = new SharedScorer(bus, sql, new Publisher(bus, 1024), o);
    await s.refresh();
    s.timer = setInterval(() => {
      s.refresh().catch((err: unknown) => o.onError?.("refresh", err));
    }, o.refreshMs ?? 2000);
    s.timer.unref();
    return s;
  }

  observe(record: ExchangeRecord, line?: string): void {
    if (this.pending >= (this.o.maxPending ?? 100_000)) {
      this.dropped++;
      return;
    }
    this.pending++;
    this.publisher
      .exchange(record.account_id, record.id, line ?? JSON.stringify(record))
      .then(
        () => {
          this.published++;
        },
        (err: unknown) => this.o.onError?.("publish", err),
      )
      .finally(() => {
        this.pending--;
      });
  }

  standing(accountId: string): Standing | undefined {
    return this.standings.get(accountId);
  }

  /** Reads the verdicts of a new linkage run whole, and own-evidence flags committed since the last refresh. */
  async refresh(): Promise<void> {
    const [run] = await this.sql<{ id: number; campaigns: number }[]>`
      select id, campaigns from linkage_runs order by id desc limit 1`;
    if (run && run.id !== this.lastRun) {
      const next = new Map<string, Standing>();
      await this.sql<
        {
          account_id: string;
          risk: number;
          flagged: boolean;
          campaign_id: string | null;
          reasons: Reason[];
        }[]
      >`
        select account_id, risk, flagged, campaign_id, line -> 'reasons' reasons from verdicts`.cursor(
        5000,
        async (rows) => {
          for (const r of rows)
            next.set(r.account_id, {
              risk: r.risk,
              flagged: r.flagged,
              campaignId: r.campaign_id,
              reasons: r.reasons,
            });
        },
      );
      this.standings = next;
      this.lastRun = run.id;
      this.campaigns = run.campaigns;
    }
    // a partition's checkpoint can flag an account on its own evidence before the next linkage run
    const since = this.stateSince;
    const fresh = await this.sql<{ account_id: string; risk: number; flagged: boolean; updated_at: Date }[]>`
      select account_id, risk, flagged, updated_at from account_state where updated_at > ${since} order by updated_at`;
    for (const r of fresh) {
      const had = this.standings.get(r.account_id);
      if (!had || (r.flagged && !had.flagged) || r.risk > had.risk)
        this.standings.set(r.account_id, {
          risk: Math.max(r.risk, had?.risk ?? 0),
          flagged: r.flagged || (had?.flagged ?? false),
          campaignId: had?.campaignId ?? null,
          reasons: had?.flagged
            ? had.reasons
            : r.flagged
              ? [
                  {
                    signal: "own_evidence",
                    detail: "flagged on its own evidence by its partition's worker",
                    weight: 0,
                  },
                ]
              : [],
        });
      if (r.updated_at > this.stateSince) this.stateSince = r.updated_at;
    }
  }

  async signupRisk(s: Signup, unsupportedRegions: ReadonlySet<string>): Promise<SignupRisk> {
    // the overlaps come from the store's shared values and verdicts; looked up first, then scored
    const found = new Map<string, Overlap>();
    const lookups: [readonly GroupKind[], string][] = [];
    if (s.payment_fingerprint) lookups.push([SIGNUP_LOOKUPS.payment_fingerprint, s.payment_fingerprint]);
    if (s.signup_ip) lookups.push([SIGNUP_LOOKUPS.signup_ip, s.signup_ip]);
    if (s.email_domain) lookups.push([SIGNUP_LOOKUPS.email_domain, s.email_domain.toLowerCase()]);
    for (const [kinds, value] of lookups) {
      const [r] = await this.sql<{ used: number; flagged: number; campaigns: string[] }[]>`
        select count(distinct m.account_id)::int used,
          (count(distinct m.account_id) filter (where v.flagged))::int flagged,
          coalesce(array_agg(distinct v.campaign_id order by v.campaign_id) filter (where v.flagged and v.campaign_id is not null), '{}') campaigns
        from link_members m left join verdicts v using (account_id)
        where m.kind = any(${kinds as string[]}::text[]) and m.value = ${value}`;
      found.set(`${kinds.join(",")}\u0000${value}`, r ?? { used: 0, flagged: 0, campaigns: [] });
    }
    return signupRiskFrom(
      (kinds, value) =>
        found.get(`${kinds.join(",")}\u0000${value}`) ?? { used: 0, flagged: 0, campaigns: [] },
      s,
      unsupportedRegions,
    );
  }

  async checkpoint(): Promise<number> {
    await this.publisher.flush();
    await this.refresh();
    return 0;
  }

  async link(): Promise<number> {
    await this.refresh();
    return this.campaigns;
  }

  decided(action: string, acted: boolean, at: number): void {
    this.decisions.add(action, acted, at);
  }

  async save(): Promise<SaveResult | undefined> {
    await this.publisher.flush();
    const rows = this.decisions.take();
    if (rows.length > 0)
      await this.sql`insert into gateway_decisions (hour, action, acted, n)
        select to_timestamp(h / 1000.0), a, c::boolean, n from unnest(${rows.map((r) => r.hour)}::bigint[],
          ${rows.map((r) => r.action)}::text[], ${rows.map((r) => (r.acted ? 1 : 0))}::int[], ${rows.map((r) => r.n)}::bigint[]) t(h, a, c, n)
        on conflict (hour, action, acted) do update set n = gateway_decisions.n + excluded.n`;
    return { exchanges: this.published, accounts: this.standings.size, campaigns: this.campaigns };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.save().catch((err: unknown) => this.o.onError?.("save", err));
    await this.sql.end({ timeout: 5 });
    await this.bus.close();
  }
}
