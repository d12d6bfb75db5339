// One internal view of an exchange, whichever API the customer used.
// Anthropic Messages: https://docs.anthropic.com/en/api/messages
// OpenAI Chat Completions: https://platform.openai.com/docs/api-reference/chat/create
// Normalisation never recurses into caller data beyond a fixed depth and never throws
// on odd shapes: an unexpected value is simply not counted.
import { type ApiKind, answerParts } from "./answer.js";
import { isObject } from "./records.js";
import type { Api, ClientInfo, ExchangeRecord } from "./schema.js";

export type Block =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image" }
  | { readonly type: "tool_use"; readonly name: string }
  | { readonly type: "tool_result"; readonly text: string }
  | { readonly type: "thinking"; readonly text: string }
  | { readonly type: "other"; readonly rawType: string };

export type Role = "user" | "assistant" | "tool";

export interface Turn {
  readonly role: Role;
  /** the text of the turn's text blocks, joined by newlines */
  readonly text: string;
  readonly blocks: readonly Block[];
}

export interface Sampling {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  /** Anthropic extended thinking budget (thinking.budget_tokens) */
  readonly thinkingBudget?: number;
  /** OpenAI reasoning_effort */
  readonly reasoningEffort?: string;
  readonly stream?: boolean;
  readonly n?: number;
}

export interface Output {
  readonly text: string;
  readonly thinking: string;
  readonly toolCalls: number;
  readonly stopReason?: string;
}

export interface Usage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

export interface ExchangeView {
  readonly id: string;
  readonly ts: number;
  readonly accountId: string;
  readonly orgId?: string;
  readonly keyId?: string;
  readonly client: ClientInfo;
  readonly api: Api;
  readonly model?: string;
  readonly system: string;
  readonly turns: readonly Turn[];
  /** names of the tools offered */
  readonly tools: readonly string[];
  readonly sampling: Sampling;
  readonly output: Output | null;
  readonly usage: Usage;
  readonly status: number;
  /** the record as read, unknown fields included */
  readonly raw: ExchangeRecord;
}

/**
 * What the detector and the store keep of an exchange beyond its signals: who sent it,
 * when, from where, to which model, and how it ended. Small, plain and cloneable, so
 * that worker threads can hand it to the thread that keeps the profiles.
 */
export type ExchangeFacts = Pick<
  ExchangeView,
  "id" | "ts" | "accountId" | "orgId" | "client" | "api" | "model" | "status"
>;

/** The facts of a view, with the client reduced to the contract's known fields. */
export function exchangeFacts(v: ExchangeView): ExchangeFacts {
  const c = v.client;
  const client: { -readonly [K in keyof ClientInfo]: ClientInfo[K] } = {};
  if (c.ip !== undefined) client.ip = c.ip;
  if (c.ip_type !== undefined) client.ip_type = c.ip_type;
  if (c.asn !== undefined) client.asn = c.asn;
  if (c.country !== undefined) client.country = c.country;
  if (c.user_agent !== undefined) client.user_agent = c.user_agent;
  return {
    id: v.id,
    ts: v.ts,
    accountId: v.accountId,
    ...(v.orgId === undefined ? {} : { orgId: v.orgId }),
    client,
    api: v.api,
    ...(v.model === undefined ? {} : { model: v.model }),
    status: v.status,
  };
}

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

/** Which API a body belongs to when the log does not say. */
export function inferApi(request: Obj, response: unknown): Api {
  if (isObject(response)) {
    if (Array.isArray(response.choices)) return "openai.chat";
    if (Array.isArray(response.content) || response.type === "message" || response.type === "error")
      return "anthropic.messages";
    // OpenAI errors are {"error": {...}} with no top-level type
    if (isObject(response.error)) return "openai.chat";
  }
  if (request.system !== undefined || isObject(request.thinking) || request.stop_sequences !== undefined)
    return "anthropic.messages";
  if (
    request.max_completion_tokens !== undefined ||
    request.reasoning_effort !== undefined ||
    request.response_format !== undefined ||
    request.n !== undefined
  )
    return "openai.chat";
  // max_tokens is required by the Messages API
  if (request.max_tokens === undefined) return "openai.chat";
  for (const t of arr(request.tools)) {
    if (isObject(t) && (t.type === "function" || isObject(t.function))) return "openai.chat";
    if (isObject(t) && t.input_schema !== undefined) return "anthropic.messages";
  }
  for (const m of arr(request.messages)) {
    if (!isObject(m)) continue;
    if (m.role === "system" || m.role === "developer" || m.role === "tool" || m.tool_calls !== undefined)
      return "openai.chat";
    for (const b of arr(m.content)) {
      if (!isObject(b)) continue;
      if (b.type === "image_url") return "openai.chat";
      if (b.type === "tool_use" || b.type === "tool_result" || b.type === "image")
        return "anthropic.messages";
    }
  }
  return "anthropic.messages";
}

function blockText(b: Obj): string {
  return str(b.text) ?? "";
}

/** Anthropic content: a string or an array of blocks. */
function anthropicBlocks(content: unknown): Block[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  const out: Block[] = [];
  for (const b of arr(content)) {
    if (typeof b === "string") {
      out.push({ type: "text", text: b });
      continue;
    }
    if (!isObject(b)) continue;
    switch (b.type) {
      case "text":
        out.push({ type: "text", text: blockText(b) });
        break;
      case "image":
      case "document":
        out.push(b.type === "image" ? { type: "image" } : { type: "other", rawType: "document" });
        break;
      case "tool_use":
      case "server_tool_use":
        out.push({ type: "tool_use", name: str(b.name) ?? "" });
        break;
      case "tool_result": {
        let text = str(b.content) ?? "";
        for (const c of arr(b.content)) if (isObject(c) && c.type === "text") text += blockText(c);
        out.push({ type: "tool_result", text });
        break;
      }
      case "thinking":
        out.push({ type: "thinking", text: str(b.thinking) ?? "" });
        break;
      case "redacted_thinking":
        out.push({ type: "thinking", text: "" });
        break;
      default:
        out.push({ type: "other", rawType: typeof b.type === "string" ? b.type.slice(0, 40) : "unknown" });
    }
  }
  return out;
}

/** OpenAI content: a string, null, or an array of parts. */
function openaiBlocks(content: unknown): Block[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  const out: Block[] = [];
  for (const p of arr(content)) {
    if (typeof p === "string") {
      out.push({ type: "text", text: p });
      continue;
    }
    if (!isObject(p)) continue;
    if (p.type === "text" || p.type === "input_text") out.push({ type: "text", text: blockText(p) });
    else if (p.type === "image_url" || p.type === "input_image") out.push({ type: "image" });
    else out.push({ type: "other", rawType: typeof p.type === "string" ? p.type.slice(0, 40) : "unknown" });
  }
  return out;
}

function textOf(blocks: readonly Block[]): string {
  let text = "";
  for (const b of blocks) {
    if (b.type !== "text") continue;
    text = text.length === 0 ? b.text : `${text}\n${b.text}`;
  }
  return text;
}

/** The answer's text and trace, from the shared response model (the first choice's, for OpenAI). */
function answerOf(kind: ApiKind, res: Obj): { text: string; thinking: string } {
  const parts = answerParts(kind, res).filter((p) => p.choice === 0);
  return {
    text: textOf(parts.flatMap((p) => (p.kind === "text" ? [{ type: "text" as const, text: p.text }] : []))),
    thinking: parts
      .filter((p) => p.kind === "reasoning")
      .map((p) => p.text)
      .join(""),
  };
}

function turn(role: Role, blocks: Block[]): Turn {
  return { role, blocks, text: textOf(blocks) };
}

function normaliseAnthropic(
  req: Obj,
  res: unknown,
): Pick<ExchangeView, "system" | "turns" | "tools" | "output"> {
  const system = typeof req.system === "string" ? req.system : textOf(anthropicBlocks(req.system));
  const turns: Turn[] = [];
  for (const m of arr(req.messages)) {
    if (!isObject(m)) continue;
    const role: Role = m.role === "assistant" ? "assistant" : "user";
    const blocks = anthropicBlocks(m.content);
    const results = blocks.filter((b) => b.type === "tool_result");
    // a user message that only carries tool results is the tool's turn
    turns.push(
      turn(role === "user" && results.length > 0 && results.length === blocks.length ? "tool" : role, blocks),
    );
  }
  const tools = arr(req.tools).flatMap((t) => (isObject(t) && typeof t.name === "string" ? [t.name] : []));
  let output: Output | null = null;
  if (isObject(res)) {
    const stopReason = str(res.stop_reason);
    output = {
      ...answerOf("anthropic", res),
      toolCalls: arr(res.content).filter(
        (b) => isObject(b) && (b.type === "tool_use" || b.type === "server_tool_use"),
      ).length,
      ...(stopReason === undefined ? {} : { stopReason }),
    };
  }
  return { system, turns, tools, output };
}

function normaliseOpenAI(
  req: Obj,
  res: unknown,
): Pick<ExchangeView, "system" | "turns" | "tools" | "output"> {
  const systemParts: string[] = [];
  const turns: Turn[] = [];
  for (const m of arr(req.messages)) {
    if (!isObject(m)) continue;
    const blocks = openaiBlocks(m.content);
    if (m.role === "system" || m.role === "developer") {
      systemParts.push(textOf(blocks));
    } else if (m.role === "tool" || m.role === "function") {
      turns.push({ role: "tool", blocks: [{ type: "tool_result", text: textOf(blocks) }], text: "" });
    } else if (m.role === "assistant") {
      for (const c of arr(m.tool_calls)) {
        if (isObject(c) && isObject(c.function))
          blocks.push({ type: "tool_use", name: str(c.function.name) ?? "" });
      }
      turns.push(turn("assistant", blocks));
    } else {
      turns.push(turn("user", blocks));
    }
  }
  const tools = arr(req.tools).flatMap((t) => {
    if (!isObject(t)) return [];
    const name = isObject(t.function) ? str(t.function.name) : str(t.name);
    return name === undefined ? [] : [name];
  });
  let output: Output | null = null;
  if (isObject(res)) {
    const choice = arr(res.choices)[0];
    const msg = isObject(choice) && isObject(choice.message) ? choice.message : {};
    const stopReason = isObject(choice) ? str(choice.finish_reason) : undefined;
    output = {
      ...answerOf("openai", res),
      toolCalls: arr(msg.tool_calls).length,
      ...(stopReason === undefined ? {} : { stopReason }),
    };
  }
  return { system: systemParts.join("\n"), turns, tools, output };
}

function sampling(req: Obj): Sampling {
  const thinking = isObject(req.thinking) ? req.thinking : undefined;
  const s: { -readonly [K in keyof Sampling]: Sampling[K] } = {};
  const maxTokens = num(req.max_tokens) ?? num(req.max_completion_tokens) ?? num(req.max_output_tokens);
  if (maxTokens !== undefined) s.maxTokens = maxTokens;
  const temperature = num(req.temperature);
  if (temperature !== undefined) s.temperature = temperature;
  const topP = num(req.top_p);
  if (topP !== undefined) s.topP = topP;
  const budget = thinking && thinking.type !== "disabled" ? num(thinking.budget_tokens) : undefined;
  if (budget !== undefined) s.thinkingBudget = budget;
  const effort = str(req.reasoning_effort);
  if (effort !== undefined) s.reasoningEffort = effort;
  if (typeof req.stream === "boolean") s.stream = req.stream;
  const n = num(req.n);
  if (n !== undefined) s.n = n;
  return s;
}

function usage(res: unknown): Usage {
  if (!isObject(res) || !isObject(res.usage)) return {};
  const u = res.usage;
  const inputTokens = num(u.input_tokens) ?? num(u.prompt_tokens);
  const outputTokens = num(u.output_tokens) ?? num(u.completion_tokens);
  return {
    ...(inputTokens === undefined ? {} : { inputTokens }),
    ...(outputTokens === undefined ? {} : { outputTokens }),
  };
}

/** Normalises a checked exchange record; `tsMs` is the parsed `ts`. */
export function normaliseExchange(rec: ExchangeRecord, tsMs: number): ExchangeView {
  const req = rec.request as Obj;
  const res = rec.response;
  const api = rec.api ?? inferApi(req, res);
  const body = api === "openai.chat" ? normaliseOpenAI(req, res) : normaliseAnthropic(req, res);
  const model = str(req.model);
  return {
    id: rec.id,
    ts: tsMs,
    accountId: rec.account_id,
    ...(rec.org_id === undefined ? {} : { orgId: rec.org_id }),
    ...(rec.key_id === undefined ? {} : { keyId: rec.key_id }),
    client: rec.client ?? {},
    api,
    ...(model === undefined ? {} : { model }),
    ...body,
    sampling: sampling(req),
    usage: usage(res),
    status: rec.status ?? 200,
    raw: rec,
  };
}

/** The text of the last user turn (the prompt being answered). */
export function lastUserText(view: ExchangeView): string {
  for (let i = view.turns.length - 1; i >= 0; i--) {
    const t = view.turns[i];
    if (t?.role === "user") return t.text;
  }
  return "";
}
