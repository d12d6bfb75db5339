// Publishes an existing traffic log to the stream: model releases first, then account
// records, then exchanges in time order (through the same reorder buffer as the embedded
// analysis, so each partition sees its accounts' traffic in the order the embedded
// analysis would). Lines are published as read; a line that fails the contract's checks
// is reported (file, line, reason) and not published.
import {
  type AccountRecord,
  checkers,
  checkLines,
  type EventRecord,
  type IssueSink,
  readLineBatches,
  readRecords,
} from "../contract/index.js";
import { type AnalyzeInputs, inTimeOrder, REORDER_MS, ReorderBuffer } from "../pipeline/index.js";
import type { Bus } from "./bus.js";
import { Publisher } from "./bus.js";

/** A log's files, as the embedded analysis takes them. */
export type PublishInputs = AnalyzeInputs;

export interface PublishSummary {
  readonly exchanges: number;
  readonly accounts: number;
  readonly events: number;
  /** messages the stream already held (same id within its duplicate window) */
  readonly duplicates: number;
  readonly skipped: number;
}

export async function publishLog(
  bus: Bus,
  inputs: PublishInputs,
  opts: {
    readonly onIssue?: IssueSink;
    readonly onProgress?: (bytes: number, exchanges: number) => void;
  } = {},
): Promise<PublishSummary> {
  let skipped = 0;
  const onIssue: IssueSink = (i) => {
    if (i.skipped) skipped++;
    opts.onIssue?.(i);
  };
  const pub = new Publisher(bus);
  let events = 0;
  let accounts = 0;
  let exchanges = 0;
  if (inputs.events)
    for await (const { value } of readRecords<EventRecord>(inputs.events, checkers.event, { onIssue })) {
      await pub.event(
        `${value.type}|${String(value.model ?? "")}|${String(value.ts)}`,
        JSON.stringify(value),
      );
      events++;
    }
  if (inputs.accounts)
    for await (const { value } of readRecords<AccountRecord>(inputs.accounts, checkers.account, {
      onIssue,
    })) {
      await pub.account(value.account_id, JSON.stringify(value));
      accounts++;
    }
  const reorder = new ReorderBuffer<{ account: string; id: string; text: string }>(REORDER_MS);
  const ready: { account: string; id: string; text: string }[] = [];
  const send = async (): Promise<void> => {
    for (const r of ready) {
      await pub.exchange(r.account, r.id, r.text);
      exchanges++;
    }
    ready.length = 0;
  };
  let bytes = 0;
  const given = typeof inputs.exchanges === "string" ? [inputs.exchanges] : inputs.exchanges;
  for (const file of given.length > 1 ? await inTimeOrder(given) : given) {
    const name = file === "-" ? "<stdin>" : file;
    for await (const lines of readLineBatches(file, {
      onIssue,
      onBytes: (n) => {
        bytes += n;
      },
    })) {
      const texts = new Map(lines.map((l) => [l.line, l.text]));
      for (const row of checkLines(name, lines, checkers.exchange, onIssue))
        reorder.push(
          row.tsMs ?? 0,
          { account: row.value.account_id, id: row.value.id, text: texts.get(row.line) ?? "" },
          ready,
        );
      await send();
      opts.onProgress?.(bytes, exchanges);
    }
  }
  reorder.drain(ready);
  await send();
  await pub.flush();
  return { exchanges, accounts, events, duplicates: pub.duplicates, skipped };
}
