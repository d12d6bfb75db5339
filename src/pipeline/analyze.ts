// Wires the stages for one run: files → normalised exchanges in time order →
// signals → profiles and shared-value groups → hourly checkpoints → campaigns →
// verdicts and report.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { assembleCampaigns, eachEdgeAmong } from "../campaigns/index.js";
import {
  type AccountRecord,
  checkers,
  type IssueSink,
  IssueTally,
  readLineBatches,
  readLineBlocks,
  readRecords,
} from "../contract/index.js";
import { keyedHash, type PartnerRow, partnerIntel } from "../intel/index.js";
import { accountFacts, type CampaignOf, GRAPH_NODES, renderReport, verdictLine } from "../outputs/index.js";
import { capabilityList } from "../signals/index.js";
import { type OpenStore, openDuckDbStore } from "../store/index.js";
import { type DecisionView, type Detector, type DetectorOptions, riskOf } from "../verdicts/detector.js";
import { DetectorDriver } from "../verdicts/driver.js";
import type { ParsedBatch, ParsedExchange } from "./_parse.js";
import { createParser, defaultThreads } from "./parallel.js";
import { ReorderBuffer } from "./reorder.js";

export interface AnalyzeInputs {
  /**
   * the exchanges: a file ("-": standard input), or several (a gateway's rotated logs, a
   * day's files), analysed in time order across them: ordered by their first exchange
   */
  readonly exchanges: string | readonly string[];
  readonly accounts?: string | undefined;
  readonly events?: string | undefined;
}

export interface AnalyzeOptions {
  readonly inputs: AnalyzeInputs;
  readonly out: string;
  readonly detector?: DetectorOptions;
  readonly onIssue?: IssueSink;
  /** bytes read of the exchanges files (of `totalBytes`, when known) and exchanges analysed */
  readonly onProgress?: (bytesRead: number, totalBytes: number | undefined, exchanges: number) => void;
  readonly now?: () => Date;
  /** skip report.html (evaluation runs) */
  readonly report?: boolean;
  /** the store to keep the run's exchanges, accounts and campaigns in (a DuckDB file by default) */
  readonly db?: string | undefined;
  /** how `db` is opened (default: the embedded DuckDB store) */
  readonly openStore?: OpenStore;
  /**
   * continue from the state saved in `db` by earlier runs: add this log's exchanges and
   * judge every account again; an input the store already holds is not read twice
   */
  readonly append?: boolean;
  /** worker threads that parse lines and compute per-exchange signals (0: in this thread); default: the cores */
  readonly threads?: number;
  /**
   * the key partners agreed on for hashing identifiers (intel export/import): with it, the
   * hashed account ids, payment fingerprints and e-mail domains of partner indicators in
   * the store count as evidence; without it only addresses and user agents do
   */
  readonly intelKey?: string | undefined;
  /** write each account's features (JSON Lines: account_id, n exchanges, x in FEATURE_NAMES order) here: for fitting the account model */
  readonly featuresOut?: string;
  /** called with what the detector holds every `every` exchanges (memory work: scripts/census.ts) */
  readonly census?: {
    readonly every: number;
    readonly report: (census: ReturnType<Detector["census"]>, exchanges: number) => void;
  };
}

/** A problem with the store or the inputs that the user can fix (printed without a trace). */
export class AnalyzeError extends Error {
  override readonly name = "AnalyzeError";
}

export interface AnalyzeSummary {
  /** exchanges read in this run */
  readonly exchanges: number;
  /** exchanges behind the verdicts: this run's plus, with append, those of earlier runs */
  readonly totalExchanges: number;
  /** with append: the first input already in the store (ingested then), so not read again */
  readonly alreadyIngested: { readonly input: string; readonly finishedAt: string } | undefined;
  /** with append: every input already in the store, not read again */
  readonly skipped: readonly { readonly input: string; readonly finishedAt: string }[];
  /** the exchanges files read in this run, in the order read */
  readonly inputs: readonly string[];
  readonly accounts: number;
  readonly flagged: number;
  readonly campaigns: number;
  readonly outOfOrder: number;
  /** worker threads that parsed lines (0: in the analysis thread) */
  readonly threads: number;
  /** partner indicators used as evidence (from the store), and whether hashed ones went unused for want of the key */
  readonly partner: { readonly indicators: number; readonly hashedUnused: number };
  readonly issues: ReturnType<IssueTally["toJSON"]>;
  readonly issueSummary: string;
  readonly files: readonly string[];
}

/** sha-256 of a file's size and its first and last MiB: recognises a file already ingested without reading it all. */
function fingerprintOf(path: string): string {
  const size = statSync(path).size;
  const h = createHash("sha256").update(`${size}\n`);
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(Math.min(size, 1 << 20));
    h.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)));
    if (size > buf.length) h.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, size - buf.length)));
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/** The time of a file's first exchange that carries a readable `ts` (NaN for none in its first lines). */
async function firstTimestamp(path: string): Promise<number> {
  let looked = 0;
  for await (const lines of readLineBatches(path, { onIssue: () => {} })) {
    for (const { text } of lines) {
      if (++looked > 1000) return Number.NaN;
      try {
        const ts = (JSON.parse(text) as { ts?: unknown } | null)?.ts;
        const ms = typeof ts === "string" ? Date.parse(ts) : Number.NaN;
        if (Number.isFinite(ms)) return ms;
      } catch {
        // a bad line is reported when the file is read
      }
    }
  }
  return Number.NaN;
}

/**
 * Files in time order: by their first exchange's time, then by name (rotated logs carry
 * their time in the name); files without a readable time last, by name.
 */
export async function inTimeOrder(files: readonly string[]): Promise<string[]> {
  const keyed = await Promise.all(files.map(async (f) => ({ f, ts: await firstTimestamp(f) })));
  return keyed
    .sort((a, b) => {
      const an = Number.isNaN(a.ts);
      const bn = Number.isNaN(b.ts);
      if (an !== bn) return an ? 1 : -1;
      return (an ? 0 : a.ts - b.ts) || (a.f < b.f ? -1 : a.f > b.f ? 1 : 0);
    })
    .map((k) => k.f);
}

/** Writes one verdict line per decision, in chunks of about 1 MiB. */
function writeVerdicts(path: string, decisions: Iterable<DecisionView>, campaignOf: CampaignOf): void {
  const fd = openSync(path, "w");
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const d of decisions) {
      const line = JSON.stringify(verdictLine(d, campaignOf));
      chunk.push(line);
      size += line.length + 1;
      if (size >= 1 << 20) {
        writeSync(fd, `${chunk.join("\n")}\n`);
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length > 0) writeSync(fd, `${chunk.join("\n")}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Horizon of the reorder buffer: lines up to this much out of order are analysed in time
 * order (scale-out publishing orders with the same horizon, so partitions see the same order).
 */
export const REORDER_MS = 10 * 60_000;

export async function analyze(opts: AnalyzeOptions): Promise<AnalyzeSummary> {
  const tally = new IssueTally();
  const onIssue: IssueSink = (i) => {
    tally.add(i);
    opts.onIssue?.(i);
  };

  const accounts = new Map<string, AccountRecord>();
  if (opts.inputs.accounts)
    for await (const { value } of readRecords(opts.inputs.accounts, checkers.account, { onIssue }))
      accounts.set(value.account_id, value);
  const given =
    typeof opts.inputs.exchanges === "string" ? [opts.inputs.exchanges] : [...opts.inputs.exchanges];
  if (given.length === 0) throw new AnalyzeError("no exchanges file given");
  const stdin = given.includes("-");
  if (stdin && given.length > 1)
    throw new AnalyzeError("standard input (-) cannot be read together with files: give the files only");
  if (opts.append && opts.db === undefined) throw new AnalyzeError("--append needs --db FILE");
  if (opts.append && stdin)
    throw new AnalyzeError("--append reads a file, not standard input (the store recognises files it holds)");
  const files = given.length > 1 ? await inTimeOrder(given) : given;
  const store = opts.db === undefined ? undefined : await (opts.openStore ?? openDuckDbStore)(opts.db);
  // partners' indicators imported into the store (distillguard intel import) are evidence
  const partnerStored = store ? await store.partnerIndicators() : [];
  const intelKey = opts.intelKey;
  const partner =
    opts.detector?.partner ??
    (partnerStored.length > 0
      ? partnerIntel(
          partnerStored as PartnerRow[],
          intelKey ? (kind, value) => keyedHash(intelKey, kind, value) : undefined,
        )
      : undefined);
  const hashedUnused = intelKey
    ? 0
    : partnerStored.filter((r) => ["account", "payment_fingerprint", "email_domain"].includes(r.kind)).length;
  const driver = new DetectorDriver(accounts, { ...opts.detector, ...(partner ? { partner } : {}) });
  const detector = driver.detector;
  // analysts' decisions (the dashboard) are respected
  if (store) detector.setReviews((await store.latestReviews()).filter((r) => r.targetType === "account"));
  // each file is recognised by its fingerprint: with append, one the store holds is not read again
  const fingerprints = new Map<string, string>();
  if (store && !stdin) for (const f of files) fingerprints.set(f, fingerprintOf(f));
  const skipped: { input: string; finishedAt: string }[] = [];
  const skippedFiles = new Set<string>();
  if (store && opts.append) {
    const held = await store.contents();
    if (!held.state && held.exchanges > 0) {
      store.close();
      throw new AnalyzeError(
        `${opts.db} holds exchanges but no saved detector state: run analyze --db without --append once to rebuild it`,
      );
    }
    try {
      await driver.loadState(store.stateParts());
    } catch (err) {
      store.close();
      throw new AnalyzeError(
        `${opts.db}: cannot continue from its saved state (${err instanceof Error ? err.message : String(err)}): run analyze --db without --append to rebuild it`,
      );
    }
    for (const f of files) {
      const fp = fingerprints.get(f);
      const held = fp === undefined ? undefined : await store.findIngest(fp);
      if (held) {
        skipped.push(held);
        skippedFiles.add(f);
      }
    }
  }
  if (opts.inputs.events)
    for await (const { value, tsMs } of readRecords(opts.inputs.events, checkers.event, { onIssue }))
      if (value.type === "model_release" && value.model && tsMs !== undefined)
        driver.addRelease(value.model, tsMs);

  const census = opts.census;
  const reorder = new ReorderBuffer<ParsedExchange>(REORDER_MS);
  const ready: ParsedExchange[] = [];
  let exchanges = 0;
  const consume = (): void => {
    for (const { facts, signals } of ready) {
      driver.observe(facts, signals);
      if (census && (exchanges + 1) % census.every === 0) census.report(detector.census(), exchanges + 1);
      store?.addExchange({
        view: facts,
        capabilities: capabilityList(signals.capabilities),
        scaffold: signals.scaffold,
        inputTokens: signals.inputTokens,
        outputTokens: signals.outputTokens,
      });
      exchanges++;
    }
    ready.length = 0;
  };
  const take = (batches: readonly ParsedBatch[]): void => {
    for (const b of batches) {
      for (const i of b.issues) onIssue(i);
      const f = perFile.get(b.file);
      for (const row of b.rows) {
        reorder.push(row.facts.ts, row, ready);
        if (f) {
          f.exchanges++;
          if (row.facts.ts < f.firstTs) f.firstTs = row.facts.ts;
          if (row.facts.ts > f.lastTs) f.lastTs = row.facts.ts;
        }
      }
    }
    consume();
  };

  const toRead = files.filter((f) => !skippedFiles.has(f));
  const sizes = new Map(stdin ? [] : toRead.map((f) => [f, statSync(f).size] as const));
  const totalBytes = stdin ? undefined : [...sizes.values()].reduce((t, n) => t + n, 0);
  let bytesRead = 0;
  /** per file read: exchanges parsed and their first and last time (the store's ingest records) */
  const perFile = new Map<string, { exchanges: number; firstTs: number; lastTs: number }>();
  const nameOf = (f: string): string => (f === "-" ? "<stdin>" : f);
  const parser = createParser(nameOf(toRead[0] ?? "-"), opts.threads ?? defaultThreads());
  try {
    for (const file of toRead) {
      perFile.set(nameOf(file), {
        exchanges: 0,
        firstTs: Number.POSITIVE_INFINITY,
        lastTs: Number.NEGATIVE_INFINITY,
      });
      const source = readLineBlocks(file, {
        onIssue,
        onBytes: (n) => {
          bytesRead += n;
        },
      });
      for await (const block of source) {
        await parser.submit(block, nameOf(file));
        take(parser.ready());
        opts.onProgress?.(bytesRead, totalBytes, exchanges);
      }
    }
    take(await parser.drain());
  } finally {
    await parser.close();
  }
  reorder.drain(ready);
  consume();
  driver.finish();
  census?.report(detector.census(), exchanges);
  if (opts.featuresOut) {
    const rows: string[] = [];
    for (const p of detector.profiles.values())
      rows.push(
        JSON.stringify({
          account_id: p.id,
          n: p.n,
          x: Array.from(detector.featuresOf(p), (v) => Math.round(v * 1e5) / 1e5),
        }),
      );
    writeFileSync(opts.featuresOut, rows.length > 0 ? `${rows.join("\n")}\n` : "");
  }

  // campaigns: communities of flagged accounts in the evidence graph
  const decisions = detector.decisions;
  const {
    campaigns,
    flagged: flaggedIds,
    evidence,
    coordinationEdges,
    campaignOf,
  } = assembleCampaigns(detector);

  mkdirSync(opts.out, { recursive: true });
  // verdict lines are made one account at a time, for the file and again for the store:
  // at report scale, holding them all (objects and JSON) would cost hundreds of MiB
  writeVerdicts(join(opts.out, "accounts.jsonl"), decisions.values(), campaignOf);
  if (store) {
    await store.publish(accountFacts(decisions.values(), campaignOf), campaigns.campaigns, {
      append: opts.append === true,
      ingest: toRead.flatMap((file) => {
        const fingerprint = fingerprints.get(file);
        const f = perFile.get(nameOf(file));
        if (fingerprint === undefined || f === undefined) return [];
        return [
          {
            input: file,
            fingerprint,
            bytes: sizes.get(file) ?? 0,
            exchanges: f.exchanges,
            firstTs: f.exchanges > 0 ? f.firstTs : undefined,
            lastTs: f.exchanges > 0 ? f.lastTs : undefined,
          },
        ];
      }),
      state: driver.saveState(),
      releases: detector.releases.list(),
      ...(opts.inputs.accounts ? { accountMeta: accounts.values() } : {}),
    });
    store.close();
  }
  writeFileSync(join(opts.out, "campaigns.json"), `${JSON.stringify(campaigns, null, 2)}\n`);
  if (opts.report !== false) {
    // the report draws each campaign's first GRAPH_NODES accounts: only their edges are made
    const drawn = new Set(campaigns.campaigns.flatMap((c) => c.accounts.slice(0, GRAPH_NODES)));
    const edges = [
      ...eachEdgeAmong(drawn, evidence),
      ...coordinationEdges.filter((e) => drawn.has(e.a) && drawn.has(e.b)),
    ];
    writeFileSync(
      join(opts.out, "report.html"),
      renderReport({
        title: "distillguard: distillation campaigns",
        generatedAt: (opts.now?.() ?? new Date()).toISOString(),
        inputs: [...files, opts.inputs.accounts, opts.inputs.events].filter((x): x is string => !!x),
        exchanges,
        issues: tally.summary(),
        // the risk at which this run flags, which --threshold may have moved from 0.5
        threshold: Math.round(riskOf(detector.threshold) * 1000) / 1000,
        campaigns: campaigns.campaigns,
        decisions,
        campaignOf,
        edges,
      }),
    );
  }
  let totalExchanges = 0;
  for (const p of detector.profiles.values()) totalExchanges += p.n;
  return {
    exchanges,
    totalExchanges,
    alreadyIngested: skipped[0],
    skipped,
    inputs: toRead.map(nameOf),
    accounts: detector.profiles.size,
    flagged: flaggedIds.size,
    campaigns: campaigns.campaigns.length,
    outOfOrder: reorder.late,
    threads: parser.threads,
    partner: { indicators: partnerStored.length, hashedUnused },
    issues: tally.toJSON(),
    issueSummary: tally.summary(),
    files: ["accounts.jsonl", "campaigns.json", "report.html", ...(opts.db === undefined ? [] : [opts.db])],
  };
}
