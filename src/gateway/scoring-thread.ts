// The gateway's scorer on a worker thread. The request thread keeps only what a request
// reads (each judged account's risk, flag and reasons, and each flagged account's
// campaign), updated by messages after every checkpoint and linkage; exchanges go to the
// worker as their JSON lines, gathered into batches (one message every `batchMs` or
// `batchSize` lines). A request therefore never waits on a checkpoint, the linkage or
// the store: its standing is at most one checkpoint interval plus a batch old.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ExchangeRecord, Reason } from "../contract/index.js";
import type { FromScorer, ToScorer, WorkerInit } from "./_scoring-protocol.js";
import {
  DecisionCounts,
  LiveScorer,
  type LiveScorerOptions,
  type SaveResult,
  type Scorer,
  type Standing,
} from "./scoring.js";
import type { Signup, SignupRisk } from "./signup.js";

const WORKER_FILE = fileURLToPath(new URL("./_scoring-worker.js", import.meta.url));

export interface ThreadScorerOptions extends Omit<LiveScorerOptions, "onStandings" | "onCampaigns"> {
  /** longest an exchange waits before it is sent to the worker (ms; default 20) */
  readonly batchMs?: number;
  /** lines sent in one message at most (default 512) */
  readonly batchSize?: number;
}

interface Judged {
  readonly risk: number;
  readonly flagged: boolean;
  readonly reasons: readonly Reason[];
}

/** Whether the compiled worker is present (not when tests run the TypeScript sources). */
export function threadScoringAvailable(): boolean {
  return existsSync(WORKER_FILE);
}

/**
 * A scorer for the gateway: on a worker thread when the compiled worker is present,
 * otherwise (TypeScript sources under test) in-process. Continues from the store's saved
 * state when `store` names one that holds it.
 */
export async function createScorer(
  opts: ThreadScorerOptions & { readonly thread?: boolean } = {},
): Promise<Scorer> {
  if (opts.thread === false || !threadScoringAvailable()) return LiveScorer.open(opts);
  return ThreadScorer.start(opts);
}

export class ThreadScorer implements Scorer {
  private readonly judged = new Map<string, Judged>();
  private campaignOf: ReadonlyMap<string, string> = new Map();
  private batch: string[] = [];
  /** policy decisions not yet sent */
  private readonly decisions = new DecisionCounts();
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;
  private failure: Error | undefined;
  private readonly batchMs: number;
  private readonly batchSize: number;
  /** exchanges sent to the worker */
  observed = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly opts: ThreadScorerOptions,
  ) {
    this.batchMs = opts.batchMs ?? 20;
    this.batchSize = opts.batchSize ?? 512;
  }

  /** Starts the worker; resolves once it has loaded the store's state (if any). */
  static start(opts: ThreadScorerOptions = {}): Promise<ThreadScorer> {
    const { onError: _onError, batchMs: _b, batchSize: _s, ...options } = opts;
    const init: WorkerInit = { options };
    const worker = new Worker(WORKER_FILE, { workerData: init });
    const s = new ThreadScorer(worker, opts);
    return new Promise<ThreadScorer>((resolve, reject) => {
      const early = (err: Error): void => reject(err);
      worker.once("error", early);
      worker.on("message", (m: FromScorer) => {
        if (m.t === "ready") {
          worker.off("error", early);
          worker.on("error", (err) => s.fail(err));
          resolve(s);
        } else if (m.t === "failed") {
          void worker.terminate();
          reject(new Error(m.message));
        } else s.receive(m);
      });
      worker.on("exit", (code) => {
        if (!s.closed) s.fail(new Error(`the scoring worker exited (code ${code})`));
      });
    });
  }

  private receive(m: FromScorer): void {
    switch (m.t) {
      case "standings":
        for (const [id, risk, flagged, reasons] of m.updates) this.judged.set(id, { risk, flagged, reasons });
        return;
      case "campaigns":
        this.campaignOf = m.campaignOf;
        return;
      case "error":
        this.opts.onError?.(m.what, new Error(m.message));
        return;
      case "result": {
        const c = this.calls.get(m.id);
        if (!c) return;
        this.calls.delete(m.id);
        if (m.error !== undefined) c.reject(new Error(m.error));
        else c.resolve(m.value);
        return;
      }
      default:
        return;
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
    this.opts.onError?.("worker", err);
  }

  observe(record: ExchangeRecord, line?: string): void {
    if (this.closed || this.failure) return;
    this.batch.push(line ?? JSON.stringify(record));
    this.observed++;
    if (this.batch.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if ((this.batch.length === 0 && this.decisions.size === 0) || this.failure) return;
    const msg: ToScorer = { t: "lines", lines: this.batch, decisions: this.decisions.take() };
    this.batch = [];
    this.worker.postMessage(msg);
  }

  private call<T>(
    op: "checkpoint" | "link" | "save" | "signup" | "close",
    arg?: unknown,
    regions?: string[],
  ): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    // exchanges observed before the call are in the worker before it
    this.flush();
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const msg: ToScorer = { t: "call", id, op, arg, ...(regions ? { regions } : {}) };
      this.worker.postMessage(msg);
    });
  }

  decided(action: string, acted: boolean, at: number): void {
    if (this.closed || this.failure) return;
    this.decisions.add(action, acted, at);
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  standing(accountId: string): Standing | undefined {
    const j = this.judged.get(accountId);
    if (!j) return undefined;
    return {
      risk: j.risk,
      flagged: j.flagged,
      campaignId: this.campaignOf.get(accountId) ?? null,
      reasons: j.reasons,
    };
  }

  signupRisk(s: Signup, unsupportedRegions: ReadonlySet<string>): Promise<SignupRisk> {
    return this.call<SignupRisk>("signup", s, [...unsupportedRegions]);
  }

  /** The standings arrive by message before the result, so they are in place when this resolves. */
  checkpoint(): Promise<number> {
    return this.call<number>("checkpoint");
  }

  link(): Promise<number> {
    return this.call<number>("link");
  }

  save(): Promise<SaveResult | undefined> {
    return this.call<SaveResult | undefined>("save");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.failure) await this.call<void>("close");
    } finally {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      await this.worker.terminate();
    }
  }
}
