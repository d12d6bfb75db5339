// Exchanges as contract JSON Lines in rotating files: `exchanges-<UTC time>-<n>.jsonl` in
// a directory, a new file once one passes `maxFileBytes`. Lines are gathered in memory
// and written in the background (at most every `flushMs`, or at 1 MiB), off the request
// path; close() writes what is left. The files read back with `distillguard analyze`.
import { mkdirSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";

export interface JsonlLogOptions {
  readonly dir: string;
  /** start a new file once the current one passes this size (default 256 MiB) */
  readonly maxFileBytes?: number;
  /** longest a line waits before it is written (default 200 ms) */
  readonly flushMs?: number;
  /** the clock, for file names */
  readonly now?: () => Date;
}

export class JsonlLog {
  private readonly maxFileBytes: number;
  private readonly flushMs: number;
  private readonly now: () => Date;
  private pending: string[] = [];
  private pendingBytes = 0;
  private file: { handle: FileHandle; bytes: number; path: string } | undefined;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private files = 0;
  /** files written so far, oldest first */
  readonly paths: string[] = [];
  /** lines written (not counting those still pending) */
  written = 0;

  constructor(private readonly opts: JsonlLogOptions) {
    this.maxFileBytes = opts.maxFileBytes ?? 256 * 1024 * 1024;
    this.flushMs = opts.flushMs ?? 200;
    this.now = opts.now ?? (() => new Date());
    mkdirSync(opts.dir, { recursive: true });
  }

  write(record: unknown): void {
    this.writeLine(JSON.stringify(record));
  }

  /** Writes a line that is already JSON (without its newline). */
  writeLine(json: string): void {
    const line = `${json}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= 1 << 20) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Starts writing what is pending; resolves when it (and earlier writes) are on disk. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return this.writing;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = this.writing.then(() => this.append(lines));
    return this.writing;
  }

  private async append(lines: string[]): Promise<void> {
    const text = lines.join("");
    const bytes = Buffer.byteLength(text);
    if (!this.file || this.file.bytes >= this.maxFileBytes) {
      await this.file?.handle.close();
      const stamp = this.now().toISOString().slice(0, 19).replace(/[-:]/g, "");
      const path = join(this.opts.dir, `exchanges-${stamp}-${String(++this.files).padStart(4, "0")}.jsonl`);
      this.file = { handle: await open(path, "a"), bytes: 0, path };
      this.paths.push(path);
    }
    await this.file.handle.write(text);
    this.file.bytes += bytes;
    this.written += lines.length;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file?.handle.close();
    this.file = undefined;
  }
}
