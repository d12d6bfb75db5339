import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { InputIssue } from "./issues.js";
import { type Checker, type Row, readRecords } from "./read.js";

export function tempFile(name: string, content: string | Buffer, gzip = false): string {
  const dir = mkdtempSync(join(tmpdir(), "dg-test-"));
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(content) : content);
  return path;
}

export async function readAll<T>(path: string, check: Checker<T>, maxLineBytes?: number) {
  const issues: InputIssue[] = [];
  const rows: Row<T>[] = [];
  for await (const row of readRecords(path, check, {
    onIssue: (i) => issues.push(i),
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
  }))
    rows.push(row);
  return { rows, issues };
}

export function exchangeLine(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: "x1",
    ts: "2026-02-01T10:00:00Z",
    account_id: "a1",
    request: { model: "m", max_tokens: 100, messages: [{ role: "user", content: "hi" }] },
    ...over,
  });
}
