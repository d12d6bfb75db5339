// Drafts become real API bodies: an Anthropic Messages or OpenAI Chat Completions
// request with its response, and the provider's view of the caller.

import { at } from "../contract/index.js";
import { pooledJson } from "./_builtin-text.js";
import type { Draft, Msg, ToolUse } from "./_model.js";
import { tokens } from "./_model.js";
import type { Rng } from "./_rng.js";

const TOOL_SCHEMAS: Record<string, { description: string; properties: Record<string, unknown> }> = {
  read_file: { description: "Read a file from the repository", properties: { path: { type: "string" } } },
  write_file: {
    description: "Write a file",
    properties: { path: { type: "string" }, content: { type: "string" } },
  },
  edit_file: {
    description: "Replace text in a file",
    properties: { path: { type: "string" }, old: { type: "string" }, new: { type: "string" } },
  },
  bash: { description: "Run a shell command", properties: { command: { type: "string" } } },
  grep: { description: "Search files for a pattern", properties: { pattern: { type: "string" } } },
  list_dir: { description: "List a directory", properties: { path: { type: "string" } } },
  run_tests: { description: "Run the test suite", properties: { filter: { type: "string" } } },
  git_diff: { description: "Show the working tree diff", properties: {} },
  search: { description: "Search the web", properties: { query: { type: "string" } } },
  calculator: {
    description: "Evaluate an arithmetic expression",
    properties: { expression: { type: "string" } },
  },
  wikipedia: { description: "Look up a Wikipedia summary", properties: { query: { type: "string" } } },
  get_weather: { description: "Current weather for a city", properties: { city: { type: "string" } } },
};

function toolSchema(name: string): { description: string; properties: Record<string, unknown> } {
  return TOOL_SCHEMAS[name] ?? { description: name, properties: {} };
}

const anthropicTools = new Map<string, unknown>();
const openaiTools = new Map<string, unknown>();

function anthropicTool(name: string): unknown {
  let t = anthropicTools.get(name);
  if (!t) {
    const s = toolSchema(name);
    t = { name, description: s.description, input_schema: { type: "object", properties: s.properties } };
    anthropicTools.set(name, t);
  }
  return t;
}

function openaiTool(name: string): unknown {
  let t = openaiTools.get(name);
  if (!t) {
    const s = toolSchema(name);
    t = {
      type: "function",
      function: {
        name,
        description: s.description,
        parameters: { type: "object", properties: s.properties },
      },
    };
    openaiTools.set(name, t);
  }
  return t;
}

const IMAGE_B64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

function anthropicContent(m: Msg): unknown {
  if (m.toolResult)
    return [{ type: "tool_result", tool_use_id: m.toolResult.id, content: m.toolResult.content }];
  if (m.toolUse) {
    const blocks: unknown[] = [];
    if (m.text) blocks.push({ type: "text", text: m.text });
    blocks.push({ type: "tool_use", id: m.toolUse.id, name: m.toolUse.name, input: m.toolUse.input });
    return blocks;
  }
  if (m.image) {
    return [
      { type: "image", source: { type: "base64", media_type: "image/png", data: IMAGE_B64 } },
      { type: "text", text: m.text ?? "" },
    ];
  }
  return m.text ?? "";
}

function openaiMessages(system: string | undefined, msgs: readonly Msg[]): unknown[] {
  const out: unknown[] = [];
  if (system !== undefined) out.push({ role: "system", content: system });
  for (const m of msgs) {
    if (m.toolResult)
      out.push({ role: "tool", tool_call_id: m.toolResult.id, content: m.toolResult.content });
    else if (m.toolUse)
      out.push({
        role: "assistant",
        content: m.text ?? null,
        tool_calls: [openaiCall(m.toolUse)],
      });
    else if (m.image)
      out.push({
        role: "user",
        content: [
          { type: "text", text: m.text ?? "" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${IMAGE_B64}` } },
        ],
      });
    else out.push({ role: m.role, content: m.text ?? "" });
  }
  return out;
}

function openaiCall(t: ToolUse): unknown {
  return { id: t.id, type: "function", function: { name: t.name, arguments: JSON.stringify(t.input) } };
}

function msgTokens(m: Msg): number {
  const c = m as Msg & Cached;
  let n = c._t;
  if (n === undefined) {
    n = 6 + tokens(m.text);
    if (m.image) n += 1200;
    if (m.toolResult) n += tokens(m.toolResult.content);
    if (m.toolUse) n += 20 + tokens(JSON.stringify(m.toolUse.input));
    c._t = n;
  }
  return n;
}

function inputTokens(d: Draft): number {
  let n = tokens(d.system) + 8;
  for (const m of d.messages) n += msgTokens(m);
  if (d.tools) n += d.tools.length * 90;
  return n;
}

// The caller's part of a line (account, key, client) repeats across an account's
// exchanges: the last one rendered is kept, as bytes, with the account.
interface CallerCache {
  keyId: string;
  net: Draft["net"];
  ua: string;
  json: string;
  bytes: Uint8Array | undefined;
}
const callers = new WeakMap<Draft["acct"], CallerCache>();

function writeCaller(w: ByteWriter, d: Draft): void {
  const c = callers.get(d.acct);
  if (c !== undefined && c.keyId === d.keyId && c.net === d.net && c.ua === d.ua) {
    // encoded once it has been seen twice: most callers repeat, some (proxy exits) never do
    c.bytes ??= utf8(c.json);
    w.b(c.bytes);
    return;
  }
  const org = d.acct.record.org_id === undefined ? "" : `,"org_id":${q(d.acct.record.org_id)}`;
  const json = `,"account_id":"${d.acct.id}"${org},"key_id":"${d.keyId}","client":{"ip":"${d.net.ip}","user_agent":${q(d.ua)},"asn":${d.net.asn},"ip_type":"${d.net.type}","country":"${d.net.country}"}`;
  callers.set(d.acct, { keyId: d.keyId, net: d.net, ua: d.ua, json, bytes: undefined });
  w.s(json);
}

export interface RenderOptions {
  /** share of lines that carry the optional `api` field */
  readonly apiFieldShare: number;
}

// Messages recur in every later turn of a conversation; each is serialised to UTF-8
// once per API and its bytes copied thereafter (the cache lives on the message).
interface Cached {
  _a?: string | Uint8Array;
  _o?: string | Uint8Array;
  _t?: number;
}
const toolsJson = new Map<string, Uint8Array>();
const q = JSON.stringify;
const utf8 = (s: string): Uint8Array => Buffer.from(s, "utf8");

// A message is kept as its JSON string when first rendered and as bytes from its second
// rendering on (a conversation's earlier turns recur; a single-turn message never does).
// One slot per API: `_a` Anthropic Messages, `_o` OpenAI Chat Completions.
function writeMsg(w: ByteWriter, m: Msg, slot: "_a" | "_o"): void {
  const c = m as Msg & Cached;
  const cached = c[slot];
  if (cached === undefined) {
    const plain = m.text !== undefined && !m.image && !m.toolUse && !m.toolResult;
    const json = plain
      ? `{"role":"${m.role}","content":${q(m.text ?? "")}}`
      : slot === "_a"
        ? q({ role: m.role, content: anthropicContent(m) })
        : q(openaiMessages(undefined, [m])[0]);
    c[slot] = json;
    w.s(json);
  } else if (typeof cached === "string") {
    const b = utf8(cached);
    c[slot] = b;
    w.b(b);
  } else w.b(cached);
}

function tools(list: readonly string[], anthropic: boolean): Uint8Array {
  const key = `${anthropic ? "a" : "o"}${list.join(",")}`;
  let b = toolsJson.get(key);
  if (b === undefined) {
    b = utf8(q(list.map(anthropic ? anthropicTool : openaiTool)));
    toolsJson.set(key, b);
  }
  return b;
}

// System prompts recur across an account's (and a campaign's) exchanges: their JSON bytes
// are kept, up to SYSTEM_CACHE_MAX distinct prompts (then the cache starts afresh).
const systemJson = new Map<string, Uint8Array>();
const SYSTEM_CACHE_MAX = 20_000;

function writeSystem(w: ByteWriter, system: string): void {
  let b = systemJson.get(system);
  if (b === undefined) {
    if (systemJson.size >= SYSTEM_CACHE_MAX) systemJson.clear();
    b = utf8(q(system));
    systemJson.set(system, b);
  }
  w.b(b);
}

/** Writes a string as JSON: pooled prose from its precomputed bytes. */
function jsonText(w: ByteWriter, s: string): void {
  const pooled = pooledJson(s);
  if (pooled === undefined) w.s(q(s));
  else w.b(pooled);
}

/**
 * Appends UTF-8 text to a growing buffer: lines are written once, never built as strings.
 * Consecutive strings are joined (a cheap rope) and encoded in one call when bytes or the
 * position are next needed: fewer, larger UTF-8 writes.
 */
export class ByteWriter {
  private buf: Buffer;
  private at = 0;
  private pending = "";

  constructor(private readonly initial = 1 << 20) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }

  /** Bytes written so far. */
  get pos(): number {
    if (this.pending.length > 0) this.flush();
    return this.at;
  }

  s(str: string): void {
    this.pending += str;
  }

  /** Appends bytes as they are (a cached fragment). */
  b(bytes: Uint8Array): void {
    if (this.pending.length > 0) this.flush();
    if (this.at + bytes.length > this.buf.length) this.grow(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  private flush(): void {
    const str = this.pending;
    this.pending = "";
    if (this.at + str.length * 3 > this.buf.length) this.grow(str.length * 3);
    this.at += (this.buf as Buffer & { utf8Write(s: string, o: number): number }).utf8Write(str, this.at);
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + need));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** The bytes written so far, in a buffer of their own; the writer starts afresh. */
  take(): Buffer {
    const end = this.pos;
    const out = this.buf.subarray(0, end);
    this.buf = Buffer.allocUnsafeSlow(Math.max(this.initial, end + (end >> 2)));
    this.at = 0;
    return out;
  }
}

const COMMA = utf8(",");
const CLOSE_BRACKET = utf8("]");

const ISO_DAY = new Map<number, string>();

/** RFC 3339 UTC with milliseconds, like Date#toISOString but with the date part cached. */
export function iso(ts: number): string {
  const day = Math.floor(ts / 86_400_000);
  let prefix = ISO_DAY.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    ISO_DAY.set(day, prefix);
  }
  let ms = ts - day * 86_400_000;
  const h = Math.floor(ms / 3_600_000);
  ms -= h * 3_600_000;
  const m = Math.floor(ms / 60_000);
  ms -= m * 60_000;
  const sec = Math.floor(ms / 1000);
  ms = Math.floor(ms - sec * 1000);
  return `${prefix}${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}:${sec < 10 ? "0" : ""}${sec}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`;
}

/**
 * Writes one exchange line without its id and without a trailing newline: the caller
 * writes `{"id":"<id>"` first. Assembled from cached JSON fragments.
 */
export function renderExchange(d: Draft, rng: Rng, opts: RenderOptions, w: ByteWriter): void {
  const inTok = inputTokens(d);
  const outTok = Math.min(d.outTokens, d.maxTokens);
  const anthropic = d.api === "anthropic.messages";
  const model = q(d.model);
  const api = rng.chance(opts.apiFieldShare) ? `,"api":"${d.api}"` : "";
  w.s(`,"ts":"${iso(d.ts)}"`);
  writeCaller(w, d);
  w.s(`${api},"request":{"model":${model}`);
  if (anthropic) {
    w.s(`,"max_tokens":${d.maxTokens}`);
    if (d.system !== undefined) {
      w.s(`,"system":`);
      writeSystem(w, d.system);
    }
    w.s(`,"messages":[`);
    const msgs = d.messages;
    for (let i = 0; i < msgs.length; i++) {
      if (i > 0) w.b(COMMA);
      writeMsg(w, at(msgs, i), "_a");
    }
    w.b(CLOSE_BRACKET);
    if (d.tools) {
      w.s(`,"tools":`);
      w.b(tools(d.tools, true));
    }
    if (d.temperature !== undefined) w.s(`,"temperature":${d.temperature}`);
    if (d.thinkingBudget !== undefined)
      w.s(`,"thinking":{"type":"enabled","budget_tokens":${d.thinkingBudget}}`);
    if (d.status === 200) {
      w.s(
        `},"response":{"id":"msg_${rng.hex(24)}","type":"message","role":"assistant","model":${model},"content":[`,
      );
      let sep = "";
      if (d.out.thinking !== undefined) {
        w.s(`{"type":"thinking","thinking":`);
        jsonText(w, d.out.thinking);
        w.s(`,"signature":"sig"}`);
        sep = ",";
      }
      if (d.out.text) {
        w.s(`${sep}{"type":"text","text":`);
        jsonText(w, d.out.text);
        w.s("}");
        sep = ",";
      }
      if (d.out.toolUse) {
        w.s(sep);
        w.s(
          q({ type: "tool_use", id: d.out.toolUse.id, name: d.out.toolUse.name, input: d.out.toolUse.input }),
        );
      }
      const stop = d.out.toolUse ? "tool_use" : d.outTokens >= d.maxTokens ? "max_tokens" : "end_turn";
      w.s(`],"stop_reason":"${stop}","usage":{"input_tokens":${inTok},"output_tokens":${outTok}}}`);
    } else {
      w.s(
        `},"response":{"type":"error","error":{"type":"${errorType(d.status)}","message":"${errorMessage(d.status)}"}}`,
      );
    }
  } else {
    w.s(`,"messages":[`);
    if (d.system !== undefined) {
      w.s(`{"role":"system","content":`);
      writeSystem(w, d.system);
      w.s("}");
    }
    const msgs = d.messages;
    for (let i = 0; i < msgs.length; i++) {
      if (i > 0 || d.system !== undefined) w.b(COMMA);
      writeMsg(w, at(msgs, i), "_o");
    }
    w.s(`],"${rng.chance(0.5) ? "max_tokens" : "max_completion_tokens"}":${d.maxTokens}`);
    if (d.tools) {
      w.s(`,"tools":`);
      w.b(tools(d.tools, false));
    }
    if (d.temperature !== undefined) w.s(`,"temperature":${d.temperature}`);
    if (d.thinkingBudget !== undefined)
      w.s(`,"reasoning_effort":"${d.thinkingBudget > 8000 ? "high" : "medium"}"`);
    if (d.status === 200) {
      w.s(
        `},"response":{"id":"chatcmpl-${rng.hex(20)}","object":"chat.completion","created":${Math.floor(d.ts / 1000)},"model":${model},"choices":[{"index":0,"message":`,
      );
      if (d.out.toolUse) {
        w.s(`{"role":"assistant","content":null,"tool_calls":[`);
        w.s(q(openaiCall(d.out.toolUse)));
        w.s("]}");
      } else {
        w.s(`{"role":"assistant","content":`);
        jsonText(w, d.out.text);
        w.s("}");
      }
      const finish = d.out.toolUse ? "tool_calls" : d.outTokens >= d.maxTokens ? "length" : "stop";
      w.s(
        `,"finish_reason":"${finish}"}],"usage":{"prompt_tokens":${inTok},"completion_tokens":${outTok},"total_tokens":${inTok + outTok}}}`,
      );
    } else {
      w.s(`},"response":{"error":{"message":"${errorMessage(d.status)}","type":"${errorType(d.status)}"}}`);
    }
  }
  w.s(`,"status":${d.status}}`);
}

function errorType(status: number): string {
  return status === 429 ? "rate_limit_error" : status === 529 ? "overloaded_error" : "invalid_request_error";
}

function errorMessage(status: number): string {
  return status === 429 ? "Number of requests has exceeded your rate limit" : "Request failed";
}
