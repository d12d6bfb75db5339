// Every answer that leaves the gateway is logged and scored: a stream the client hangs up
// on after the text, a stream the upstream cuts or lets stall past the time limit, an
// answer the upstream would compress; requests the log could not hold (not a JSON object,
// nested without bound) are refused in the API's shape before anything is forwarded; and
// a record that cannot be written is counted and reported, never dropped silently.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../_test-wait.js";
import { type ExchangeRecord, jsonDepth } from "../contract/index.js";
import { MAX_REQUEST_DEPTH } from "./handler.js";
import { type Gateway, keyDigest, type Scorer, startGateway } from "./index.js";

const KEY = "dg-log-test-key";

/** An upstream whose answer each test picks by the `x-test` header. */
let upstream: Server;
let upstreamUrl = "";
let forwarded = 0;
/** Requests the upstream saw with an Accept-Encoding field. */
const encodings: (string | undefined)[] = [];

function sse(res: ServerResponse, events: readonly Record<string, unknown>[]): void {
  for (const e of events) res.write(`event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`);
}

const OPENING = [
  {
    type: "message_start",
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "m",
      content: [],
      usage: { input_tokens: 12, output_tokens: 1 },
    },
  },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "The answer is " } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "42, because six sevens." } },
];

function answer(req: IncomingMessage, res: ServerResponse): void {
  forwarded++;
  encodings.push(req.headers["accept-encoding"] as string | undefined);
  const test = req.headers["x-test"];
  req.resume();
  req.on("end", () => {
    if (test === "hang-after-text" || test === "cut-after-text") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      sse(res, OPENING);
      // the rest never comes: the client hangs up, or the connection is cut
      if (test === "cut-after-text") setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (test === "stall-after-text") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      sse(res, OPENING);
      return; // nothing more, until the gateway's time limit
    }
    const body = Buffer.from(
      JSON.stringify({
        id: "msg_2",
        type: "message",
        role: "assistant",
        model: "m",
        content: [{ type: "text", text: "A compressed answer, read all the same." }],
        stop_reason: "end_turn",
        usage: { input_tokens: 10, output_tokens: 9 },
      }),
    );
    if (String(req.headers["accept-encoding"] ?? "").includes("gzip"))
      res
        .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        .end(gzipSync(body));
    else res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
}

const records: ExchangeRecord[] = [];
const scored: string[] = [];
const failures: string[] = [];
let failNextLog = false;
const scorer: Scorer = {
  observe: (r) => {
    scored.push(r.id);
  },
  standing: () => undefined,
  signupRisk: () => Promise.reject(new Error("not used")),
  checkpoint: () => Promise.resolve(0),
  link: () => Promise.resolve(0),
  decided: () => {},
  save: () => Promise.resolve(undefined),
  close: () => Promise.resolve(),
};
let gateway: Gateway;

beforeAll(async () => {
  upstream = createServer(answer);
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startGateway({
    upstreams: { anthropic: { url: upstreamUrl, apiKey: "sk-up" } },
    keys: [{ sha256: keyDigest(KEY), accountId: "acct_log" }],
    upstreamTimeoutMs: 400,
    // the test upstream's own control field, passed on by configuration like any extra field
    forwardHeaders: ["x-test"],
    adminKeys: [keyDigest("admin")],
    scorer,
    onExchange: (r) => {
      if (failNextLog) {
        failNextLog = false;
        throw new Error("disk full");
      }
      records.push(r);
    },
    onLogError: (e, id, stage) => failures.push(`${stage}:${id}:${e.message}`),
  });
});

afterAll(async () => {
  await gateway.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const message = {
  model: "m",
  max_tokens: 100,
  stream: true,
  messages: [{ role: "user", content: "6 x 7?" }],
};
const headers = (test: string, extra: Record<string, string> = {}): Record<string, string> => ({
  "content-type": "application/json",
  "x-api-key": KEY,
  "anthropic-version": "2023-06-01",
  "x-test": test,
  ...extra,
});

/** Waits (briefly) for the record of the exchange that was n-th to be logged. */
async function recordAt(n: number): Promise<ExchangeRecord> {
  await waitFor(() => records.length > n, `record ${n}`).catch(() => undefined);
  const r = records[n];
  if (!r) throw new Error(`no record ${n} (have ${records.length})`);
  return r;
}

const textOf = (r: ExchangeRecord): string =>
  JSON.stringify((r.response as { content?: unknown } | null | undefined)?.content ?? null);

describe("every answer that left is recorded", () => {
  it("logs and scores a stream the client hangs up on after reading the text, marked client_aborted", async () => {
    const n = records.length;
    const abort = new AbortController();
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: headers("hang-after-text"),
      body: JSON.stringify(message),
      signal: abort.signal,
    });
    const reader = res.body?.getReader();
    let got = "";
    while (!got.includes("six sevens")) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      got += Buffer.from(chunk.value).toString("utf8");
    }
    expect(got).toContain("six sevens");
    abort.abort();
    const r = await recordAt(n);
    expect(r.truncated).toBe("client_aborted");
    expect(r.status).toBe(200);
    expect(textOf(r)).toContain("The answer is 42, because six sevens.");
    expect(scored).toContain(r.id);
  });

  it("logs a stream the upstream cuts (upstream_cut) and one that stalls past the limit (timeout)", async () => {
    const n = records.length;
    const cut = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: headers("cut-after-text"),
      body: JSON.stringify(message),
    });
    await expect(cut.text()).rejects.toThrow();
    const r1 = await recordAt(n);
    expect(r1.truncated).toBe("upstream_cut");
    expect(textOf(r1)).toContain("six sevens");
    const stall = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: headers("stall-after-text"),
      body: JSON.stringify(message),
    });
    await expect(stall.text()).rejects.toThrow();
    const r2 = await recordAt(n + 1);
    expect(r2.truncated).toBe("timeout");
    expect(textOf(r2)).toContain("six sevens");
    expect(scored).toEqual(expect.arrayContaining([r1.id, r2.id]));
  });

  it("asks the upstream for an uncompressed answer when it records it, so the log has the body", async () => {
    const n = records.length;
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: headers("json", { "accept-encoding": "gzip" }),
      body: JSON.stringify({ ...message, stream: false }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: "message" });
    expect(encodings.at(-1)).toBeUndefined();
    const r = await recordAt(n);
    expect(r.truncated).toBeUndefined();
    expect(textOf(r)).toContain("A compressed answer");
    expect(scored).toContain(r.id);
  });
});

describe("requests the log could not hold are refused before anything is forwarded", () => {
  const send = (body: string | Buffer, contentType = "application/json"): Promise<Response> =>
    fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { ...headers("json"), "content-type": contentType },
      body,
    });

  it("refuses a body that is not a JSON object (a byte-order mark first, another content type) in the API's shape", async () => {
    const before = forwarded;
    const bom = await send(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(message))]),
    );
    expect(bom.status).toBe(400);
    expect(await bom.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const form = await send("model=m&prompt=hi", "application/x-www-form-urlencoded");
    expect(form.status).toBe(400);
    const list = await send("[1, 2, 3]");
    expect(list.status).toBe(400);
    expect(forwarded).toBe(before);
  });

  it("refuses a request nested deeper than the limit, which the log could not serialise", async () => {
    const before = forwarded;
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const res = await send(`{"model":"m","max_tokens":5,"messages":[],"metadata":{"x":${deep}}}`);
    expect(res.status).toBe(400);
    expect((await res.json()) as unknown).toMatchObject({ error: { type: "invalid_request_error" } });
    expect(forwarded).toBe(before);
    // the bound itself, on both sides of it
    const nest = (levels: number): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = [v];
      return v;
    };
    const deeper = (levels: number): boolean =>
      jsonDepth(JSON.stringify(nest(levels)), MAX_REQUEST_DEPTH) > MAX_REQUEST_DEPTH;
    expect(deeper(MAX_REQUEST_DEPTH)).toBe(false);
    expect(deeper(MAX_REQUEST_DEPTH + 1)).toBe(true);
  });
});

describe("a record that cannot be written", () => {
  it("is counted in /metrics and reported, and the scorer still sees the exchange", async () => {
    failNextLog = true;
    const before = scored.length;
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: headers("json"),
      body: JSON.stringify({ ...message, stream: false }),
    });
    expect(res.status).toBe(200);
    await res.json();
    await waitFor(() => failures.length > 0, "the log's failure report");
    expect(failures.at(-1)).toMatch(/^log:gx_.*disk full$/);
    expect(scored.length).toBe(before + 1);
    const metrics = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: "Bearer admin" } })
    ).text();
    expect(metrics).toMatch(/distillguard_gateway_log_failures_total\{stage="log"\} 1/);
    expect(metrics).toMatch(/distillguard_gateway_client_aborts_total\{route="[^"]+"\} 1/);
  });
});
