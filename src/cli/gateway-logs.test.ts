// The gateway's own logs analysed as they are (issue 19): requests through the gateway,
// written to rotated files, read back by `analyze` given the folder, the files in any
// order, or a pattern, in time order across files; with --append, files the store already
// holds are recognised and not read twice.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, JsonlLog, keyDigest, startGateway, startMockUpstream } from "../gateway/index.js";
import type { MockUpstream } from "../gateway/mock-upstream.js";
import { analyze } from "../pipeline/index.js";
import { captureIo } from "./_test-io.js";
import { main } from "./index.js";

const KEYS = ["dg-logs-key-alpha-0001", "dg-logs-key-bravo-0002"];
const ASKED = 24;
let upstream: MockUpstream;
let gateway: Gateway;
let log: JsonlLog;
const dir = mkdtempSync(join(tmpdir(), "dg-gwlogs-"));
const logs = join(dir, "logs");

beforeAll(async () => {
  upstream = await startMockUpstream({ apiKey: "up" });
  // small files, so that a few requests make several
  log = new JsonlLog({ dir: logs, maxFileBytes: 2 * 1024, flushMs: 1 });
  gateway = await startGateway({
    upstreams: { anthropic: { url: upstream.url, apiKey: "up" } },
    keys: KEYS.map((k, i) => ({ sha256: keyDigest(k), accountId: `acct_${i}` })),
    onExchange: (r) => log.write(r),
  });
  for (let i = 0; i < ASKED; i++) {
    const client = new Anthropic({ apiKey: KEYS[i % 2], baseURL: gateway.url, maxRetries: 0 });
    await client.messages.create({
      model: "claude-opus-5",
      max_tokens: 50,
      messages: [{ role: "user", content: `Question ${i}: name a river in country number ${i}.` }],
    });
    // write the log out, so that files rotate between requests
    await log.flush();
  }
  await gateway.close();
  await log.close();
});

afterAll(async () => {
  await upstream.close();
});

const run = async (...args: string[]): Promise<{ code: number; stderr: string }> => {
  const t = captureIo();
  const code = await main(args, t.io);
  return { code, stderr: t.text().stderr };
};
const verdicts = (out: string): string[] =>
  readFileSync(join(out, "accounts.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => (JSON.parse(l) as { account_id: string }).account_id)
    .sort();

describe("analyzing the gateway's own logs", () => {
  it("reads a folder of rotated files as one log and says how many files it read", async () => {
    const files = readdirSync(logs).filter((f) => f.startsWith("exchanges-"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const out = join(dir, "folder");
    const r = await run("analyze", logs, "--out", out, "--threads", "0");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${ASKED} exchanges from ${files.length} files`));
    expect(verdicts(out)).toEqual(["acct_0", "acct_1"]);
  });

  it("reads files given in any order, and patterns, in time order across files", async () => {
    const files = readdirSync(logs)
      .filter((f) => f.startsWith("exchanges-"))
      .sort()
      .map((f) => join(logs, f));
    const s = await analyze({
      inputs: { exchanges: [...files].reverse() },
      out: join(dir, "reversed"),
      report: false,
      threads: 0,
    });
    expect(s.inputs).toEqual(files);
    expect(s.exchanges).toBe(ASKED);
    expect(s.outOfOrder).toBe(0);
    // a pattern the shell did not expand
    const r = await run(
      "analyze",
      join(logs, "exchanges-*.jsonl"),
      "--out",
      join(dir, "pattern"),
      "--threads",
      "0",
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${ASKED} exchanges from ${files.length} files`));
    const none = await run("analyze", join(logs, "nothing-*.jsonl"), "--out", join(dir, "none"));
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split("\n")).toEqual([
      `distillguard: ${join(logs, "nothing-*.jsonl")}: no file matches`,
    ]);
  });

  it("with --append, reads only the files the store does not hold", async () => {
    const files = readdirSync(logs)
      .filter((f) => f.startsWith("exchanges-"))
      .sort()
      .map((f) => join(logs, f));
    const db = join(dir, "store.duckdb");
    const first = await run(
      "analyze",
      ...files.slice(0, 2),
      "--out",
      join(dir, "day1"),
      "--db",
      db,
      "--threads",
      "0",
    );
    expect(first.code).toBe(0);
    const later = await run(
      "analyze",
      logs,
      "--out",
      join(dir, "day2"),
      "--db",
      db,
      "--append",
      "--threads",
      "0",
    );
    expect(later.code).toBe(0);
    expect(later.stderr.match(/is already in .*; not read again/g)?.length).toBe(2);
    expect(later.stderr).toMatch(new RegExp(`from ${files.length - 2} files \\(${ASKED} in the store\\)`));
  });
});
