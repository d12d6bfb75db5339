import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { exchangeLine, readAll, tempFile } from "./_test-helpers.js";
import type { InputIssue } from "./issues.js";
import { linesOfBlock, readLineBatches, readLineBlocks } from "./lines.js";
import { checkers } from "./read.js";

async function lines(path: string, maxLineBytes?: number, stdin?: NodeJS.ReadableStream) {
  const issues: InputIssue[] = [];
  const out: { line: number; text: string }[] = [];
  for await (const batch of readLineBatches(path, {
    onIssue: (i) => issues.push(i),
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
    ...(stdin === undefined ? {} : { stdin }),
  }))
    out.push(...batch);
  return { out, issues };
}

describe("readLineBatches", () => {
  it("numbers lines from 1, skips empty lines and strips CRLF", async () => {
    const { out } = await lines(tempFile("a.jsonl", 'a\r\n\nb\n{"c":1}'));
    expect(out).toEqual([
      { line: 1, text: "a" },
      { line: 3, text: "b" },
      { line: 4, text: '{"c":1}' },
    ]);
  });

  it("reads gzip by its magic bytes whatever the name", async () => {
    const { out } = await lines(tempFile("plain-name.jsonl", "x\ny\n", true));
    expect(out.map((l) => l.text)).toEqual(["x", "y"]);
  });

  it("reads stdin when the source is -", async () => {
    const s = new PassThrough();
    s.end("one\ntwo\n");
    const { out } = await lines("-", undefined, s);
    expect(out.map((l) => l.text)).toEqual(["one", "two"]);
  });

  it("skips an over-long line without losing its neighbours", async () => {
    const long = "z".repeat(5000);
    const { out, issues } = await lines(tempFile("a.jsonl", `first\n${long}\nlast\n${long}`), 1000);
    expect(out).toEqual([
      { line: 1, text: "first" },
      { line: 3, text: "last" },
    ]);
    expect(issues.map((i) => [i.line, i.code])).toEqual([
      [2, "E_LINE_TOO_LONG"],
      [4, "E_LINE_TOO_LONG"],
    ]);
  });

  it("reports invalid UTF-8 by line and keeps a real U+FFFD", async () => {
    const buf = Buffer.concat([
      Buffer.from("ok\n"),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from("\uFFFD\n"),
    ]);
    const { out, issues } = await lines(tempFile("a.jsonl", buf));
    expect(out.map((l) => l.line)).toEqual([1, 3]);
    expect(issues).toMatchObject([{ line: 2, code: "E_ENCODING" }]);
  });

  it("reports a truncated gzip stream and keeps the lines before it", async () => {
    const body = Array.from({ length: 2000 }, (_, i) => `line-${i}-${"q".repeat(50)}`).join("\n");
    const gz = gzipSync(body);
    const { out, issues } = await lines(tempFile("t.jsonl.gz", gz.subarray(0, Math.floor(gz.length * 0.6))));
    expect(out.length).toBeGreaterThan(100);
    expect(out.length).toBeLessThan(2000);
    expect(out[0]?.text.startsWith("line-0-")).toBe(true);
    expect(issues).toMatchObject([{ code: "E_TRUNCATED" }]);
    // reported where the stream broke off: after its last complete line, not at "line 0"
    const complete = out.filter((l) => /^line-\d+-q{50}$/.test(l.text)).length;
    expect(issues[0]?.line).toBe(complete + 1);
    expect(issues[0]?.reason).toContain(`after line ${complete}, the last complete line`);
  });

  it("joins a line split across many chunks", async () => {
    const big = "w".repeat(3 * (1 << 20));
    const { out } = await lines(tempFile("a.jsonl", `${big}\nend\n`));
    expect(out.map((l) => l.text.length)).toEqual([big.length, 3]);
  });
});

describe("readLineBlocks", () => {
  it("yields whole lines in blocks of their own memory, numbered without gaps across chunks", async () => {
    // lines of varied length so that chunk ends (1 MiB) fall inside lines
    const body = Array.from({ length: 3000 }, (_, i) => `${i}:${"x".repeat((i * 7919) % 1500)}`).join("\n");
    const blocks = [];
    for await (const b of readLineBlocks(tempFile("b.jsonl", body), { onIssue: () => {} })) blocks.push(b);
    expect(blocks.length).toBeGreaterThan(2);
    let next = 1;
    const texts: string[] = [];
    for (const b of blocks) {
      // transferable: the block is the whole of its buffer, not a view into a shared pool
      expect(b.bytes.byteOffset).toBe(0);
      expect(b.bytes.byteLength).toBe(b.bytes.buffer.byteLength);
      expect(b.firstLine).toBe(next);
      const lines = linesOfBlock(b, "b.jsonl", () => {});
      for (const l of lines) expect(l.text.startsWith(`${l.line - 1}:`)).toBe(true);
      texts.push(...lines.map((l) => l.text));
      next = (lines.at(-1)?.line ?? next) + 1;
    }
    expect(texts.join("\n")).toBe(body);
  });
});

describe("readRecords(exchange)", () => {
  it("keeps good lines around bad ones and reports each bad line with its number", async () => {
    const content = [
      exchangeLine({ id: "a" }),
      "{not json",
      "[1,2]",
      exchangeLine({ id: "b", ts: "yesterday" }),
      JSON.stringify({ id: "c", ts: "2026-02-01T10:00:00Z", request: {} }),
      exchangeLine({ id: "d", status: "ok", client: { asn: "x", ip: "1.2.3.4" } }),
      exchangeLine({ id: "e", request: "hello" }),
      exchangeLine({ id: "f" }),
    ].join("\n");
    const { rows, issues } = await readAll(tempFile("ex.jsonl", content), checkers.exchange);
    expect(rows.map((r) => r.value.id)).toEqual(["a", "d", "f"]);
    expect(issues.filter((i) => i.skipped).map((i) => [i.line, i.code])).toEqual([
      [2, "E_JSON"],
      [3, "E_NOT_OBJECT"],
      [4, "E_BAD_FIELD"],
      [5, "E_MISSING_FIELD"],
      [7, "E_BAD_FIELD"],
    ]);
    const warnings = issues.filter((i) => !i.skipped);
    expect(warnings.map((i) => i.reason)).toEqual([
      '"status" should be an integer, got the string "ok"',
      '"client.asn" should be an integer, got the string "x"',
    ]);
    const d = rows[1]?.value;
    expect(d?.status).toBeUndefined();
    expect(d?.client?.ip).toBe("1.2.3.4");
  });

  it("keeps unknown fields", async () => {
    const { rows } = await readAll(
      tempFile("ex.jsonl", exchangeLine({ extra: { deep: 1 } })),
      checkers.exchange,
    );
    expect((rows[0]?.value as Record<string, unknown> | undefined)?.extra).toEqual({ deep: 1 });
  });
});
