// Scores an analysis' verdicts against a scenario's ground truth. Shares only the
// contract with the detector.
import { checkers, findJsonl, type IssueSink, readRecordBatches, readRecords } from "../contract/index.js";

export interface EvalResult {
  readonly accounts: { readonly total: number; readonly campaign: number; readonly benign: number };
  readonly flagged: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** recall of each campaign's accounts */
  readonly recallByCampaign: Record<string, { readonly accounts: number; readonly recall: number }>;
  /** share of each benign population's accounts that were flagged */
  readonly fprByPopulation: Record<
    string,
    { readonly accounts: number; readonly flagged: number; readonly fpr: number }
  >;
  /** share of campaign exchanges whose account is flagged */
  readonly exchangeRecall: number;
  /** share of campaign exchanges at or after their account's first_flagged_at */
  readonly preventedShare: number;
  readonly campaignExchanges: number;
  /**
   * the attacker's harvest (exchanges labelled harvest or chained, or with no part): how
   * many were sent, and how many it took, that is, sent before its account's first flag
   * (an account never flagged keeps yielding); per campaign and in all
   */
  readonly harvest: HarvestTaken & { readonly byCampaign: Record<string, HarvestTaken> };
  /** adjusted Rand index of campaign attribution over correctly flagged accounts */
  readonly ari: number;
  /** campaign accounts with traffic that the verdicts do not mention (counted as not flagged) */
  readonly missingVerdicts: number;
  /** accounts in the ground truth with no traffic and no verdict, left out of the figures */
  readonly withoutTraffic: number;
}

export interface HarvestTaken {
  readonly exchanges: number;
  readonly taken: number;
}

interface Truth {
  readonly population: string;
  readonly campaign: string | null;
}

interface Verdict {
  readonly flagged: boolean;
  readonly campaign: string | null;
  readonly firstFlagged: number | undefined;
}

/** Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same items. */
export function adjustedRandIndex(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  if (n < 2) return 1;
  const c2 = (x: number): number => (x * (x - 1)) / 2;
  const cells = new Map<string, number>();
  const rows = new Map<string, number>();
  const cols = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    const key = `${x}\u0000${y}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rows.set(x, (rows.get(x) ?? 0) + 1);
    cols.set(y, (cols.get(y) ?? 0) + 1);
  }
  let index = 0;
  for (const v of cells.values()) index += c2(v);
  let sumRows = 0;
  for (const v of rows.values()) sumRows += c2(v);
  let sumCols = 0;
  for (const v of cols.values()) sumCols += c2(v);
  const expected = (sumRows * sumCols) / c2(n);
  const max = (sumRows + sumCols) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

const ratio = (num: number, den: number): number => (den === 0 ? 1 : num / den);

export async function evaluate(
  scenarioDir: string,
  predDir: string,
  onIssue: IssueSink,
): Promise<EvalResult> {
  const labelsFile = findJsonl(scenarioDir, "labels");
  if (!labelsFile) throw new Error(`no labels.jsonl in ${scenarioDir}`);
  const predFile = findJsonl(predDir, "accounts");
  if (!predFile) throw new Error(`no accounts.jsonl in ${predDir}`);

  const truth = new Map<string, Truth>();
  for await (const { value } of readRecords(labelsFile, checkers.label, { onIssue }))
    truth.set(value.account_id, { population: value.population, campaign: value.campaign });

  const verdicts = new Map<string, Verdict>();
  for await (const { value, tsMs } of readRecords(predFile, checkers.verdictAccount, { onIssue }))
    verdicts.set(value.account_id, {
      flagged: value.flagged,
      campaign: value.campaign_id,
      firstFlagged: tsMs,
    });

  // each campaign exchange's account and time
  const campaignExchanges: { account: string; ts: number | undefined; harvest: boolean; campaign: string }[] =
    [];
  const isHarvest = (part: unknown): boolean =>
    part === undefined || part === "harvest" || part === "chained";
  const xlFile = findJsonl(scenarioDir, "exchange_labels");
  if (xlFile) {
    const needJoin = new Map<string, { harvest: boolean; campaign: string }>();
    for await (const batch of readRecordBatches(xlFile, checkers.exchangeLabel, { onIssue })) {
      for (const { value, tsMs } of batch) {
        const harvest = isHarvest(value.part);
        if (value.account_id !== undefined && tsMs !== undefined)
          campaignExchanges.push({ account: value.account_id, ts: tsMs, harvest, campaign: value.campaign });
        else needJoin.set(value.id, { harvest, campaign: value.campaign });
      }
    }
    // labels without account and time: take them from the scenario's exchanges
    const exFile = needJoin.size > 0 ? findJsonl(scenarioDir, "exchanges") : undefined;
    if (exFile) {
      for await (const batch of readRecordBatches(exFile, checkers.exchange, { onIssue: () => {} })) {
        for (const { value, tsMs } of batch) {
          const label = needJoin.get(value.id);
          if (label === undefined) continue;
          needJoin.delete(value.id);
          campaignExchanges.push({ account: value.account_id, ts: tsMs, ...label });
        }
      }
    }
    for (const label of needJoin.values()) campaignExchanges.push({ account: "", ts: undefined, ...label });
  }
  const withTraffic = new Set(campaignExchanges.map((e) => e.account));

  // accounts judged: every account with a verdict, and every campaign account with traffic;
  // accounts that never sent a request and got no verdict are left out
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let missing = 0;
  let excluded = 0;
  const byCampaign = new Map<string, { n: number; hit: number }>();
  const byPopulation = new Map<string, { n: number; flagged: number }>();
  const ariTruth: string[] = [];
  const ariPred: string[] = [];
  let campaignAccounts = 0;
  let judged = 0;
  for (const [id, t] of truth) {
    const v = verdicts.get(id);
    if (!v && !(t.campaign !== null && withTraffic.has(id))) {
      excluded++;
      continue;
    }
    judged++;
    if (!v) missing++;
    const flagged = v?.flagged === true;
    if (t.campaign !== null) {
      campaignAccounts++;
      const c = byCampaign.get(t.campaign) ?? { n: 0, hit: 0 };
      c.n++;
      if (flagged) {
        c.hit++;
        tp++;
        ariTruth.push(t.campaign);
        // an unattributed flag is a campaign of its own
        ariPred.push(v?.campaign ?? `\u0000${id}`);
      } else fn++;
      byCampaign.set(t.campaign, c);
    } else {
      const p = byPopulation.get(t.population) ?? { n: 0, flagged: 0 };
      p.n++;
      if (flagged) {
        p.flagged++;
        fp++;
      }
      byPopulation.set(t.population, p);
    }
  }

  let covered = 0;
  let prevented = 0;
  const harvestBy = new Map<string, { exchanges: number; taken: number }>();
  for (const e of campaignExchanges) {
    const v = verdicts.get(e.account);
    if (e.harvest) {
      const h = harvestBy.get(e.campaign) ?? { exchanges: 0, taken: 0 };
      h.exchanges++;
      const stopped =
        v?.flagged === true && v.firstFlagged !== undefined && e.ts !== undefined && e.ts >= v.firstFlagged;
      if (!stopped) h.taken++;
      harvestBy.set(e.campaign, h);
    }
    if (!v?.flagged) continue;
    covered++;
    if (v.firstFlagged !== undefined && e.ts !== undefined && e.ts >= v.firstFlagged) prevented++;
  }
  const exchanges = campaignExchanges.length;

  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    accounts: { total: judged, campaign: campaignAccounts, benign: judged - campaignAccounts },
    flagged: tp + fp,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    recallByCampaign: Object.fromEntries(
      [...byCampaign].sort().map(([c, v]) => [c, { accounts: v.n, recall: ratio(v.hit, v.n) }]),
    ),
    fprByPopulation: Object.fromEntries(
      [...byPopulation]
        .sort()
        .map(([p, v]) => [p, { accounts: v.n, flagged: v.flagged, fpr: ratio(v.flagged, v.n) }]),
    ),
    exchangeRecall: ratio(covered, exchanges),
    preventedShare: ratio(prevented, exchanges),
    campaignExchanges: exchanges,
    harvest: {
      exchanges: [...harvestBy.values()].reduce((t, h) => t + h.exchanges, 0),
      taken: [...harvestBy.values()].reduce((t, h) => t + h.taken, 0),
      byCampaign: Object.fromEntries([...harvestBy].sort()),
    },
    ari: adjustedRandIndex(ariTruth, ariPred),
    missingVerdicts: missing,
    withoutTraffic: excluded,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const num = (x: number): string => x.toFixed(4);

/** A plain-text table of the figures. */
export function formatEval(r: EvalResult): string {
  const rows: [string, string][] = [
    ["accounts (campaign / benign)", `${r.accounts.total} (${r.accounts.campaign} / ${r.accounts.benign})`],
    ["flagged", String(r.flagged)],
    ["account precision", num(r.precision)],
    ["account recall", num(r.recall)],
    ["account F1", num(r.f1)],
    ...Object.entries(r.recallByCampaign).map(
      ([c, v]) => [`  recall: ${c} (${v.accounts})`, num(v.recall)] as [string, string],
    ),
    ...Object.entries(r.fprByPopulation).map(
      ([p, v]) =>
        [`  false-positive rate: ${p} (${v.flagged}/${v.accounts})`, pct(v.fpr)] as [string, string],
    ),
    [`exchange-weighted recall (${r.campaignExchanges} exchanges)`, num(r.exchangeRecall)],
    ["prevented share", num(r.preventedShare)],
    [
      `harvest taken (before a flag) of ${r.harvest.exchanges} harvest exchanges`,
      num(ratio(r.harvest.taken, r.harvest.exchanges)),
    ],
    ["adjusted Rand index", num(r.ari)],
  ];
  if (r.missingVerdicts > 0) rows.push(["campaign accounts without a verdict", String(r.missingVerdicts)]);
  if (r.withoutTraffic > 0) rows.push(["accounts without traffic (left out)", String(r.withoutTraffic)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n");
}
