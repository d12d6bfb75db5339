// Progress on stderr for long runs: done/total, rate and ETA, at most once a second.
export interface ProgressSink {
  update(done: number, total: number | undefined, count: number): void;
  finish(message: string): void;
}

export interface ProgressOptions {
  readonly label: string;
  /** what `count` counts, e.g. "exchanges" */
  readonly unit: string;
  readonly quiet?: boolean;
  readonly stream?: NodeJS.WritableStream;
  readonly now?: () => number;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** done and total are in any unit of work (hours, bytes); count is what the rate is given in. */
export function progress(opts: ProgressOptions): ProgressSink {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const t0 = now();
  // the first line after a second: a short run prints only its summary, and a long one
  // does not open with "100.0% 0 exchanges" while its first batch is still being parsed
  let last = t0;
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  return {
    update(done, total, count) {
      if (opts.quiet) return;
      const t = now();
      if (t - last < 1000) return;
      last = t;
      const elapsed = t - t0;
      const rate = elapsed > 0 ? (count * 1000) / elapsed : 0;
      const share = total ? done / total : undefined;
      const eta = share && share > 0 ? (elapsed * (1 - share)) / share : Number.NaN;
      const pct = share === undefined ? "" : ` ${(share * 100).toFixed(1)}%`;
      const line = `${opts.label}:${pct} ${formatCount(count)} ${opts.unit}, ${formatCount(rate)}/s, ETA ${formatDuration(eta)}`;
      stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    finish(message) {
      if (opts.quiet) return;
      stream.write(tty ? `\r${message}\x1b[K\n` : `${message}\n`);
    },
  };
}
