// Decodes and parses blocks of exchange lines on worker threads and hands the results back in input order.
// The analysis thread keeps the profiles and groups (one owner, no locks); the workers
// do the per-exchange work, which is most of it. Without the compiled worker (tests
// running the TypeScript sources) the same function runs in-process.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { LineBlock } from "../contract/index.js";
import { at } from "../contract/index.js";
import { type ParsedBatch, parseExchangeBlock } from "./_parse.js";

const WORKER_FILE = fileURLToPath(new URL("./_parse-worker.js", import.meta.url));
/** batches in flight per worker: enough to keep it busy while results are consumed */
const IN_FLIGHT = 3;

export interface Parser {
  /**
   * Queues a block of lines (of `file`, default the parser's; a worker takes over its memory);
   * resolves once there is room for another.
   */
  submit(block: LineBlock, file?: string): Promise<void>;
  /** Results ready in input order (call after each submit). */
  ready(): ParsedBatch[];
  /** Waits for every queued batch and returns the rest in order. */
  drain(): Promise<ParsedBatch[]>;
  close(): Promise<void>;
  readonly threads: number;
}

/** Number of parsing threads by default: the cores, less none (the analysis thread mostly waits on them). */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export function createParser(file: string, threads: number): Parser {
  if (threads <= 0 || !existsSync(WORKER_FILE)) return inProcessParser(file);
  return new WorkerParser(file, threads);
}

function inProcessParser(file: string): Parser {
  let out: ParsedBatch[] = [];
  return {
    threads: 0,
    submit: async (block, from = file) => {
      out.push(parseExchangeBlock(from, block));
    },
    ready: () => {
      const r = out;
      out = [];
      return r;
    },
    drain: async () => {
      const r = out;
      out = [];
      return r;
    },
    close: async () => {},
  };
}

class WorkerParser implements Parser {
  private readonly workers: Worker[];
  private readonly done = new Map<number, ParsedBatch>();
  private nextSeq = 0;
  private nextOut = 0;
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly file: string,
    readonly threads: number,
  ) {
    this.workers = Array.from({ length: threads }, () => {
      const w = new Worker(WORKER_FILE);
      w.on("message", (m: { seq: number; batch: ParsedBatch }) => {
        this.done.set(m.seq, m.batch);
        this.inFlight--;
        this.notify();
      });
      w.on("error", (err) => {
        this.failure = err;
        this.notify();
      });
      return w;
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private wait(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  async submit(block: LineBlock, file = this.file): Promise<void> {
    const seq = this.nextSeq++;
    // the block's bytes move to the worker (readLineBlocks gives each block memory of its own)
    at(this.workers, seq % this.workers.length).postMessage({ seq, file, block }, [block.bytes.buffer]);
    this.inFlight++;
    while (this.inFlight >= this.workers.length * IN_FLIGHT) {
      await this.wait();
      if (this.failure) throw this.failure;
    }
  }

  ready(): ParsedBatch[] {
    if (this.failure) throw this.failure;
    const out: ParsedBatch[] = [];
    for (let b = this.done.get(this.nextOut); b !== undefined; b = this.done.get(this.nextOut)) {
      this.done.delete(this.nextOut++);
      out.push(b);
    }
    return out;
  }

  async drain(): Promise<ParsedBatch[]> {
    while (this.inFlight > 0) {
      await this.wait();
      if (this.failure) throw this.failure;
    }
    return this.ready();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
