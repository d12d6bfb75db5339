// The per-exchange half of an analysis, which needs no shared state: parse and check
// each line, normalise the request, and compute its signals. It runs in worker threads
// (both cores) or in-process; either way the result is the same list.
import {
  checkers,
  checkLines,
  type ExchangeFacts,
  exchangeFacts,
  type InputIssue,
  type Line,
  type LineBlock,
  linesOfBlock,
  normaliseExchange,
} from "../contract/index.js";
import { type ExchangeSignals, exchangeSignals } from "../signals/index.js";

export interface ParsedExchange {
  readonly facts: ExchangeFacts;
  readonly signals: ExchangeSignals;
}

export interface ParsedBatch {
  /** the file the lines came from */
  readonly file: string;
  readonly rows: ParsedExchange[];
  readonly issues: InputIssue[];
}

export function parseExchangeLines(
  file: string,
  lines: readonly Line[],
  issues: InputIssue[] = [],
): ParsedBatch {
  const rows: ParsedExchange[] = [];
  for (const row of checkLines(file, lines, checkers.exchange, (i) => issues.push(i))) {
    const view = normaliseExchange(row.value, row.tsMs ?? 0);
    rows.push({ facts: exchangeFacts(view), signals: exchangeSignals(view) });
  }
  return { file, rows, issues };
}

/** Decodes a block of lines (readLineBlocks) and parses them: a line that is not UTF-8 is one of the issues. */
export function parseExchangeBlock(file: string, block: LineBlock): ParsedBatch {
  const issues: InputIssue[] = [];
  return parseExchangeLines(
    file,
    linesOfBlock(block, file, (i) => issues.push(i)),
    issues,
  );
}
