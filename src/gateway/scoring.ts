// Real-time scoring in the gateway: each exchange the gateway passes on goes through the
// same code as `analyze` (normalisation, per-exchange signals, the streaming detector);
// accounts are re-judged by checkpoints on a timer, off the request path, and a request
// reads its account's current standing in constant time.
import type { AccountRecord, ExchangeRecord, Reason } from "../contract/index.js";
import { exchangeFacts, normaliseExchange } from "../contract/index.js";
import { exchangeSignals } from "../signals/index.js";
import { assembleCampaigns, Detector, type DetectorOptions } from "../verdicts/index.js";

/** What the gateway knows of an account when a request arrives. */
export interface Standing {
  readonly risk: number;
  readonly flagged: boolean;
  readonly campaignId: string | null;
  readonly reasons: readonly Reason[];
}

export interface LiveScorerOptions {
  readonly accounts?: ReadonlyMap<string, AccountRecord>;
  readonly detector?: DetectorOptions;
  /** how often accounts that changed are re-judged (ms of wall time; default 5 s; 0: only on checkpoint()) */
  readonly checkpointEveryMs?: number;
  /** how often campaigns are rebuilt from the flagged accounts (default 60 s; 0: only on link()) */
  readonly linkEveryMs?: number;
}

export class LiveScorer {
  readonly detector: Detector;
  private timer: NodeJS.Timeout | undefined;
  private linkTimer: NodeJS.Timeout | undefined;
  /** each flagged account's campaign at the last linkage */
  private campaignOf = new Map<string, string>();
  /** exchanges observed */
  observed = 0;

  constructor(opts: LiveScorerOptions = {}) {
    this.detector = new Detector(opts.accounts ?? new Map(), opts.detector);
    const every = opts.checkpointEveryMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => this.checkpoint(), every);
      this.timer.unref();
    }
    const linkEvery = opts.linkEveryMs ?? 60_000;
    if (linkEvery > 0) {
      this.linkTimer = setInterval(() => this.link(), linkEvery);
      this.linkTimer.unref();
    }
  }

  /** Rebuilds the campaigns from the accounts flagged so far; returns how many there are. */
  link(): number {
    const { campaigns } = assembleCampaigns(this.detector);
    const next = new Map<string, string>();
    for (const c of campaigns.campaigns) for (const a of c.accounts) next.set(a, c.campaign_id);
    this.campaignOf = next;
    return campaigns.campaigns.length;
  }

  /** Adds an exchange, as the gateway logged it. */
  observe(record: ExchangeRecord): void {
    const tsMs = Date.parse(record.ts);
    const view = normaliseExchange(record, Number.isFinite(tsMs) ? tsMs : 0);
    this.detector.observe(exchangeFacts(view), exchangeSignals(view));
    this.observed++;
  }

  /** Re-judges the accounts that changed since the last checkpoint; returns how many were newly flagged. */
  checkpoint(): number {
    return this.detector.checkpoint();
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

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.linkTimer) clearInterval(this.linkTimer);
    this.timer = undefined;
    this.linkTimer = undefined;
  }
}
