// A mock model API that speaks both Anthropic Messages and OpenAI Chat Completions,
// streaming (server-sent events) and not, tool use included: the upstream the gateway's
// tests and demos run against (`distillguard mock-upstream`). Answers are deterministic
// from the request. It checks the upstream key it was given, so a test can tell that the
// gateway swapped the client's key for the upstream's.
//
// Faults for tests, chosen per request by the `x-mock-fault` header: `500`, `429`,
// `reset` (the connection is destroyed before a response), `midstream-reset` (a stream
// is cut after its first events), `slow` (the answer waits `x-mock-delay-ms`, default 5 s).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { at } from "../contract/index.js";
import { closeServer, listen, originOf } from "../http/index.js";
import { readBody, sendJson } from "./_body.js";

export interface MockUpstreamOptions {
  /** default 127.0.0.1 */
  readonly host?: string;
  /** default 0 (any free port) */
  readonly port?: number;
  /** the key clients must present (x-api-key or Authorization: Bearer) */
  readonly apiKey: string;
  /** words per stream event (default 3) */
  readonly wordsPerEvent?: number;
}

export interface MockUpstream {
  readonly url: string;
  /** requests whose client (the gateway) went away before the answer was complete */
  readonly aborted: () => number;
  /** the last 1,000 requests received, newest last (method, path, the headers that matter, parsed body) */
  readonly requests: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
  close(): Promise<void>;
}

/** The request fields that choose the mock's faults: a gateway in front of it passes them on (forwardHeaders). */
export const MOCK_CONTROL_HEADERS = ["x-mock-fault", "x-mock-delay-ms"] as const;

export const MOCK_MODELS = ["claude-sonnet-4-5", "claude-opus-5", "gpt-4.1-mini"] as const;

type Json = Record<string, unknown>;
type Block =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

const MAX_BODY = 32 * 1024 * 1024;
/** requests remembered for tests (the newest) */
const REQUESTS_KEPT = 1000;

/** The text of the last user turn, in either API's shape. */
function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = at(messages, i) as Json;
    if (m?.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content))
      return m.content
        .map((b: Json) => (b?.type === "text" && typeof b.text === "string" ? b.text : ""))
        .join(" ");
  }
  return "";
}

/** Whether the conversation's last turn hands back a tool's result (then the model answers in text). */
function endsWithToolResult(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  const last = at(messages, messages.length - 1) as Json;
  if (last?.role === "tool") return true;
  return Array.isArray(last?.content) && last.content.some((b: Json) => b?.type === "tool_result");
}

function answerFor(prompt: string): string {
  const words = prompt.split(/\s+/).filter(Boolean).slice(0, 12).join(" ");
  return `This is the mock upstream's answer to: ${words || "(an empty prompt)"}. It has several sentences so that streams carry more than one event. However, you don't usually need more than this, and it isn't hard to find. Additionally, it is essential to choose carefully, and we're often done quickly with tables and chairs or cats and dogs.\n- first point\n- second point\nThe end.`;
}

/** The reasoning trace a request for thinking (Anthropic) or reasoning (OpenAI) gets. */
function reasoningFor(prompt: string): string {
  const words = prompt.split(/\s+/).filter(Boolean).slice(0, 8).join(" ");
  return `The user asks: ${words || "(nothing)"}. First I restate the problem in my own words. Then I list what is known and what is asked. Step one: identify the quantities. Step two: relate them. Step three: check the result against the question. So the answer follows from these steps.`;
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function toolName(tool: unknown, anthropic: boolean): string {
  const t = tool as Json;
  const name = anthropic ? t?.name : (t?.function as Json | undefined)?.name;
  return typeof name === "string" ? name : "tool";
}

function chunksOf(text: string, words: number): string[] {
  const parts = text.split(/(?<= )/);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += words) out.push(parts.slice(i, i + words).join(""));
  return out;
}

function sse(res: ServerResponse, event: string | undefined, data: unknown): void {
  res.write(
    `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
  );
}

/** Cuts the connection once what was written has had time to leave (a reset mid-stream). */
function cutSoon(res: ServerResponse): void {
  setTimeout(() => res.socket?.destroy(), 50);
}

let counter = 0;
const nextId = (prefix: string): string => `${prefix}${(++counter).toString(36).padStart(8, "0")}`;

function anthropicAnswer(body: Json, res: ServerResponse, words: number, cut: boolean): void {
  const model = typeof body.model === "string" ? body.model : "claude-sonnet-4-5";
  const prompt = lastUserText(body.messages);
  const useTool = Array.isArray(body.tools) && body.tools.length > 0 && !endsWithToolResult(body.messages);
  const text = answerFor(prompt);
  const inTok = tokens(JSON.stringify(body.messages ?? ""));
  const id = nextId("msg_mock");
  const tool: Block | undefined = useTool
    ? {
        type: "tool_use",
        id: nextId("toolu_mock"),
        name: toolName((body.tools as unknown[])[0], true),
        input: { query: prompt.slice(0, 40) },
      }
    : undefined;
  const thinking = (body.thinking as Json | undefined)?.type === "enabled";
  const content: Block[] = [
    ...(thinking
      ? [{ type: "thinking" as const, thinking: reasoningFor(prompt), signature: `mock-signature-${id}` }]
      : []),
    ...(tool
      ? [{ type: "text" as const, text: "I will use a tool." }, tool]
      : [{ type: "text" as const, text }]),
  ];
  const outTok = tokens(JSON.stringify(content));
  const stop = tool ? "tool_use" : "end_turn";
  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: inTok, output_tokens: outTok },
    });
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  sse(res, "message_start", {
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inTok, output_tokens: 1 },
    },
  });
  content.forEach((block, index) => {
    // a text or thinking block: its start, then its text a few words an event
    const streamed = (field: "text" | "thinking", text: string): void => {
      sse(res, "content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: block.type, [field]: "" },
      });
      for (const part of chunksOf(text, words))
        sse(res, "content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: `${field}_delta`, [field]: part },
        });
    };
    if (block.type === "text") streamed("text", block.text);
    else if (block.type === "thinking") {
      streamed("thinking", block.thinking);
      sse(res, "content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "signature_delta", signature: block.signature },
      });
    } else {
      const t = block;
      sse(res, "content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: t.id, name: t.name, input: {} },
      });
      const json = JSON.stringify(t.input);
      for (let i = 0; i < json.length; i += 12)
        sse(res, "content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: json.slice(i, i + 12) },
        });
    }
    if (cut && index === 0) {
      cutSoon(res);
      return;
    }
    sse(res, "content_block_stop", { type: "content_block_stop", index });
  });
  if (cut) return;
  sse(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: outTok },
  });
  sse(res, "message_stop", { type: "message_stop" });
  res.end();
}

function openaiAnswer(body: Json, res: ServerResponse, words: number, cut: boolean): void {
  const model = typeof body.model === "string" ? body.model : "gpt-4.1-mini";
  const prompt = lastUserText(body.messages);
  const useTool = Array.isArray(body.tools) && body.tools.length > 0 && !endsWithToolResult(body.messages);
  const text = answerFor(prompt);
  const id = nextId("chatcmpl-mock");
  const created = Math.floor(Date.now() / 1000);
  const call = useTool
    ? {
        id: nextId("call_mock"),
        type: "function",
        function: {
          name: toolName((body.tools as unknown[])[0], false),
          arguments: JSON.stringify({ query: prompt.slice(0, 40) }),
        },
      }
    : undefined;
  const reasoning = typeof body.reasoning_effort === "string" ? reasoningFor(prompt) : undefined;
  const inTok = tokens(JSON.stringify(body.messages ?? ""));
  const outTok = tokens(call ? JSON.stringify(call) : text);
  const usage = { prompt_tokens: inTok, completion_tokens: outTok, total_tokens: inTok + outTok };
  const finish = call ? "tool_calls" : "stop";
  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            ...(call
              ? { role: "assistant", content: null, tool_calls: [call] }
              : { role: "assistant", content: text }),
            ...(reasoning === undefined ? {} : { reasoning_content: reasoning }),
          },
          finish_reason: finish,
          logprobs: null,
        },
      ],
      usage,
    });
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta: Json, finishReason: string | null): Json => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });
  sse(res, undefined, chunk({ role: "assistant", content: "" }, null));
  if (reasoning !== undefined)
    for (const part of chunksOf(reasoning, words))
      sse(res, undefined, chunk({ reasoning_content: part }, null));
  if (call) {
    sse(
      res,
      undefined,
      chunk(
        {
          tool_calls: [
            {
              index: 0,
              id: call.id,
              type: "function",
              function: { name: call.function.name, arguments: "" },
            },
          ],
        },
        null,
      ),
    );
    const args = call.function.arguments;
    for (let i = 0; i < args.length; i += 12)
      sse(
        res,
        undefined,
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 12) } }] }, null),
      );
  } else {
    const parts = chunksOf(text, words);
    for (let i = 0; i < parts.length; i++) {
      sse(res, undefined, chunk({ content: parts[i] }, null));
      if (cut && i === 0) {
        cutSoon(res);
        return;
      }
    }
  }
  sse(res, undefined, chunk({}, finish));
  const opts = body.stream_options as Json | undefined;
  if (opts?.include_usage === true)
    sse(res, undefined, { id, object: "chat.completion.chunk", created, model, choices: [], usage });
  sse(res, undefined, "[DONE]");
  res.end();
}

function models(anthropic: boolean): unknown {
  return anthropic
    ? {
        data: MOCK_MODELS.map((id) => ({
          type: "model",
          id,
          display_name: id,
          created_at: "2026-01-01T00:00:00Z",
        })),
        has_more: false,
        first_id: MOCK_MODELS[0],
        last_id: MOCK_MODELS[MOCK_MODELS.length - 1],
      }
    : {
        object: "list",
        data: MOCK_MODELS.map((id) => ({ id, object: "model", created: 1767225600, owned_by: "mock" })),
      };
}

export async function startMockUpstream(opts: MockUpstreamOptions): Promise<MockUpstream> {
  const requests: MockUpstream["requests"] = [];
  let aborted = 0;
  const words = opts.wordsPerEvent ?? 3;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const anthropic =
      req.headers["anthropic-version"] !== undefined || req.headers["x-api-key"] !== undefined;
    const bytes = req.method === "POST" ? await readBody(req, MAX_BODY) : Buffer.alloc(0);
    if (bytes === undefined) throw new Error("request body too large");
    const raw = bytes.toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const kept: Record<string, string> = {};
    for (const h of [
      "authorization",
      "x-api-key",
      "anthropic-version",
      "x-forwarded-for",
      "user-agent",
      "connection",
      "x-mock-fault",
    ]) {
      const v = req.headers[h];
      if (typeof v === "string") kept[h] = v;
    }
    requests.push({ method: req.method ?? "", path, headers: kept, body });
    // the last REQUESTS_KEPT only: a long demo or soak must not grow without bound
    if (requests.length > REQUESTS_KEPT) requests.splice(0, requests.length - REQUESTS_KEPT);
    const presented = req.headers["x-api-key"] ?? req.headers.authorization?.replace(/^Bearer /, "");
    if (presented !== opts.apiKey) {
      sendJson(
        res,
        401,
        anthropic
          ? { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }
          : {
              error: {
                message: "Incorrect API key provided",
                type: "invalid_request_error",
                code: "invalid_api_key",
              },
            },
      );
      return;
    }
    const fault = req.headers["x-mock-fault"];
    if (fault === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault === "500") {
      sendJson(res, 500, { type: "error", error: { type: "api_error", message: "Internal server error" } });
      return;
    }
    if (fault === "429") {
      sendJson(
        res,
        429,
        {
          type: "error",
          error: { type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" },
        },
        { "retry-after": "1" },
      );
      return;
    }
    if (fault === "slow") {
      const ms = Number(req.headers["x-mock-delay-ms"] ?? 5000);
      await new Promise((r) => setTimeout(r, Number.isFinite(ms) ? ms : 5000));
      if (res.destroyed) return;
    }
    const cut = fault === "midstream-reset";
    if (req.method === "GET" && path === "/v1/models") sendJson(res, 200, models(anthropic));
    else if (req.method === "POST" && path === "/v1/messages" && body && typeof body === "object")
      anthropicAnswer(body as Json, res, words, cut);
    else if (req.method === "POST" && path === "/v1/chat/completions" && body && typeof body === "object")
      openaiAnswer(body as Json, res, words, cut);
    else sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: "not_found" } });
  };
  const server: Server = createServer((req, res) => {
    res.on("close", () => {
      if (!res.writableFinished) aborted++;
    });
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 400, { error: { message: (err as Error).message, type: "invalid_request_error" } });
      else res.destroy();
    });
  });
  const addr = await listen(server, opts.port ?? 0, opts.host ?? "127.0.0.1");
  return {
    url: originOf(addr),
    requests,
    aborted: () => aborted,
    close: () => closeServer(server),
  };
}
