// The official SDKs, unchanged, through the gateway in front of the mock upstream:
// non-streaming, streaming and tool use in both APIs, the models list, and what the
// upstream sees (its own key, never the client's).
import { request as httpRequest } from "node:http";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../_test-wait.js";
import { clientAddress, clientHeaders, upstreamHeaders } from "./headers.js";
import { type Gateway, keyDigest, startGateway } from "./index.js";
import { MOCK_CONTROL_HEADERS, type MockUpstream, startMockUpstream } from "./mock-upstream.js";

const UPSTREAM_KEY = "sk-upstream-secret";
const CLIENT_KEY = "dg-test-client-key";

let upstream: MockUpstream;
let gateway: Gateway;

beforeAll(async () => {
  upstream = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  gateway = await startGateway({
    upstreams: {
      anthropic: { url: upstream.url, apiKey: UPSTREAM_KEY },
      openai: { url: `${upstream.url}/`, apiKey: UPSTREAM_KEY },
    },
    keys: [{ sha256: keyDigest(CLIENT_KEY), accountId: "acct_test", orgId: "org_test" }],
    adminKeys: [keyDigest("admin-secret")],
    forwardHeaders: MOCK_CONTROL_HEADERS,
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const anthropic = (key = CLIENT_KEY): Anthropic =>
  new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });
const openai = (key = CLIENT_KEY): OpenAI =>
  new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

describe("gateway with the official Anthropic SDK", () => {
  it("answers a message, and the upstream sees its own key, not the client's", async () => {
    const before = upstream.requests.length;
    const msg = await anthropic().messages.create({
      model: "claude-opus-5",
      max_tokens: 200,
      messages: [{ role: "user", content: "Explain the water cycle" }],
    });
    expect(msg.type).toBe("message");
    expect(msg.content[0]?.type).toBe("text");
    expect(msg.content[0]?.type === "text" && msg.content[0].text).toContain("Explain the water cycle");
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    const seen = upstream.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["x-api-key"]).toBe(UPSTREAM_KEY);
    expect(JSON.stringify(seen)).not.toContain(CLIENT_KEY);
    expect(seen[0]?.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("streams a message event by event, in order", async () => {
    const stream = anthropic().messages.stream({
      model: "claude-opus-5",
      max_tokens: 200,
      messages: [{ role: "user", content: "Write a haiku about rivers" }],
    });
    const events: string[] = [];
    stream.on("streamEvent", (e) => events.push(e.type));
    const final = await stream.finalMessage();
    expect(events[0]).toBe("message_start");
    expect(events.at(-1)).toBe("message_stop");
    expect(events.filter((e) => e === "content_block_delta").length).toBeGreaterThan(3);
    const text = final.content[0]?.type === "text" ? final.content[0].text : "";
    expect(text).toContain("Write a haiku about rivers");
    expect(final.stop_reason).toBe("end_turn");
  });

  it("passes tool use through, streaming and not", async () => {
    const tools = [
      {
        name: "get_weather",
        description: "weather",
        input_schema: { type: "object" as const, properties: {} },
      },
    ];
    const msg = await anthropic().messages.create({
      model: "claude-opus-5",
      max_tokens: 200,
      tools,
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
    expect(msg.stop_reason).toBe("tool_use");
    const use = msg.content.find((b) => b.type === "tool_use");
    expect(use?.type === "tool_use" && use.name).toBe("get_weather");
    const streamed = await anthropic()
      .messages.stream({
        model: "claude-opus-5",
        max_tokens: 200,
        tools,
        messages: [{ role: "user", content: "Weather in Paris?" }],
      })
      .finalMessage();
    const su = streamed.content.find((b) => b.type === "tool_use");
    expect(su?.type === "tool_use" && su.input).toEqual({ query: "Weather in Paris?" });
  });

  it("lists models, and refuses an unknown key with the API's authentication error", async () => {
    const page = await anthropic().models.list();
    expect(page.data.map((m) => m.id)).toContain("claude-opus-5");
    await expect(
      anthropic("wrong-key").messages.create({
        model: "claude-opus-5",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe("gateway with the official OpenAI SDK", () => {
  it("answers a chat completion with the upstream's key in Authorization", async () => {
    const before = upstream.requests.length;
    const r = await openai().chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is a prime number?" },
      ],
    });
    expect(r.choices[0]?.message.content).toContain("What is a prime number?");
    expect(r.usage?.total_tokens).toBeGreaterThan(0);
    const seen = upstream.requests.slice(before);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(seen)).not.toContain(CLIENT_KEY);
  });

  it("streams chunks in order, with usage when asked", async () => {
    const stream = await openai().chat.completions.create({
      model: "gpt-4.1-mini",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Count to five slowly" }],
    });
    let text = "";
    let chunks = 0;
    let finish: string | null | undefined;
    let usage: number | undefined;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta.content ?? "";
      finish ??= c.choices[0]?.finish_reason;
      if (c.usage) usage = c.usage.total_tokens;
    }
    expect(chunks).toBeGreaterThan(4);
    expect(text).toContain("Count to five slowly");
    expect(finish).toBe("stop");
    expect(usage).toBeGreaterThan(0);
  });

  it("passes tool calls through, streaming and not", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "lookup", parameters: { type: "object", properties: {} } },
      },
    ];
    const r = await openai().chat.completions.create({
      model: "gpt-4.1-mini",
      tools,
      messages: [{ role: "user", content: "Find the capital of Peru" }],
    });
    expect(r.choices[0]?.finish_reason).toBe("tool_calls");
    const call = r.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && call.function.name).toBe("lookup");
    const stream = await openai().chat.completions.create({
      model: "gpt-4.1-mini",
      tools,
      stream: true,
      messages: [{ role: "user", content: "Find the capital of Peru" }],
    });
    let args = "";
    for await (const c of stream) args += c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "";
    expect(JSON.parse(args)).toEqual({ query: "Find the capital of Peru" });
  });

  it("lists models, and refuses an unknown key", async () => {
    const page = await openai().models.list();
    expect(page.data.map((m) => m.id)).toContain("gpt-4.1-mini");
    await expect(
      openai("wrong-key").chat.completions.create({
        model: "x",
        messages: [{ role: "user", content: "hi" }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe("headers and addresses", () => {
  it("drops hop-by-hop fields, those the Connection field names, and the client's credentials", () => {
    const out = upstreamHeaders(
      {
        connection: "keep-alive, x-private",
        "keep-alive": "timeout=5",
        "x-private": "1",
        te: "trailers",
        "transfer-encoding": "chunked",
        authorization: "Bearer client",
        "x-api-key": "client",
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
        "user-agent": "sdk/1",
        "anthropic-beta": "tools-2024",
        "x-stainless-lang": "js",
        // fields that name someone else, or ask what the gateway answers itself
        "x-real-ip": "192.0.2.1",
        "true-client-ip": "192.0.2.2",
        "cf-connecting-ip": "192.0.2.3",
        cookie: "session=someone-else",
        "openai-organization": "org-someone-else",
        expect: "100-continue",
        forwarded: "for=192.0.2.4",
        host: "gateway.example",
        "content-length": "12",
      },
      "anthropic",
      { url: "http://x", apiKey: "upstream" },
      "10.0.0.1",
    );
    expect(out).toEqual({
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "tools-2024",
      "content-type": "application/json",
      "user-agent": "sdk/1",
      "x-stainless-lang": "js",
      "x-api-key": "upstream",
      "x-forwarded-for": "10.0.0.1",
    });
    // each API's own fields only
    expect(
      upstreamHeaders(
        { "anthropic-version": "2023-06-01", "openai-beta": "assistants=v2", "openai-organization": "org-x" },
        "openai",
        { url: "http://x", apiKey: "upstream" },
        "10.0.0.1",
      ),
    ).toEqual({
      "openai-beta": "assistants=v2",
      authorization: "Bearer upstream",
      "x-forwarded-for": "10.0.0.1",
    });
    expect(
      clientHeaders({
        Connection: "close",
        "Content-Type": "text/event-stream",
        "Request-Id": "r1",
        Upgrade: "h2c",
      }),
    ).toEqual({
      "content-type": "text/event-stream",
      "request-id": "r1",
    });
  });

  it("believes X-Forwarded-For only from trusted proxies, right to left", () => {
    const trusted = new Set(["10.0.0.2", "10.0.0.3"]);
    expect(clientAddress("::ffff:203.0.113.9", "1.2.3.4", trusted)).toBe("203.0.113.9");
    expect(clientAddress("10.0.0.2", "198.51.100.7, 10.0.0.3", trusted)).toBe("198.51.100.7");
    // a client that forges the header's left part gains nothing
    expect(clientAddress("10.0.0.2", "6.6.6.6, 198.51.100.7", trusted)).toBe("198.51.100.7");
    expect(clientAddress("10.0.0.2", undefined, trusted)).toBe("10.0.0.2");
    // a name, garbage or an address with a port is not taken as the client's address
    expect(clientAddress("10.0.0.2", "evil.example", trusted)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", "198.51.100.7, <script>", trusted)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", "198.51.100.7:443", trusted)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", "2001:db8::1, 10.0.0.3", trusted)).toBe("2001:db8::1");
  });
});

/** A POST to the gateway as the test client, with a mock-upstream fault and more headers (which may replace the key). */
const post = (
  path: string,
  body: unknown,
  fault?: string,
  extra: Record<string, string> = {},
): Promise<Response> =>
  fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${CLIENT_KEY}`,
      ...(fault ? { "x-mock-fault": fault } : {}),
      ...extra,
    },
    body: JSON.stringify(body),
  });
const chat = { model: "gpt-4.1-mini", messages: [{ role: "user", content: "hello there" }] };

describe("faults", () => {
  it("passes 5xx and 429 through with their bodies and headers", async () => {
    const r500 = await post("/v1/chat/completions", chat, "500");
    expect(r500.status).toBe(500);
    expect(await r500.json()).toMatchObject({ error: { type: "api_error" } });
    const r429 = await post("/v1/chat/completions", chat, "429");
    expect(r429.status).toBe(429);
    expect(r429.headers.get("retry-after")).toBe("1");
    await expect(
      openai().chat.completions.create(chat as OpenAI.ChatCompletionCreateParamsNonStreaming, {
        headers: { "x-mock-fault": "429" },
      }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("answers Expect: 100-continue itself (curl sends it for large bodies) and forwards the request", async () => {
    const body = JSON.stringify({ model: "claude-opus-5", max_tokens: 10, messages: chat.messages });
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const url = new URL(`${gateway.url}/v1/messages`);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-api-key": CLIENT_KEY,
            expect: "100-continue",
          },
        },
        (res) => {
          let t = "";
          res.on("data", (c: Buffer) => {
            t += c.toString("utf8");
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: t }));
        },
      );
      req.on("error", reject);
      // the body goes only once the gateway has said to continue
      req.on("continue", () => req.end(body));
    });
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ type: "message" });
  });

  it("bounds the request bodies held at once: past the budget a request gets 503 with retry-after, and the budget comes back", async () => {
    const tight = await startGateway({
      upstreams: { openai: { url: upstream.url, apiKey: UPSTREAM_KEY } },
      keys: [{ sha256: keyDigest(CLIENT_KEY), accountId: "acct_test" }],
      maxBodyBytes: 1_000_000,
      maxBufferedBytes: 1_500_000,
      forwardHeaders: MOCK_CONTROL_HEADERS,
    });
    const big = JSON.stringify({ ...chat, messages: [{ role: "user", content: "x".repeat(700_000) }] });
    const send = (slow: boolean): Promise<Response> =>
      fetch(`${tight.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${CLIENT_KEY}`,
          ...(slow ? { "x-mock-fault": "slow", "x-mock-delay-ms": "400" } : {}),
        },
        body: big,
      });
    try {
      const answers = await Promise.all([send(true), send(true), send(true)]);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
      const busy = answers.find((r) => r.status === 503);
      expect(busy?.headers.get("retry-after")).toBe("1");
      expect(await busy?.json()).toMatchObject({ error: { type: "server_error" } });
      await Promise.all(answers.map((r) => r.arrayBuffer().catch(() => undefined)));
      const refused = answers.filter((r) => r.status === 503).length;
      expect(await tight.metrics.text()).toContain(`distillguard_gateway_overloaded_total ${refused}`);
      // the bodies' bytes are given back once their answers are done
      expect((await send(false)).status).toBe(200);
    } finally {
      await tight.close();
    }
  });

  it("answers 502 in the API's shape when the upstream resets the connection", async () => {
    const r = await post(
      "/v1/messages",
      { model: "claude-opus-5", max_tokens: 10, messages: chat.messages },
      "reset",
    );
    expect(r.status).toBe(502);
    expect(await r.json()).toEqual({
      type: "error",
      error: { type: "api_error", message: "upstream unavailable" },
    });
  });

  it("answers 504 promptly when the upstream does not answer in time", async () => {
    const slow = await startGateway({
      upstreams: { openai: { url: upstream.url, apiKey: UPSTREAM_KEY } },
      keys: [{ sha256: keyDigest(CLIENT_KEY), accountId: "acct_test" }],
      upstreamTimeoutMs: 300,
      forwardHeaders: MOCK_CONTROL_HEADERS,
    });
    try {
      const t0 = Date.now();
      const r = await fetch(`${slow.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${CLIENT_KEY}`,
          "x-mock-fault": "slow",
          "x-mock-delay-ms": "3000",
        },
        body: JSON.stringify(chat),
      });
      expect(r.status).toBe(504);
      expect(await r.json()).toMatchObject({ error: { type: "api_error", message: "upstream timed out" } });
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await slow.close();
    }
  });

  it("ends the client's stream when the upstream's is cut mid-way", async () => {
    const r = await post("/v1/chat/completions", { ...chat, stream: true }, "midstream-reset");
    expect(r.status).toBe(200);
    await expect(r.text()).rejects.toThrow();
  });

  it("cancels the upstream request when the client goes away", async () => {
    const abort = new AbortController();
    const before = upstream.aborted();
    const sent = upstream.requests.length;
    const req = fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${CLIENT_KEY}`,
        "x-mock-fault": "slow",
        "x-mock-delay-ms": "2000",
      },
      body: JSON.stringify(chat),
      signal: abort.signal,
    });
    await waitFor(() => upstream.requests.length > sent, "the request to reach the upstream");
    abort.abort();
    await expect(req).rejects.toThrow();
    // the upstream sees its request abandoned at once, not when its answer would be ready
    await waitFor(() => upstream.aborted() > before, "the upstream to see its request abandoned");
    expect(upstream.aborted()).toBe(before + 1);
  });
});

describe("metrics", () => {
  const read = async (): Promise<(series: string) => number> => {
    const text = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: "Bearer admin-secret" } })
    ).text();
    return (series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
  };
  const message = { model: "claude-opus-5", max_tokens: 20, messages: [{ role: "user", content: "hi" }] };

  it("serves Prometheus text to admins only, without any key in it", async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    const asClient = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
    });
    expect(asClient.status).toBe(401);
    const r = await fetch(`${gateway.url}/metrics`, { headers: { authorization: "Bearer admin-secret" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await r.text();
    expect(text).not.toContain(CLIENT_KEY);
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text).toMatch(/^distillguard_gateway_event_loop_delay_seconds\{quantile="0\.99"\} [0-9.e-]+$/m);
    expect(text).toMatch(/^distillguard_gateway_event_loop_delay_max_seconds [0-9.e-]+$/m);
  });

  it("counts the requests it makes itself: answers, refused keys, 429s, resets and cut streams", async () => {
    const was = await read();
    for (let i = 0; i < 3; i++) await (await post("/v1/messages", message)).text();
    await (await post("/v1/messages", message, undefined, { authorization: "Bearer dg-not-a-key" })).text();
    for (let i = 0; i < 2; i++) await (await post("/v1/chat/completions", chat, "429")).text();
    await (await post("/v1/chat/completions", chat, "reset")).text();
    const cut = await post("/v1/chat/completions", { ...chat, stream: true }, "midstream-reset");
    await cut.text().catch(() => "");
    const after = await read();
    const delta = (series: string): number => after(series) - was(series);
    expect(delta('distillguard_gateway_requests_total{route="/v1/messages",status="200"}')).toBe(3);
    expect(delta('distillguard_gateway_requests_total{route="/v1/messages",status="401"}')).toBe(1);
    expect(delta('distillguard_gateway_requests_total{route="/v1/chat/completions",status="429"}')).toBe(2);
    expect(delta('distillguard_gateway_upstream_errors_total{kind="connection"}')).toBe(1);
    // the cut is counted when the gateway sees it, which may be a moment after the client does
    let cuts = delta('distillguard_gateway_upstream_errors_total{kind="stream_cut"}');
    const series = 'distillguard_gateway_upstream_errors_total{kind="stream_cut"}';
    await waitFor(async () => {
      cuts = (await read())(series) - was(series);
      return cuts > 0;
    }, "the cut stream to be counted").catch(() => undefined);
    expect(cuts).toBe(1);
    expect(delta('distillguard_gateway_request_duration_seconds_count{route="/v1/messages"}')).toBe(4);
  });
});

describe("errors nothing else caught", () => {
  it("answers 500 in the API's shape and reports the error through onError, without the caller's key", async () => {
    const seen: { message: string; route: string }[] = [];
    const broken = await startGateway({
      upstreams: { anthropic: { url: upstream.url, apiKey: UPSTREAM_KEY } },
      keys: [{ sha256: keyDigest(CLIENT_KEY), accountId: "acct_test" }],
      policy: {
        current() {
          throw new Error("policy store unavailable");
        },
      },
      onError: (e, route) => seen.push({ message: e.message, route }),
    });
    try {
      const r = await fetch(`${broken.url}/v1/messages?beta=true`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": CLIENT_KEY },
        body: JSON.stringify({
          model: "claude-opus-5",
          max_tokens: 10,
          messages: [{ role: "user", content: "hi" }],
        }),
      });
      expect(r.status).toBe(500);
      expect(await r.json()).toMatchObject({ error: { type: "api_error" } });
      expect(seen).toEqual([{ message: "policy store unavailable", route: "/v1/messages" }]);
      expect(JSON.stringify(seen)).not.toContain(CLIENT_KEY);
    } finally {
      await broken.close();
    }
  });
});
