import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureIo } from "./_test-io.js";
import { main } from "./index.js";

const io = captureIo;

const line = (id: string, account: string, minute: number, prompt: string) =>
  JSON.stringify({
    id,
    ts: new Date(Date.UTC(2026, 1, 2, 10, minute)).toISOString(),
    account_id: account,
    request: { model: "m", max_tokens: 100, messages: [{ role: "user", content: prompt }] },
    response: {
      type: "message",
      content: [{ type: "text", text: "ok" }],
      usage: { input_tokens: 5, output_tokens: 2 },
    },
  });

describe("distillguard CLI", () => {
  it("prints usage and exits 2 for an unknown command, without a stack", async () => {
    const t = io();
    expect(await main(["frobnicate"], t.io)).toBe(2);
    expect(t.text().stderr).toContain('unknown command "frobnicate"');
    expect(t.text().stderr).not.toContain("    at ");
  });

  it("exits 2 with one clear line for a missing input", async () => {
    const t = io();
    const out = mkdtempSync(join(tmpdir(), "dg-cli-"));
    expect(await main(["analyze", "/nonexistent/x.jsonl", "--out", out], t.io)).toBe(2);
    expect(t.text().stderr.trim()).toBe("distillguard: exchanges: no such file: /nonexistent/x.jsonl");
  });

  it("exits 2 for a folder without a log and for bad option values", async () => {
    const t = io();
    const empty = mkdtempSync(join(tmpdir(), "dg-cli-"));
    expect(await main(["analyze", empty, "--out", join(empty, "o")], t.io)).toBe(2);
    expect(await main(["simulate", "--out", empty, "--scale", "0"], t.io)).toBe(2);
    expect(await main(["simulate", "--out", empty, "--nope"], t.io)).toBe(2);
    expect(await main(["simulate", "--out", empty, "--adaptive", "7"], t.io)).toBe(2);
    expect(t.text().stderr).toContain("--adaptive must be a level from 0 to 6");
    expect(t.text().stderr).toContain("no exchanges files in this folder");
    expect(t.text().stderr).toContain("--scale must be");
    expect(t.text().stderr).toContain("unknown option --nope (see --help)");
  });

  it("analyses a file with bad lines, reporting each by file and line number, and loses nothing else", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-cli-"));
    const file = join(dir, "exchanges.jsonl");
    writeFileSync(
      file,
      [
        line("x1", "a", 0, "hello"),
        "{broken",
        line("x2", "a", 1, "again"),
        '{"id":"x3"}',
        line("x4", "b", 2, "hi"),
      ].join("\n"),
    );
    const t = io();
    const out = join(dir, "out");
    expect(await main(["analyze", file, "--out", out], t.io)).toBe(0);
    const { stderr } = t.text();
    expect(stderr).toContain(`${file}:2: not valid JSON`);
    expect(stderr).toContain(`${file}:4: missing required field`);
    expect(stderr).toContain("skipped 2 bad line(s)");
    const verdicts = readFileSync(join(out, "accounts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(verdicts.map((v: { account_id: string }) => v.account_id).sort()).toEqual(["a", "b"]);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<!doctype html>");
    expect(JSON.parse(readFileSync(join(out, "campaigns.json"), "utf8"))).toHaveProperty("campaigns");
  });

  it("states the risk threshold it flagged at in the report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-cli-"));
    const file = join(dir, "exchanges.jsonl");
    writeFileSync(file, `${line("x1", "a", 0, "hello")}\n`);
    const out = join(dir, "out");
    expect(await main(["analyze", file, "--out", out, "--threshold", "0.8", "--quiet"], io().io)).toBe(0);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("flagged at risk ≥ 0.8,");
  });

  it("checks that docs/schema matches the code", async () => {
    const t = io();
    expect(
      await main(["schema", "--check", new URL("../../docs/schema", import.meta.url).pathname], t.io),
    ).toBe(0);
    const stale = mkdtempSync(join(tmpdir(), "dg-schema-"));
    writeFileSync(join(stale, "exchange.schema.json"), "{}");
    expect(await main(["schema", "--check", stale], t.io)).toBe(1);
    expect(t.text().stderr).toContain("schemas out of date");
  });

  it("answers --help for every command", async () => {
    for (const cmd of ["simulate", "analyze", "eval", "schema", "query"]) {
      const t = io();
      expect(await main([cmd, "--help"], t.io)).toBe(0);
      expect(t.text().stdout).toContain(`distillguard ${cmd}`);
    }
    const t = io();
    await main(["simulate", "--help"], t.io);
    // the tactic ranges are documented
    expect(t.text().stdout).toContain("hydra.pivot_share");
  });
});
