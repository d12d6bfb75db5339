// The simulation driver: the actors live in partitions (worker threads when the
// compiled worker is available, else in-process; the output is identical), each
// rendering an hour of traffic at a time; the driver merges the hours by time,
// numbers the exchanges and writes the files. Memory holds the accounts and a few
// hours of traffic, never the whole log.
import { once } from "node:events";
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { createGzip } from "node:zlib";
import type { EventRecord } from "../contract/index.js";
import { at } from "../contract/index.js";
import { ADAPTIVE_DOC, type AdaptiveLevel, type AdaptiveTactics } from "./_adaptive.js";
import { DAY, type Part } from "./_model.js";
import {
  type HourOutput,
  NEW_MODEL,
  PARTITIONS,
  Partition,
  type PartitionAccounts,
  type WorldSpec,
  worldInfo,
} from "./_partition.js";

export interface SimulateOptions {
  readonly out: string;
  readonly seed?: number;
  readonly scale?: number;
  readonly days?: number;
  readonly gzip?: boolean;
  /** first day of the window, UTC midnight; default 2026-02-02 (a Monday) */
  readonly startMs?: number;
  /** directory of the shared prompt datasets; built-in text when absent */
  readonly prompts?: string;
  /** forced implementations of tactic families (FAMILIES); the rest are drawn from the seed */
  readonly variants?: Readonly<Record<string, string>>;
  /** the red team's level, 0-6 (ADAPTIVE_DOC): forces its tactic families (explicit variants win) and adds its tactics */
  readonly adaptive?: AdaptiveLevel;
  /** run partitions in worker threads (default: when the compiled worker exists) */
  readonly workers?: boolean;
  readonly onProgress?: (p: SimProgress) => void;
  /** messages about the inputs (missing dataset files, ...) */
  readonly log?: (message: string) => void;
}

export interface SimProgress {
  readonly hoursDone: number;
  readonly hoursTotal: number;
  readonly exchanges: number;
  readonly elapsedMs: number;
}

export interface SimulationSummary {
  readonly seed: number;
  readonly scale: number;
  readonly days: number;
  readonly start: string;
  readonly end: string;
  readonly text: "builtin" | "datasets";
  readonly release: { readonly ts: string; readonly model: string };
  /** the world's implementation of each tactic family, and the kind of prompt set rotated to */
  readonly variants: Readonly<Record<string, string>>;
  readonly harvestKind: string;
  readonly exchanges: number;
  readonly accounts: number;
  readonly populations: Record<string, { accounts: number; exchanges: number; campaign: string | null }>;
  readonly params: Record<string, Readonly<Record<string, number | string>>>;
  /** the red team's level and tactics (null: not an adaptive run) */
  readonly adaptive: (AdaptiveTactics & { readonly doc: string }) | null;
  /** what each campaign cost its operators: accounts, exchanges by part, and the harvest per account */
  readonly attacker: Record<string, AttackerCost>;
  readonly files: readonly string[];
  readonly workers: boolean;
  readonly elapsedMs: number;
}

/** A campaign's traffic as its operators paid for it. */
export interface AttackerCost {
  readonly accounts: number;
  /** exchanges the operators sent: harvest (one-shot or agent steps), chained (items pasted as follow-ups) and cover */
  readonly exchanges: number;
  readonly harvest: number;
  readonly chained: number;
  readonly cover: number;
  /** a relay's customers' own chats through the accounts (not the operators') */
  readonly customer: number;
  /** cover / exchanges */
  readonly coverShare: number;
  /** (harvest + chained) / accounts: useful exchanges per account */
  readonly usefulPerAccount: number;
}

interface Sink {
  write(s: string | Uint8Array): Promise<void> | undefined;
  close(): Promise<void>;
}

function openSink(path: string, gzip: boolean): Sink {
  if (!gzip) {
    const fd = openSync(path, "w");
    return {
      write: (s) => {
        if (typeof s === "string") writeSync(fd, s);
        else writeSync(fd, s);
        return undefined;
      },
      close: async () => closeSync(fd),
    };
  }
  const file = createWriteStream(path);
  const gz = createGzip({ level: 6 });
  gz.pipe(file);
  return {
    // the stream keeps what it is given until compressed: a copy, as callers reuse their buffers
    write: (s) =>
      gz.write(typeof s === "string" ? s : Buffer.from(s))
        ? undefined
        : once(gz, "drain").then(() => undefined),
    close: async () => {
      gz.end();
      await once(file, "close");
    },
  };
}

interface Source {
  readonly accounts: PartitionAccounts;
  readonly text: "builtin" | "datasets";
  hour(h: number): Promise<HourOutput>;
  close(): Promise<void>;
}

function inProcess(spec: WorldSpec, index: number, log: (m: string) => void): Source {
  const p = new Partition(spec, index, log);
  return {
    accounts: p.accounts(),
    text: p.corpus.source,
    hour: async (h) => p.hour(h),
    close: async () => {},
  };
}

const WORKER_FILE = fileURLToPath(new URL("./_worker.js", import.meta.url));
const PREFETCH = 3;

async function inWorker(
  spec: WorldSpec,
  index: number,
  hours: number,
  log: (m: string) => void,
): Promise<Source> {
  // a large young generation: rendering allocates many short-lived strings
  const worker = new Worker(WORKER_FILE, {
    workerData: { spec, index },
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  });
  const waiting = new Map<number, (o: HourOutput) => void>();
  const ready = new Map<number, HourOutput>();
  let failed: Error | undefined;
  const first = new Promise<{ accounts: PartitionAccounts; source: "builtin" | "datasets" }>(
    (resolve, reject) => {
      worker.on(
        "message",
        (m: {
          type: string;
          out?: HourOutput;
          accounts?: PartitionAccounts;
          logs?: string[];
          source?: "builtin" | "datasets";
        }) => {
          if (m.type === "accounts" && m.accounts && m.source) {
            for (const l of m.logs ?? []) log(l);
            resolve({ accounts: m.accounts, source: m.source });
          } else if (m.type === "hour" && m.out) {
            const resolveHour = waiting.get(m.out.hour);
            if (resolveHour) {
              waiting.delete(m.out.hour);
              resolveHour(m.out);
            } else ready.set(m.out.hour, m.out);
          }
        },
      );
      worker.on("error", (err) => {
        failed = err;
        reject(err);
        const none: HourOutput = {
          hour: -1,
          ts: new Float64Array(),
          offsets: new Uint32Array(1),
          bytes: new Uint8Array(),
          labels: [],
          counts: {},
          parts: {},
        };
        for (const [, r] of waiting) r(none);
      });
    },
  );
  const { accounts, source } = await first;
  let requested = 0;
  const request = (upTo: number): void => {
    while (requested < Math.min(upTo, hours)) worker.postMessage({ type: "hour", hour: requested++ });
  };
  request(PREFETCH);
  return {
    accounts,
    text: source,
    hour: (h) => {
      if (failed) return Promise.reject(failed);
      request(h + 1 + PREFETCH);
      const done = ready.get(h);
      if (done) {
        ready.delete(h);
        return Promise.resolve(done);
      }
      return new Promise((resolve, reject) =>
        waiting.set(h, (o) =>
          o.hour === -1 ? reject(failed ?? new Error("simulator worker failed")) : resolve(o),
        ),
      );
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Merges the partitions' sorted hours by time (ties to the lower partition) into `into`
 * (grown when too small; one buffer reused hour after hour keeps the main thread's
 * garbage collector out of the way). The merged bytes are `bytes`, valid until the next call.
 */
function mergeHour(
  outs: readonly HourOutput[],
  into: { buf: Buffer },
): { bytes: Buffer; labels: string; n: number } {
  let total = 0;
  let n = 0;
  for (const o of outs) {
    total += o.bytes.length;
    n += o.ts.length;
  }
  if (into.buf.length < total) into.buf = Buffer.allocUnsafeSlow(total + (total >> 1));
  const bytes = into.buf;
  const labels: string[] = [];
  const idx = outs.map(() => 0);
  const sources = outs.map((o) => Buffer.from(o.bytes.buffer, o.bytes.byteOffset, o.bytes.length));
  let pos = 0;
  for (let k = 0; k < n; ) {
    let best = -1;
    let bestTs = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    for (let p = 0; p < outs.length; p++) {
      const o = at(outs, p);
      const i = at(idx, p);
      if (i >= o.ts.length) continue;
      const t = at(o.ts, i);
      if (t < bestTs) {
        second = bestTs;
        bestTs = t;
        best = p;
      } else if (t < second) second = t;
    }
    // copy the run of lines from the best partition that come before every other partition's next line
    const o = at(outs, best);
    const from = at(idx, best);
    let to = from + 1;
    while (to < o.ts.length && at(o.ts, to) < second) to++;
    idx[best] = to;
    k += to - from;
    const start = at(o.offsets, from);
    const end = at(o.offsets, to);
    at(sources, best).copy(bytes, pos, start, end);
    pos += end - start;
    for (let i = from; i < to; i++) {
      const label = o.labels[i];
      if (label) labels.push(label);
    }
  }
  return { bytes: bytes.subarray(0, pos), labels: labels.join(""), n };
}

export async function simulate(opts: SimulateOptions): Promise<SimulationSummary> {
  const t0 = Date.now();
  const spec: WorldSpec = {
    seed: opts.seed ?? 1,
    scale: opts.scale ?? 1,
    days: opts.days ?? 14,
    startMs: opts.startMs ?? Date.UTC(2026, 1, 2),
    ...(opts.prompts === undefined ? {} : { prompts: opts.prompts }),
    ...(opts.variants === undefined ? {} : { variants: opts.variants }),
    ...(opts.adaptive === undefined ? {} : { adaptive: opts.adaptive }),
  };
  const log = opts.log ?? (() => {});
  const info = worldInfo(spec);
  const hours = spec.days * 24;
  const useWorkers = opts.workers ?? existsSync(WORKER_FILE);
  const seen = new Set<string>();
  const logOnce = (m: string): void => {
    if (!seen.has(m)) log(m);
    seen.add(m);
  };
  const sources = useWorkers
    ? await Promise.all(PARTITIONS.map((_, i) => inWorker(spec, i, hours, logOnce)))
    : PARTITIONS.map((_, i) => inProcess(spec, i, logOnce));

  try {
    mkdirSync(opts.out, { recursive: true });
    const gz = opts.gzip ? ".gz" : "";
    const files = ["exchanges", "accounts", "events", "labels", "exchange_labels"].map(
      (f) => `${f}.jsonl${gz}`,
    );
    const path = (i: number): string => join(opts.out, files[i] ?? "");

    // accounts and labels, in an order that does not reveal populations
    const order = info.root.fork("order");
    const all = sources.flatMap((s) =>
      s.accounts.records.map((r, i) => [r, s.accounts.labels[i] ?? ""] as const),
    );
    order.shuffle(all);
    const accountsSink = openSink(path(1), !!opts.gzip);
    const labelsSink = openSink(path(3), !!opts.gzip);
    for (let i = 0; i < all.length; i += 5000) {
      const chunk = all.slice(i, i + 5000);
      await accountsSink.write(`${chunk.map((c) => c[0]).join("\n")}\n`);
      await labelsSink.write(`${chunk.map((c) => c[1]).join("\n")}\n`);
    }
    await accountsSink.close();
    await labelsSink.close();

    const events: EventRecord[] = [
      { ts: new Date(info.start - 120 * DAY).toISOString(), type: "model_release", model: "claude-opus-4-1" },
      {
        ts: new Date(info.start - 60 * DAY).toISOString(),
        type: "model_release",
        model: "claude-sonnet-4-5",
      },
      { ts: new Date(info.start - 45 * DAY).toISOString(), type: "model_release", model: "claude-haiku-4-5" },
      { ts: new Date(info.release.ts).toISOString(), type: "model_release", model: NEW_MODEL },
    ];
    const eventsSink = openSink(path(2), !!opts.gzip);
    await eventsSink.write(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
    await eventsSink.close();

    const exSink = openSink(path(0), !!opts.gzip);
    const xlSink = openSink(path(4), !!opts.gzip);
    const counts = new Map<string, number>();
    const parts = new Map<string, Record<string, number>>();
    let seq = 0;
    const merged = { buf: Buffer.allocUnsafeSlow(0) };
    for (let h = 0; h < hours; h++) {
      const outs = await Promise.all(sources.map((s) => s.hour(h)));
      const { bytes, labels, n } = mergeHour(outs, merged);
      seq += n;
      for (const o of outs)
        for (const [pop, c] of Object.entries(o.counts)) counts.set(pop, (counts.get(pop) ?? 0) + c);
      for (const o of outs)
        for (const [pop, byPart] of Object.entries(o.parts)) {
          const into = parts.get(pop) ?? {};
          for (const [part, c] of Object.entries(byPart)) into[part] = (into[part] ?? 0) + c;
          parts.set(pop, into);
        }
      if (bytes.length > 0) await exSink.write(bytes);
      if (labels.length > 0) await xlSink.write(labels);
      opts.onProgress?.({ hoursDone: h + 1, hoursTotal: hours, exchanges: seq, elapsedMs: Date.now() - t0 });
    }
    await exSink.close();
    await xlSink.close();

    const populations: SimulationSummary["populations"] = {};
    const params: SimulationSummary["params"] = {};
    for (const s of sources) {
      s.accounts.names.forEach((name, i) => {
        populations[name] = {
          accounts: s.accounts.counts[i] ?? 0,
          exchanges: counts.get(name) ?? 0,
          campaign: s.accounts.campaigns[i] ?? null,
        };
        params[name] = s.accounts.params[name] ?? {};
      });
    }
    const attacker: Record<string, AttackerCost> = {};
    for (const [name, pop] of Object.entries(populations)) {
      if (pop.campaign === null) continue;
      const byPart = parts.get(name) ?? {};
      const n = (part: Part): number => byPart[part] ?? 0;
      const exchanges = n("harvest") + n("chained") + n("cover");
      attacker[name] = {
        accounts: pop.accounts,
        exchanges,
        harvest: n("harvest"),
        chained: n("chained"),
        cover: n("cover"),
        customer: n("customer"),
        coverShare: exchanges === 0 ? 0 : Math.round((n("cover") / exchanges) * 1e4) / 1e4,
        usefulPerAccount:
          pop.accounts === 0 ? 0 : Math.round(((n("harvest") + n("chained")) / pop.accounts) * 100) / 100,
      };
    }
    const summary: SimulationSummary = {
      seed: spec.seed,
      scale: spec.scale,
      days: spec.days,
      start: new Date(info.start).toISOString(),
      end: new Date(info.end).toISOString(),
      text: sources[0]?.text ?? "builtin",
      release: { ts: new Date(info.release.ts).toISOString(), model: NEW_MODEL },
      variants: info.variants,
      harvestKind: info.harvestKind,
      exchanges: seq,
      accounts: all.length,
      populations,
      params,
      adaptive:
        spec.adaptive === undefined ? null : { ...info.adaptive, doc: ADAPTIVE_DOC[spec.adaptive] ?? "" },
      attacker,
      files,
      workers: useWorkers,
      elapsedMs: Date.now() - t0,
    };
    writeFileSync(join(opts.out, "simulation.json"), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await Promise.all(sources.map((s) => s.close()));
  }
}
