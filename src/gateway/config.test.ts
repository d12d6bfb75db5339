import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { queryStore } from "../store/index.js";
import { checkGatewayConfig } from "./config.js";
import { GatewayConfigError, keyDigest, loadGatewayConfig, startMockUpstream } from "./index.js";

const BIN = new URL("../../bin/distillguard.js", import.meta.url).pathname;
const BUILT = existsSync(new URL("../../dist/cli/main.js", import.meta.url));

const good = {
  listen: { port: 9090 },
  upstreams: { anthropic: { url: "https://api.anthropic.com", api_key_env: "UP_KEY" } },
  keys: [{ sha256: keyDigest("k1").toUpperCase(), account_id: "a1", org_id: "o1" }],
};

describe("gateway configuration", () => {
  it("reads a valid file, taking the upstream key from the environment", () => {
    const c = checkGatewayConfig("gw.json", good, { UP_KEY: "sk-1" });
    expect(c.port).toBe(9090);
    expect(c.host).toBe("127.0.0.1");
    expect(c.gateway.upstreams.anthropic).toEqual({ url: "https://api.anthropic.com", apiKey: "sk-1" });
    expect(c.gateway.keys).toEqual([{ sha256: keyDigest("k1"), accountId: "a1", orgId: "o1" }]);
  });

  it("names the file and the field of each mistake", () => {
    const bad = (raw: unknown, env: NodeJS.ProcessEnv = { UP_KEY: "x" }): string => {
      try {
        checkGatewayConfig("gw.json", raw, env);
      } catch (err) {
        expect(err).toBeInstanceOf(GatewayConfigError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(bad({ ...good, keys: [{ sha256: "abc", account_id: "a" }] })).toMatch(
      /^gw\.json: \/keys\/0\/sha256/,
    );
    expect(bad({ ...good, listen: { port: 70000 } })).toMatch(/\/listen\/port/);
    expect(bad({ ...good, extra: 1 })).toMatch(/gw\.json/);
    expect(bad(good, {})).toBe("gw.json: /upstreams/anthropic: environment variable UP_KEY is not set");
    expect(bad({ ...good, upstreams: {} })).toMatch(/at least one upstream/);
    expect(bad({ ...good, upstreams: { openai: { url: "ftp://x", api_key_env: "UP_KEY" } } })).toMatch(
      /\/upstreams\/openai\/url/,
    );
  });

  it("reports an unreadable or non-JSON file in one line", () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-gwc-"));
    writeFileSync(join(dir, "bad.json"), "{ not json");
    expect(() => loadGatewayConfig(join(dir, "bad.json"), {})).toThrow(/bad\.json: not JSON/);
    expect(() => loadGatewayConfig(join(dir, "missing.json"), {})).toThrow(
      /missing\.json: cannot read \(ENOENT\)/,
    );
  });
});

describe.skipIf(!BUILT)("distillguard gateway --demo (needs dist/: npm run build)", () => {
  it("prints base_url, api_key and upstream_url that the official SDKs use as they are, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "gateway", "--demo"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const fields = await new Promise<Record<string, string>>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += String(d);
        const m = Object.fromEntries(
          out
            .split("\n")
            .map((l) => l.split(": "))
            .filter((p) => p.length === 2),
        );
        if (m.base_url && m.api_key && m.upstream_url) resolve(m);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    expect(fields.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const admin = (fields.admin_key ?? "").split(" ")[0];
    const metrics = await fetch(`${fields.base_url}/metrics`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(metrics.status).toBe(200);
    expect(fields.upstream_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const a = new Anthropic({ apiKey: fields.api_key, baseURL: fields.base_url, maxRetries: 0 });
    const msg = await a.messages.create({
      model: "claude-opus-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "hello demo" }],
    });
    expect(msg.content[0]?.type).toBe("text");
    const o = new OpenAI({ apiKey: fields.api_key, baseURL: `${fields.base_url}/v1`, maxRetries: 0 });
    const r = await o.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(r.choices[0]?.message.content).toContain("hi");
    // the demo key works only at the gateway, not at the upstream
    await expect(
      new OpenAI({
        apiKey: fields.api_key,
        baseURL: `${fields.upstream_url}/v1`,
        maxRetries: 0,
      }).models.list(),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", resolve);
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
  });
});

describe.skipIf(!BUILT)("distillguard gateway --config (needs dist/: npm run build)", () => {
  it("runs from a config file with its policy (dry run), exchange log, store and structured logs free of secrets", async () => {
    const upstream = await startMockUpstream({ apiKey: "sk-up-secret" });
    const dir = mkdtempSync(join(tmpdir(), "dg-gwcli-"));
    writeFileSync(
      join(dir, "gw.json"),
      JSON.stringify({
        listen: { port: 0 },
        upstreams: { openai: { url: upstream.url, api_key_env: "DG_TEST_UP" } },
        keys: [{ sha256: keyDigest("client-secret"), account_id: "acct_cli" }],
        log: { dir: join(dir, "log") },
        policy: join(dir, "policy.json"),
        store: { path: join(dir, "gw.duckdb") },
      }),
    );
    writeFileSync(
      join(dir, "policy.json"),
      JSON.stringify({ rules: [{ name: "everyone", when: {}, action: "block" }] }),
    );
    const child = spawn(process.execPath, [BIN, "gateway", "--config", join(dir, "gw.json"), "--dry-run"], {
      env: { ...process.env, DG_TEST_UP: "sk-up-secret" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on("data", (d) => {
          err += String(d);
          const m = err.match(/"url":"([^"]+)"/);
          if (m?.[1]) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      const o = new OpenAI({ apiKey: "client-secret", baseURL: `${url}/v1`, maxRetries: 0 });
      const r = await o.chat.completions.create({
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.choices[0]?.message.content).toContain("hi");
    } finally {
      await new Promise<void>((resolve) => {
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      });
      await upstream.close();
    }
    const lines = err
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === "decision")).toMatchObject({
      account_id: "acct_cli",
      action: "block",
      acted: false,
    });
    expect(lines.at(-1)?.msg).toBe("gateway stopped");
    expect(err).not.toContain("client-secret");
    expect(err).not.toContain("sk-up-secret");
    const logged = readdirSync(join(dir, "log"));
    expect(logged).toHaveLength(1);
    const rec = JSON.parse(readFileSync(join(dir, "log", logged[0] as string), "utf8").trim());
    expect(rec).toMatchObject({ account_id: "acct_cli", api: "openai.chat", status: 200 });
    // the scorer (on its worker thread) saved the exchange and the account's verdict at exit
    expect(lines.find((l) => l.msg === "gateway listening")).toMatchObject({ scoring: "thread" });
    const stored = await queryStore(
      join(dir, "gw.duckdb"),
      "select (select count(*) from exchanges) n, (select list(account_id) from accounts) a",
    );
    expect(Number(stored.rows[0]?.n)).toBe(1);
    expect(stored.rows[0]?.a).toEqual(["acct_cli"]);
  });
});
