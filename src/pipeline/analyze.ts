// Wires the stages for one run: files → normalised exchanges in time order →
// signals → profiles → links → campaigns → verdicts and report.
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { groupAccounts } from "../campaigns/index.js";
import {
  type AccountRecord,
  type CampaignsFile,
  checkers,
  type ExchangeRecord,
  type IssueSink,
  IssueTally,
  normaliseExchange,
  readRecordBatches,
  readRecords,
} from "../contract/index.js";
import { infrastructureEdges } from "../linkers/index.js";
import { AccountProfile } from "../profiles/index.js";
import { exchangeSignals } from "../signals/index.js";
import { type AccountDecision, describeCampaign, verdictLine } from "../verdicts/assemble.js";
import { renderReport } from "../verdicts/report.js";
import { MIN_EXCHANGES, scoreProfile } from "../verdicts/score.js";
import { ReorderBuffer } from "./reorder.js";

export interface AnalyzeInputs {
  readonly exchanges: string;
  readonly accounts?: string | undefined;
  readonly events?: string | undefined;
}

export interface AnalyzeOptions {
  readonly inputs: AnalyzeInputs;
  readonly out: string;
  /** risk at or over which an account is flagged */
  readonly threshold?: number;
  readonly onIssue?: IssueSink;
  /** bytes read of the exchanges file (of `totalBytes`, when known) and exchanges analysed */
  readonly onProgress?: (bytesRead: number, totalBytes: number | undefined, exchanges: number) => void;
  readonly now?: () => Date;
}

export interface AnalyzeSummary {
  readonly exchanges: number;
  readonly accounts: number;
  readonly flagged: number;
  readonly campaigns: number;
  readonly outOfOrder: number;
  readonly issues: ReturnType<IssueTally["toJSON"]>;
  readonly issueSummary: string;
  readonly files: readonly string[];
}

/** Horizon of the reorder buffer: lines up to this much out of order are analysed in time order. */
const REORDER_MS = 10 * 60_000;

export const DEFAULT_THRESHOLD = 0.5;

export async function analyze(opts: AnalyzeOptions): Promise<AnalyzeSummary> {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const tally = new IssueTally();
  const onIssue: IssueSink = (i) => {
    tally.add(i);
    opts.onIssue?.(i);
  };

  const accounts = new Map<string, AccountRecord>();
  if (opts.inputs.accounts)
    for await (const { value } of readRecords(opts.inputs.accounts, checkers.account, { onIssue }))
      accounts.set(value.account_id, value);
  if (opts.inputs.events)
    for await (const _ of readRecords(opts.inputs.events, checkers.event, { onIssue })) void _;

  const profiles = new Map<string, AccountProfile>();
  const firstFlagged = new Map<string, number>();
  const reorder = new ReorderBuffer<{ rec: ExchangeRecord; ts: number }>(REORDER_MS);
  const ready: { rec: ExchangeRecord; ts: number }[] = [];
  let exchanges = 0;
  const consume = (): void => {
    for (const { rec, ts } of ready) {
      const view = normaliseExchange(rec, ts);
      const signals = exchangeSignals(view);
      let p = profiles.get(view.accountId);
      if (!p) {
        p = new AccountProfile(view.accountId, accounts.get(view.accountId));
        profiles.set(view.accountId, p);
      }
      p.update(view, signals);
      exchanges++;
      if (!firstFlagged.has(p.id) && p.n >= MIN_EXCHANGES && scoreProfile(p).risk >= threshold)
        firstFlagged.set(p.id, ts);
    }
    ready.length = 0;
  };

  const exchangesFile = opts.inputs.exchanges;
  const totalBytes = exchangesFile === "-" ? undefined : statSync(exchangesFile).size;
  let bytesRead = 0;
  for await (const batch of readRecordBatches(exchangesFile, checkers.exchange, {
    onIssue,
    onBytes: (n) => {
      bytesRead += n;
    },
  })) {
    for (const row of batch) reorder.push(row.tsMs ?? 0, { rec: row.value, ts: row.tsMs ?? 0 }, ready);
    consume();
    opts.onProgress?.(bytesRead, totalBytes, exchanges);
  }
  reorder.drain(ready);
  consume();

  // decisions
  const decisions = new Map<string, AccountDecision>();
  for (const p of profiles.values()) {
    const s = scoreProfile(p);
    const flagged = s.risk >= threshold;
    decisions.set(p.id, {
      profile: p,
      risk: s.risk,
      flagged,
      firstFlaggedAt: flagged ? (firstFlagged.get(p.id) ?? p.lastTs) : undefined,
      reasons: s.reasons,
      campaignId: null,
    });
  }
  const { edges, shared } = infrastructureEdges([...profiles.values()]);
  const flaggedIds = new Set([...decisions.values()].filter((d) => d.flagged).map((d) => d.profile.id));
  const groups = groupAccounts(flaggedIds, edges, 0.1).filter((g) => g.length >= 2);
  const campaigns: CampaignsFile = { campaigns: [] };
  groups.forEach((g, i) => {
    const id = `C${String(i + 1).padStart(3, "0")}`;
    const members = g.flatMap((a) => {
      const d = decisions.get(a);
      return d ? [d] : [];
    });
    for (const m of members) m.campaignId = id;
    campaigns.campaigns.push(describeCampaign(id, members, shared));
  });

  mkdirSync(opts.out, { recursive: true });
  const lines: string[] = [];
  for (const d of decisions.values()) lines.push(JSON.stringify(verdictLine(d)));
  writeFileSync(join(opts.out, "accounts.jsonl"), lines.length > 0 ? `${lines.join("\n")}\n` : "");
  writeFileSync(join(opts.out, "campaigns.json"), `${JSON.stringify(campaigns, null, 2)}\n`);
  writeFileSync(
    join(opts.out, "report.html"),
    renderReport({
      title: "distillguard: distillation campaigns",
      generatedAt: (opts.now?.() ?? new Date()).toISOString(),
      inputs: [opts.inputs.exchanges, opts.inputs.accounts, opts.inputs.events].filter(
        (x): x is string => !!x,
      ),
      exchanges,
      issues: tally.summary(),
      threshold,
      campaigns: campaigns.campaigns,
      decisions,
      edges,
    }),
  );
  return {
    exchanges,
    accounts: profiles.size,
    flagged: flaggedIds.size,
    campaigns: campaigns.campaigns.length,
    outOfOrder: reorder.late,
    issues: tally.toJSON(),
    issueSummary: tally.summary(),
    files: ["accounts.jsonl", "campaigns.json", "report.html"],
  };
}
