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
 * A run of whole lines of a source, as bytes: each ends at a newline except a source's last
 * line. Lines that span chunks longer than the limit are left out (reported by the reader);
 * `firstLine` numbers the block's first line, and every newline in it starts the next.
 */
export interface LineBlock {
  readonly firstLine: number;
  /** the block's own memory (never a pooled buffer): it can be transferred to a worker */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** Bytes copied into memory of their own (Buffer.concat may hand out a slice of a shared pool). */
function ownBytes(parts: readonly Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const out = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function countNewlines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(NL, start); i !== -1 && i < end; i = buf.indexOf(NL, i + 1)) n++;
  return n;
}

/** Lines longer than this many bytes are skipped unless LineReadOptions.maxLineBytes says otherwise. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;

function tooLongIssue(file: string, line: number, maxLineBytes: number): InputIssue {
  return {
    file,
    line,
    code: "E_LINE_TOO_LONG",
    reason: `line longer than ${maxLineBytes} bytes`,
    skipped: true,
  };
}

/**
 * Yields a JSON Lines source (plain or gzip, a path or "-") as blocks of whole lines, one per
 * input chunk, without decoding them: the cheap half of reading, which finds where lines end.
 * linesOfBlock() turns a block into lines, on this thread or another. A line longer than
 * `maxLineBytes` that spans chunks is reported here and never buffered; one inside a block is
 * reported by linesOfBlock.
 */
export async function* readLineBlocks(source: string, opts: LineReadOptions): AsyncGenerator<LineBlock> {
  const name = opts.name ?? (source === "-" ? "<stdin>" : source);
  const maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
  let lineNo = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  const tooLong = (): void => opts.onIssue(tooLongIssue(name, lineNo, maxLineBytes));

  for await (const chunk of decodedChunks(source, name, opts, () => lineNo)) {
    let pos = 0;
    const first = chunk.indexOf(NL);
    if (first === -1) {
      // no line ends in this chunk: it continues the pending line (or the one being skipped)
      if (skipping) continue;
      if (pendingBytes + chunk.length > maxLineBytes) {
        skipping = true;
        pending = [];
        pendingBytes = 0;
      } else {
        // copy: the stream may reuse its chunk buffers
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.length;
      }
      continue;
    }
    if (skipping || pendingBytes + first > maxLineBytes) {
      // the line that ends at the first newline is too long: report it and start after it
      lineNo++;
      tooLong();
      skipping = false;
      pending = [];
      pendingBytes = 0;
      pos = first + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= pos) {
      const block = ownBytes([...pending, chunk.subarray(pos, last + 1)], pendingBytes + last + 1 - pos);
      const firstLine = lineNo + 1;
      lineNo += countNewlines(chunk, pos, last + 1);
      pending = [];
      pendingBytes = 0;
      yield { firstLine, bytes: block };
    }
    const rest = chunk.length - (last + 1);
    if (rest > 0) {
      if (rest > maxLineBytes) skipping = true;
      else {
        pending.push(Buffer.from(chunk.subarray(last + 1)));
        pendingBytes = rest;
      }
    }
  }
  if (skipping) {
    lineNo++;
    tooLong();
  } else if (pendingBytes > 0) {
    const firstLine = lineNo + 1;
    lineNo++;
    yield { firstLine, bytes: ownBytes(pending, pendingBytes) };
  }
}

/**
 * The lines of a block (readLineBlocks): numbered, decoded, empty ones skipped; a line that is
 * not UTF-8 or longer than `maxLineBytes` is reported and left out.
 */
export function linesOfBlock(
  block: LineBlock,
  name: string,
  onIssue: (issue: InputIssue) => void,
  maxLineBytes = MAX_LINE_BYTES,
): Line[] {
  const buf = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
  const out: Line[] = [];
  let lineNo = block.firstLine;
  for (let pos = 0; pos < buf.length; lineNo++) {
    let nl = buf.indexOf(NL, pos);
    if (nl === -1) nl = buf.length;
    if (nl - pos > maxLineBytes) onIssue(tooLongIssue(name, lineNo, maxLineBytes));
    else if (!(nl === pos || (nl - pos === 1 && buf[pos] === CR))) {
      const text = decodeLine(buf, pos, nl);
      if (text === undefined)
        onIssue({
          file: name,
          line: lineNo,
          code: "E_ENCODING",
          reason: "line is not valid UTF-8",
          skipped: true,
        });
      else out.push({ line: lineNo, text });
    }
    pos = nl + 1;
  }
  return out;
}

/**
 * Yields the lines of a JSON Lines source in batches (one per input chunk), so that
 * callers pay one await per chunk rather than per line. Empty lines are skipped.
 */
export async function* readLineBatches(source: string, opts: LineReadOptions): AsyncGenerator<Line[]> {
  const name = opts.name ?? (source === "-" ? "<stdin>" : source);
  for await (const block of readLineBlocks(source, opts)) {
    const out = linesOfBlock(block, name, opts.onIssue, opts.maxLineBytes);
    if (out.length > 0) yield out;
  }
}
