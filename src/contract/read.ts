// Typed, checked record streams over JSON Lines sources.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { InputIssue, IssueSink } from "./issues.js";
import { type Line, type LineReadOptions, readLineBatches } from "./lines.js";
import {
  type Checked,
  checkAccount,
  checkEvent,
  checkExchange,
  checkExchangeLabel,
  checkLabel,
  checkVerdictAccount,
  type Warn,
} from "./records.js";

export interface Row<T> {
  readonly value: T;
  /** the record's own time (ts, created_at, ...) in ms, when it has one */
  readonly tsMs: number | undefined;
  readonly line: number;
}

export type Checker<T> = (v: unknown, warn: Warn) => Checked<T>;

export interface ReadOptions extends Omit<LineReadOptions, "onIssue"> {
  readonly onIssue: IssueSink;
}

/** Reads, parses and checks every line; bad lines go to onIssue and are skipped. */
export async function* readRecordBatches<T>(
  source: string,
  check: Checker<T>,
  opts: ReadOptions,
): AsyncGenerator<Row<T>[]> {
  const file = opts.name ?? (source === "-" ? "<stdin>" : source);
  for await (const lines of readLineBatches(source, opts)) {
    const rows = checkLines(file, lines, check, opts.onIssue);
    if (rows.length > 0) yield rows;
  }
}

/** Parses and checks lines already read (of `file`); bad lines go to onIssue and are skipped. */
export function checkLines<T>(
  file: string,
  lines: readonly Line[],
  check: Checker<T>,
  onIssue: IssueSink,
): Row<T>[] {
  const rows: Row<T>[] = [];
  for (const { line, text } of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      onIssue(issue(file, line, "E_JSON", `not valid JSON (${shortJsonError(err)})`, true));
      continue;
    }
    const checked = check(parsed, (reason) => onIssue(issue(file, line, "W_BAD_OPTIONAL", reason, false)));
    if (checked.ok) rows.push({ value: checked.value, tsMs: checked.tsMs, line });
    else onIssue(issue(file, line, checked.code, checked.reason, true));
  }
  return rows;
}

/** One record at a time; convenient where throughput does not matter. */
export async function* readRecords<T>(
  source: string,
  check: Checker<T>,
  opts: ReadOptions,
): AsyncGenerator<Row<T>> {
  for await (const batch of readRecordBatches(source, check, opts)) yield* batch;
}

function issue(
  file: string,
  line: number,
  code: InputIssue["code"],
  reason: string,
  skipped: boolean,
): InputIssue {
  return { file, line, code, reason, skipped };
}

function shortJsonError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 80 ? `${msg.slice(0, 77)}...` : msg;
}

export const checkers = {
  exchange: checkExchange,
  account: checkAccount,
  event: checkEvent,
  label: checkLabel,
  exchangeLabel: checkExchangeLabel,
  verdictAccount: checkVerdictAccount,
} as const;

/** Finds `base.jsonl` or `base.jsonl.gz` in a directory. */
export function findJsonl(dir: string, base: string): string | undefined {
  for (const name of [`${base}.jsonl`, `${base}.jsonl.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export type InputProblem = {
  readonly kind: "missing" | "not-a-file" | "unreadable";
  readonly message: string;
};

/** A clear one-line reason why `path` cannot be read as an input file, or undefined when it can. */
export function inputProblem(path: string): InputProblem | undefined {
  if (path === "-") return undefined;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") return { kind: "missing", message: `no such file: ${path}` };
    return { kind: "unreadable", message: `cannot read ${path}: ${code ?? String(err)}` };
  }
  if (st.isDirectory()) return { kind: "not-a-file", message: `${path} is a directory, expected a file` };
  return undefined;
}
