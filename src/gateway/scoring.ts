// Real-time scoring in the gateway: each exchange the gateway passes on goes through the
// same code as `analyze` (normalisation, per-exchange signals, the streaming detector);
// accounts are re-judged by checkpoints on a timer and campaigns rebuilt by the linkage
// on another, and a request reads its account's current standing in constant time.
//
// `LiveScorer` does this on the thread that calls it. The gateway runs it on a worker
// thread (`ThreadScorer`, scoring-thread.ts), so that checkpoints, linkage and saving to
// the store never hold up a request; both implement `Scorer`.
import { assembleCampaigns } from "../campaigns/index.js";
import type { AccountRecord, CampaignsFile, ExchangeRecord, Reason } from "../contract/index.js";
import { exchangeFacts, normaliseExchange } from "../contract/index.js";
import { accountFacts } from "../outputs/index.js";
import { capabilityList, exchangeSignals } from "../signals/index.js";
import {
  type DecisionCount,
  type ExchangeFeatures,
  type OpenStore,
  openDuckDbStore,
} from "../store/index.js";
import { type Detector, DetectorDriver, type DetectorOptions } from "../verdicts/index.js";
import { type Signup, type SignupRisk, signupRisk } from "./signup.js";

/** What the gateway knows of an account when a request arrives. */
export interface Standing {
  readonly risk: number;
  readonly flagged: boolean;
  readonly campaignId: string | null;
  readonly reasons: readonly Reason[];
}

/** Policy decisions counted by hour, action and whether they were acted on (what stores keep). */
export class DecisionCounts {
  private counts = new Map<string, DecisionCount>();

  get size(): number {
    return this.counts.size;
  }

  add(action: string, acted: boolean, at: number, n = 1): void {
    const hour = Math.floor(at / 3_600_000) * 3_600_000;
    const k = `${hour}|${acted ? 1 : 0}|${action}`;
    const had = this.counts.get(k);
    this.counts.set(k, { hour, action, acted, n: (had?.n ?? 0) + n });
  }

  /** The counts so far, leaving none. */
  take(): DecisionCount[] {
    const rows = [...this.counts.values()];
    this.counts = new Map();
    return rows;
  }

  /** Puts counts back (a save that failed). */
  restore(rows: readonly DecisionCount[]): void {
    for (const r of rows) this.add(r.action, r.acted, r.hour, r.n);
  }
}

/** The gateway's view of the detector, in-process or on a worker thread. */
export interface Scorer {
  /** Adds an exchange as the gateway logged it (`line`: its JSON, when already made). */
  observe(record: ExchangeRecord, line?: string): void;
  /** The account's standing as of the last checkpoint and linkage (undefined: not yet judged). */
  standing(accountId: string): Standing | undefined;
  /** Scores a prospective account's sign-up metadata against the accounts flagged so far. */
  signupRisk(s: Signup, unsupportedRegions: ReadonlySet<string>): Promise<SignupRisk>;
  /** Re-judges the accounts that changed; resolves to how many were newly flagged. */
  checkpoint(): Promise<number>;
  /** Rebuilds the campaigns; resolves to how many there are. */
  link(): Promise<number>;
  /** Counts a policy decision (saved to the store by hour, action and whether it was acted on). */
  decided(action: string, acted: boolean, at: number): void;
  /** Writes what is pending to the store (when there is one). */
  save(): Promise<SaveResult | undefined>;
  /** Stops the timers and saves what is pending. */
  close(): Promise<void>;
}

export interface SaveResult {
  /** exchanges added to the store */
  readonly exchanges: number;
  readonly accounts: number;
  readonly campaigns: number;
}

export interface StoreOptions {
  /** the store (a DuckDB file, as `analyze --db`); it is opened only while saving */
  readonly path: string;
  /** how `path` is opened (default: the embedded DuckDB store; a scorer on a thread always uses it) */
  readonly open?: OpenStore;
  /** how often pending exchanges, verdicts and campaigns are saved (default 60 s; 0: only on save()) */
  readonly saveEveryMs?: number;
  /** exchanges held for the store at most; beyond it the oldest are dropped and counted (default 1,000,000) */
  readonly maxPending?: number;
}

export interface LiveScorerOptions {
  readonly accounts?: ReadonlyMap<string, AccountRecord>;
  readonly detector?: DetectorOptions;
  /** how often accounts that changed are re-judged (ms of wall time; default 5 s; 0: only on checkpoint()) */
  readonly checkpointEveryMs?: number;
  /** how often campaigns are rebuilt from the flagged accounts (default 60 s; 0: only on link()) */
  readonly linkEveryMs?: number;
  /** the embedded store: exchanges, verdicts, campaigns and the detector's state are saved to it */
  readonly store?: StoreOptions;
  /** receives the new standing of each account a checkpoint judged */
  readonly onStandings?: (updates: StandingUpdate[]) => void;
  /** receives each flagged account's campaign after a linkage */
  readonly onCampaigns?: (campaignOf: ReadonlyMap<string, string>) => void;
  /** a background step failed (the scorer carries on) */
  readonly onError?: (what: string, err: unknown) => void;
}

/** An account's standing after a checkpoint, without its campaign (which the linkage sets). */
export type StandingUpdate = readonly [accountId: string, risk: number, flagged: boolean, reasons: Reason[]];

/** Exchanges a save holds at most by default. */
export const MAX_PENDING_STORE = 1_000_000;

export class LiveScorer implements Scorer {
  readonly driver: DetectorDriver;
  readonly detector: Detector;
  private readonly timers: NodeJS.Timeout[] = [];
  /** each flagged account's campaign at the last linkage */
  private campaignOf: ReadonlyMap<string, string> = new Map();
  /** exchanges waiting for the next save */
  private pending: ExchangeFeatures[] = [];
  private saving: Promise<SaveResult | undefined> = Promise.resolve(undefined);
  private saves = 0;
  /** exchanges observed */
  observed = 0;
  /** exchanges dropped before they reached the store (pending over maxPending) */
  droppedFromStore = 0;
  /** ids judged by a checkpoint that an exchange set off (reused: observe runs per exchange) */
  private readonly judged: string[] = [];
  /** policy decisions since the last save */
  private readonly decisions = new DecisionCounts();

  constructor(private readonly opts: LiveScorerOptions = {}) {
    this.driver = new DetectorDriver(opts.accounts ?? new Map(), opts.detector);
    this.detector = this.driver.detector;
    this.every(opts.checkpointEveryMs ?? 5000, "checkpoint", () => this.checkpointNow());
    this.every(opts.linkEveryMs ?? 60_000, "linkage", () => this.linkNow());
    if (opts.store) this.every(opts.store.saveEveryMs ?? 60_000, "save", () => this.save());
  }

  /**
   * A scorer that continues from the store's saved state when it holds one (the state
   * `analyze --db` or an earlier gateway left), with its campaigns rebuilt at once.
   */
  static async open(opts: LiveScorerOptions = {}): Promise<LiveScorer> {
    const s = new LiveScorer(opts);
    if (opts.store) {
      const store = await (opts.store.open ?? openDuckDbStore)(opts.store.path);
      try {
        await s.driver.loadState(store.stateParts());
        // analysts' decisions: a confirmed account is enforced, a dismissed one left alone
        s.detector.setReviews((await store.latestReviews()).filter((r) => r.targetType === "account"));
      } catch (err) {
        s.stopTimers();
        throw new Error(
          `${opts.store.path}: cannot continue from its saved state (${err instanceof Error ? err.message : String(err)})`,
        );
      } finally {
        store.close();
      }
      if (s.detector.decisions.size > 0) {
        s.checkpointNow();
        s.publishStandings([...s.detector.decisions.keys()]);
        s.linkNow();
      }
    }
    return s;
  }

  private every(ms: number, what: string, step: () => unknown): void {
    if (ms <= 0) return;
    const t = setInterval(() => {
      try {
        const r = step();
        if (r instanceof Promise) r.catch((err: unknown) => this.opts.onError?.(what, err));
      } catch (err) {
        this.opts.onError?.(what, err);
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  observe(record: ExchangeRecord): void {
    const tsMs = Date.parse(record.ts);
    const view = normaliseExchange(record, Number.isFinite(tsMs) ? tsMs : 0);
    const facts = exchangeFacts(view);
    const signals = exchangeSignals(view);
    // checkpoints at log-time boundaries as in analyze (the timer adds more in between)
    const judged = this.judged;
    this.driver.observe(facts, signals, judged);
    if (judged.length > 0) {
      this.publishStandings(judged);
      judged.length = 0;
    }
    this.observed++;
    if (this.opts.store) {
      if (this.pending.length >= (this.opts.store.maxPending ?? MAX_PENDING_STORE)) {
        this.pending.shift();
        this.droppedFromStore++;
      }
      this.pending.push({
        view: facts,
        capabilities: capabilityList(signals.capabilities),
        scaffold: signals.scaffold,
        inputTokens: signals.inputTokens,
        outputTokens: signals.outputTokens,
      });
    }
  }

  /** Re-judges the accounts that changed since the last checkpoint; returns how many were newly flagged. */
  checkpointNow(): number {
    const judged: string[] = [];
    const newly = this.driver.checkpoint(judged);
    this.publishStandings(judged);
    return newly;
  }

  checkpoint(): Promise<number> {
    return Promise.resolve(this.checkpointNow());
  }

  private publishStandings(ids: readonly string[]): void {
    const on = this.opts.onStandings;
    if (!on || ids.length === 0) return;
    const updates: StandingUpdate[] = [];
    for (const id of ids) {
      const d = this.detector.decisions.get(id);
      if (d) updates.push([id, d.risk, d.flagged, d.reasons]);
    }
    on(updates);
  }

  /** Rebuilds the campaigns from the accounts flagged so far; returns how many there are. */
  linkNow(): number {
    return this.relink().campaigns.length;
  }

  /** Assembles the campaigns, and takes each flagged account's campaign from them. */
  private relink(): CampaignsFile {
    const { campaigns, campaignOf } = assembleCampaigns(this.detector);
    this.campaignOf = campaignOf;
    this.opts.onCampaigns?.(campaignOf);
    return campaigns;
  }

  link(): Promise<number> {
    return Promise.resolve(this.linkNow());
  }

  /** The account's standing at the last checkpoint (undefined for an account not yet judged). */
  standing(accountId: string): Standing | undefined {
    const d = this.detector.decisions.get(accountId);
    if (!d) return undefined;
    return {
      risk: d.risk,
      flagged: d.flagged,
      campaignId: this.campaignOf.get(accountId) ?? null,
      reasons: d.reasons,
    };
  }

  signupRisk(s: Signup, unsupportedRegions: ReadonlySet<string>): Promise<SignupRisk> {
    return Promise.resolve(signupRisk(this.detector, this.campaignOf, s, unsupportedRegions));
  }

  decided(action: string, acted: boolean, at: number, n = 1): void {
    if (!this.opts.store) return;
    this.decisions.add(action, acted, at, n);
  }

  /**
   * Saves to the store, in one transaction: the exchanges observed since the last save
   * (added), every account's verdict, the campaigns and the detector's state (replaced),
   * as `analyze --db --append` would. Saves run one after another.
   */
  save(): Promise<SaveResult | undefined> {
    const next = this.saving.then(() => this.saveNow());
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async saveNow(): Promise<SaveResult | undefined> {
    const o = this.opts.store;
    if (!o) return undefined;
    // the file is opened only while saving, so that `distillguard query --db` can read it in between
    // the verdicts saved include every exchange observed so far
    this.checkpointNow();
    const store = await (o.open ?? openDuckDbStore)(o.path);
    const rows = this.pending;
    this.pending = [];
    const decided = this.decisions.take();
    try {
      for (const r of rows) store.addExchange(r);
      const campaigns = this.relink();
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const r of rows) {
        if (r.view.ts < first) first = r.view.ts;
        if (r.view.ts > last) last = r.view.ts;
      }
      const decisions = this.detector.decisions;
      const detector = this.detector;
      const driver = this.driver;
      await store.publish(accountFacts(decisions.values(), this.campaignOf), campaigns.campaigns, {
        append: true,
        ingest:
          rows.length === 0
            ? undefined
            : {
                input: "gateway",
                fingerprint: `gateway:${process.pid}:${Date.now()}:${++this.saves}`,
                bytes: 0,
                exchanges: rows.length,
                firstTs: rows.length > 0 ? first : undefined,
                lastTs: rows.length > 0 ? last : undefined,
              },
        state: driver.saveState(),
        releases: detector.releases.list(),
        decisions: decided,
        ...(this.opts.accounts && this.opts.accounts.size > 0
          ? { accountMeta: this.opts.accounts.values() }
          : {}),
      });
      return { exchanges: rows.length, accounts: decisions.size, campaigns: campaigns.campaigns.length };
    } catch (err) {
      // nothing was published: the rows and counts wait for the next save
      this.pending = rows.concat(this.pending);
      this.decisions.restore(decided);
      throw err;
    } finally {
      store.close();
    }
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  async close(): Promise<void> {
    this.stopTimers();
    if (this.opts.store) await this.save();
  }
}
