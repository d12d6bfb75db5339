// Streaming JSON Lines input: a file path or "-" for stdin, plain or gzip (detected
// by its magic bytes, whatever the name). Memory stays flat in file size: only the
// current chunk and at most one line (up to maxLineBytes) are held.
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { InputIssue } from "./issues.js";

export interface Line {
  readonly line: number;
  readonly text: string;
}

export interface LineReadOptions {
  /** Lines longer than this many bytes are skipped (reported, never buffered). Default 32 MiB. */
  readonly maxLineBytes?: number;
  /** Name used in issues; defaults to the path ("<stdin>" for "-"). */
  readonly name?: string;
  /** Replaces process.stdin for "-" (tests). */
  readonly stdin?: NodeJS.ReadableStream;
  readonly onIssue: (issue: InputIssue) => void;
  /** called with the size of each raw (possibly compressed) chunk read, for progress */
  readonly onBytes?: (bytes: number) => void;
}

const NL = 0x0a;
const CR = 0x0d;
const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

async function* rawChunks(source: string, opts: LineReadOptions): AsyncGenerator<Buffer> {
  const stream =
    source === "-" ? (opts.stdin ?? process.stdin) : createReadStream(source, { highWaterMark: 1 << 20 });
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    opts.onBytes?.(buf.length);
    yield buf;
  }
}

async function* decodedChunks(
  source: string,
  name: string,
  opts: LineReadOptions,
  /** complete lines read so far (a truncated stream is reported after the last of them) */
  linesRead: () => number,
): AsyncGenerator<Buffer> {
  const raw = rawChunks(source, opts);
  const first = await raw.next();
  if (first.done) return;
  const head = first.value;
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    yield head;
    yield* raw;
    return;
  }
  const compressed = Readable.from(
    (async function* () {
      yield head;
      yield* raw;
    })(),
  );
  const gunzip = createGunzip();
  compressed.on("error", (err) => gunzip.destroy(err));
  compressed.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (!isZlibError(err)) throw err;
    const last = linesRead();
    opts.onIssue({
      file: name,
      line: last + 1,
      code: "E_TRUNCATED",
      reason: `compressed stream is corrupt or truncated after line ${last}, the last complete line (${(err as Error).message}); everything before it was read`,
      skipped: true,
    });
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}

function decodeLine(buf: Buffer, start: number, end: number): string | undefined {
  if (end > start && buf[end - 1] === CR) end--;
  const text = buf.toString("utf8", start, end);
  // toString replaces invalid bytes with U+FFFD; only then pay for a strict check.
  if (text.includes("\uFFFD")) {
    try {
      fatalDecoder.decode(buf.subarray(start, end));
    } catch {
      return undefined;
    }
  }
  return text;
}

/**
 * Yields the lines of a JSON Lines source in batches (one per input chunk), so that
 * callers pay one await per chunk rather than per line. Empty lines are skipped.
 */
export async function* readLineBatches(source: string, opts: LineReadOptions): AsyncGenerator<Line[]> {
  const name = opts.name ?? (source === "-" ? "<stdin>" : source);
  const maxLineBytes = opts.maxLineBytes ?? 32 * 1024 * 1024;
  let lineNo = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;

  const emit = (buf: Buffer, start: number, end: number, out: Line[]): void => {
    lineNo++;
    if (end - start === 0 || (end - start === 1 && buf[start] === CR)) return;
    const text = decodeLine(buf, start, end);
    if (text === undefined) {
      opts.onIssue({
        file: name,
        line: lineNo,
        code: "E_ENCODING",
        reason: "line is not valid UTF-8",
        skipped: true,
      });
      return;
    }
    out.push({ line: lineNo, text });
  };
  const tooLong = (): void => {
    opts.onIssue({
      file: name,
      line: lineNo,
      code: "E_LINE_TOO_LONG",
      reason: `line longer than ${maxLineBytes} bytes`,
      skipped: true,
    });
  };

  for await (const chunk of decodedChunks(source, name, opts, () => lineNo)) {
    const out: Line[] = [];
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, pos);
      if (nl === -1) break;
      if (skipping) {
        lineNo++;
        tooLong();
        skipping = false;
      } else if (pendingBytes > 0) {
        if (pendingBytes + (nl - pos) > maxLineBytes) {
          lineNo++;
          tooLong();
        } else {
          pending.push(chunk.subarray(pos, nl));
          const joined = Buffer.concat(pending);
          emit(joined, 0, joined.length, out);
        }
      } else if (nl - pos > maxLineBytes) {
        lineNo++;
        tooLong();
      } else {
        emit(chunk, pos, nl, out);
      }
      pending = [];
      pendingBytes = 0;
      pos = nl + 1;
    }
    if (pos < chunk.length && !skipping) {
      const rest = chunk.length - pos;
      if (pendingBytes + rest > maxLineBytes) {
        skipping = true;
        pending = [];
        pendingBytes = 0;
      } else {
        // copy: the stream may reuse its chunk buffers
        pending.push(Buffer.from(chunk.subarray(pos)));
        pendingBytes += rest;
      }
    }
    if (out.length > 0) yield out;
  }
  const out: Line[] = [];
  if (skipping) {
    lineNo++;
    tooLong();
  } else if (pendingBytes > 0) {
    const joined = Buffer.concat(pending);
    emit(joined, 0, joined.length, out);
  }
  if (out.length > 0) yield out;
}
