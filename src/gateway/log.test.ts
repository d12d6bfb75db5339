// The gateway's exchange log: what it records of each exchange (a streamed answer
// assembled into the body a plain call returns), in the contract's format, and the
// rotating JSON Lines files that `analyze` reads back.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkers, checkLines, type ExchangeRecord, type InputIssue } from "../contract/index.js";
import { analyze } from "../pipeline/index.js";
import { type Gateway, JsonlLog, keyDigest, startGateway, startMockUpstream } from "./index.js";
import type { MockUpstream } from "./mock-upstream.js";

const CLIENT_KEY = "dg-log-test-key";
const records: ExchangeRecord[] = [];
let upstream: MockUpstream;
let gateway: Gateway;

beforeAll(async () => {
  upstream = await startMockUpstream({ apiKey: "up" });
  gateway = await startGateway({
    upstreams: {
      anthropic: { url: upstream.url, apiKey: "up" },
      openai: { url: upstream.url, apiKey: "up" },
    },
    keys: [{ sha256: keyDigest(CLIENT_KEY), accountId: "acct_log", orgId: "org_log" }],
    onExchange: (r) => records.push(r),
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const valid = (r: ExchangeRecord): InputIssue[] => {
  const issues: InputIssue[] = [];
  checkLines("log", [{ line: 1, text: JSON.stringify(r) }], checkers.exchange, (i) => issues.push(i));
  return issues;
};

describe("exchange log", () => {
  it("records streamed and plain answers alike, in the contract's format, without the client's key", async () => {
    const a = new Anthropic({ apiKey: CLIENT_KEY, baseURL: gateway.url, maxRetries: 0 });
    const o = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ask = {
      model: "claude-opus-5",
      max_tokens: 100,
      messages: [{ role: "user" as const, content: "Name three rivers" }],
    };
    records.length = 0;
    await a.messages.create(ask);
    await a.messages.stream(ask).finalMessage();
    const tools = [
      {
        type: "function" as const,
        function: { name: "lookup", parameters: { type: "object", properties: {} } },
      },
    ];
    const chat = {
      model: "gpt-4.1-mini",
      tools,
      messages: [{ role: "user" as const, content: "Capital of Chile?" }],
    };
    await o.chat.completions.create(chat);
    const stream = await o.chat.completions.create({ ...chat, stream: true });
    for await (const _ of stream);
    await a.models.list(); // not an exchange
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(valid(r)).toEqual([]);
      expect(r.account_id).toBe("acct_log");
      expect(r.org_id).toBe("org_log");
      expect(r.status).toBe(200);
      expect(r.client?.ip).toBe("127.0.0.1");
      expect(JSON.stringify(r)).not.toContain(CLIENT_KEY);
      expect(JSON.stringify(r)).not.toContain('"up"');
    }
    const [plain, streamed, chatPlain, chatStreamed] = records as [
      ExchangeRecord,
      ExchangeRecord,
      ExchangeRecord,
      ExchangeRecord,
    ];
    expect(plain.api).toBe("anthropic.messages");
    expect((streamed.request as { stream?: boolean }).stream).toBe(true);
    // the streamed answer, assembled, is the plain one (ids aside)
    const body = (r: ExchangeRecord) => {
      const { id: _id, ...rest } = r.response as Record<string, unknown>;
      return rest;
    };
    expect(body(streamed)).toEqual(body(plain));
    expect(chatPlain.api).toBe("openai.chat");
    const call = (r: ExchangeRecord) =>
      (
        r.response as {
          choices: { message: { tool_calls: { function: { name: string; arguments: string } }[] } }[];
        }
      ).choices[0]?.message.tool_calls[0]?.function;
    expect(call(chatStreamed)).toEqual(call(chatPlain));
    expect(JSON.parse(call(chatStreamed)?.arguments ?? "")).toEqual({ query: "Capital of Chile?" });
  });

  it("writes rotating JSON Lines files that analyze reads back whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-gwlog-"));
    const log = new JsonlLog({ dir, maxFileBytes: 16 * 1024, flushMs: 5 });
    const sample = records[0] as ExchangeRecord;
    const n = 300;
    for (let i = 0; i < n; i++) {
      log.write({ ...sample, id: `gx_${i}`, ts: new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString() });
      // write out every 50 records, so that the files rotate between writes
      if (i % 50 === 0) await log.flush();
    }
    await log.close();
    expect(log.paths.length).toBeGreaterThan(1);
    expect(log.written).toBe(n);
    const ids = log.paths.flatMap((p) =>
      readFileSync(p, "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: string }).id),
    );
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => `gx_${i}`));
    const issues: InputIssue[] = [];
    const s = await analyze({
      inputs: { exchanges: log.paths[0] as string },
      out: join(dir, "out"),
      report: false,
      threads: 0,
      onIssue: (i) => issues.push(i),
    });
    expect(issues).toEqual([]);
    expect(s.exchanges).toBe(
      readFileSync(log.paths[0] as string, "utf8")
        .trimEnd()
        .split("\n").length,
    );
    expect(s.accounts).toBe(1);
  });
});
