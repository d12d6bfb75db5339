// A user's mistakes, each answered with one line naming the problem and the fix, and exit 2,
// never a stack trace (issue 19). Runs the built command (bin/distillguard.js on dist/, as
// `npm test` builds it) as a user would.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareStore } from "../store/index.js";

const BIN = fileURLToPath(new URL("../../bin/distillguard.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dg-mistakes-"));
const log = join(dir, "log");
const jsonl = join(log, "exchanges.jsonl");
const store = join(dir, "store.duckdb");
let busy: Server;
let port = 0;

beforeAll(async () => {
  mkdirSync(log);
  writeFileSync(
    jsonl,
    `${JSON.stringify({ id: "x1", ts: "2026-02-01T00:00:00Z", account_id: "a", request: { model: "m", messages: [{ role: "user", content: "hi" }] } })}\n`,
  );
  mkdirSync(join(dir, "a-folder.duckdb"));
  await prepareStore(store);
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  port = (busy.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => busy.close(() => r()));
});

/** Runs the built command with extra environment variables; its exit code and output. */
function cli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 60_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const out = (name: string): string => join(dir, `out-${name}`);
/** [what the user did, the arguments (a function: the busy port is known only once the test runs), what the line must say] */
const CASES: readonly [string, () => string[], RegExp][] = [
  [
    "a negative scale",
    () => ["simulate", "--out", out("s"), "--scale", "-1"],
    /--scale must be a number in \(0, 1000\], got "-1"/,
  ],
  [
    "a negative threshold",
    () => ["analyze", log, "--out", out("t"), "--threshold", "-1"],
    /--threshold must be a number in \(0, 1\), got "-1"/,
  ],
  [
    "negative threads",
    () => ["analyze", log, "--out", out("t"), "--threads", "-3"],
    /--threads must be an integer from 0 to 64, got "-3"/,
  ],
  [
    "an unknown option",
    () => ["analyze", log, "--nope"],
    /^distillguard: unknown option --nope \(see --help\)$/,
  ],
  ["an option without its value", () => ["analyze", log, "--out"], /--out needs a value \(see --help\)/],
  [
    "an output under a file",
    () => ["analyze", log, "--out", join(jsonl, "verdicts")],
    /--out: .*: a part of the path is a file, not a folder/,
  ],
  [
    "a log file given as the store",
    () => ["analyze", log, "--out", out("d"), "--db", jsonl],
    /exchanges\.jsonl: not a DuckDB store/,
  ],
  [
    "a store in a missing folder",
    () => ["analyze", log, "--out", out("d"), "--db", join(dir, "no", "x.duckdb")],
    /cannot open the store: .*its folder does not exist/,
  ],
  [
    "a folder given as the store",
    () => ["analyze", log, "--out", out("d"), "--db", join(dir, "a-folder.duckdb")],
    /a-folder\.duckdb is a directory|is a folder/,
  ],
  ["query on a log file", () => ["query", "--db", jsonl, "select 1"], /not a DuckDB store/],
  [
    "query on no store",
    () => ["query", "--db", join(dir, "none.duckdb"), "select 1"],
    /no store there \(make one with: npx distillguard analyze/,
  ],
  ["the dashboard on a log file", () => ["serve", "--db", jsonl], /not a DuckDB store/],
  [
    "the dashboard on a port in use",
    () => ["serve", "--db", store, "--port", String(port)],
    /cannot listen on 127\.0\.0\.1:\d+: the port is in use .*--port/,
  ],
  [
    "the gateway demo on a port in use",
    () => ["gateway", "--demo", "--port", String(port)],
    /the port is in use/,
  ],
  [
    "the mock upstream on a port in use",
    () => ["mock-upstream", "--port", String(port)],
    /the port is in use/,
  ],
];

describe("a user's mistakes", () => {
  it.each(CASES)("%s: one line and exit 2", async (_what, args, said) => {
    const r = await cli(args());
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^distillguard: /);
    expect(lines[0]).toMatch(said);
  });
});

describe("an empty input", () => {
  it("is said, with exit 2, not passed over", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "exchanges.jsonl"), "");
    const r = await cli(["analyze", empty, "--out", out("empty")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(
      /^distillguard: no exchanges read from .*exchanges\.jsonl: the input is empty, or every line was bad/,
    );
  });
});

describe("keys", () => {
  it("gateway --new-key prints a fresh key and the hash the config takes", async () => {
    const t = await cli(["gateway", "--new-key"]);
    expect(t.code).toBe(0);
    const m = /^key: (dg-[\w-]{43})\nsha256: ([0-9a-f]{64})\n$/.exec(t.stdout);
    expect(m).not.toBeNull();
    const { keyDigest } = await import("../gateway/index.js");
    expect(keyDigest(m?.[1] ?? "")).toBe(m?.[2]);
  });

  it("says an intel key is too short rather than not set", async () => {
    const r = await cli(["intel", "export", "--db", store, "--out", join(dir, "b.json")], {
      DISTILLGUARD_INTEL_KEY: "short-key",
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "distillguard: the partners' hashing key in DISTILLGUARD_INTEL_KEY is too short: 9 characters, at least 16",
    );
  });
});
