// What the gateway keeps of an answer while passing it through: the response body in
// its API's format, so that a streamed answer is logged as the same contract record as
// a non-streamed one. Server-sent events are parsed as the bytes go by (nothing is held
// back from the client); the assembled body is what a non-streaming call would have
// returned: Anthropic `content` blocks, `stop_reason` and `usage`; OpenAI `choices` with
// the message (content and tool calls), `finish_reason` and `usage`.
import { deltaParts, SseSplitter } from "../contract/index.js";

type Json = Record<string, unknown>;

/** Collects a response body: raw JSON, or server-sent events assembled into one body. */
export interface Capture {
  /** the bytes passed to the client, in order */
  push(chunk: Buffer): void;
  /**
   * the response body, or undefined if it could not be read (not JSON, too large, or cut
   * off); with `partial`, a stream cut off before its end gives what had been sent by then
   */
  result(partial?: boolean): Json | undefined;
}

/** Largest body kept for the log; a larger answer is passed through but logged without its body. */
export const MAX_CAPTURE = 8 * 1024 * 1024;

export function captureFor(kind: "anthropic" | "openai", streaming: boolean): Capture {
  if (!streaming) return new JsonCapture();
  return new SseCapture(kind === "anthropic" ? new AnthropicStream() : new OpenAIStream());
}

class JsonCapture implements Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size <= MAX_CAPTURE) this.chunks.push(chunk);
  }

  result(): Json | undefined {
    if (this.size > MAX_CAPTURE) return undefined;
    try {
      const v: unknown = JSON.parse(Buffer.concat(this.chunks).toString("utf8"));
      return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
    } catch {
      return undefined;
    }
  }
}

interface StreamAssembler {
  event(data: Json): void;
  result(partial: boolean): Json | undefined;
}

/** Splits the event stream into events and hands each one's JSON data on. */
class SseCapture implements Capture {
  private readonly events = new SseSplitter();
  private size = 0;
  private readonly decoder = new TextDecoder();

  constructor(private readonly assembler: StreamAssembler) {}

  push(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > MAX_CAPTURE) return;
    for (const e of this.events.push(this.decoder.decode(chunk, { stream: true }))) this.dispatch(e.data);
  }

  private dispatch(data: string | undefined): void {
    if (!data || data === "[DONE]") return;
    try {
      const v: unknown = JSON.parse(data);
      if (v !== null && typeof v === "object" && !Array.isArray(v)) this.assembler.event(v as Json);
    } catch {
      // not JSON: nothing to assemble from this event
    }
  }

  result(partial = false): Json | undefined {
    if (this.size > MAX_CAPTURE) return undefined;
    // the events a final CR completes (an unfinished event is not assembled)
    for (const e of this.events.end().events) this.dispatch(e.data);
    return this.assembler.result(partial);
  }
}

const obj = (v: unknown): Json =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};

/** Anthropic Messages events → the message a non-streaming call returns. */
class AnthropicStream implements StreamAssembler {
  private message: Json | undefined;
  private readonly blocks: Json[] = [];
  private readonly partialJson = new Map<number, string>();
  private done = false;

  event(e: Json): void {
    switch (e.type) {
      case "message_start":
        this.message = { ...obj(e.message) };
        break;
      case "content_block_start": {
        const i = Number(e.index);
        if (Number.isInteger(i) && i >= 0 && i < 1000) this.blocks[i] = { ...obj(e.content_block) };
        break;
      }
      case "content_block_delta": {
        const i = Number(e.index);
        const b = this.blocks[i];
        const d = obj(e.delta);
        if (!b) break;
        // text and thinking, read by the shared response model
        const [piece] = deltaParts("anthropic", e);
        if (piece)
          b[piece.field] = `${typeof b[piece.field] === "string" ? b[piece.field] : ""}${piece.text}`;
        else if (d.type === "signature_delta" && typeof d.signature === "string") b.signature = d.signature;
        else if (d.type === "input_json_delta" && typeof d.partial_json === "string")
          this.partialJson.set(i, (this.partialJson.get(i) ?? "") + d.partial_json);
        break;
      }
      case "content_block_stop": {
        const i = Number(e.index);
        const json = this.partialJson.get(i);
        const b = this.blocks[i];
        if (b && json !== undefined) {
          try {
            b.input = JSON.parse(json);
          } catch {
            b.input = json;
          }
          this.partialJson.delete(i);
        }
        break;
      }
      case "message_delta": {
        if (!this.message) break;
        const d = obj(e.delta);
        if ("stop_reason" in d) this.message.stop_reason = d.stop_reason;
        if ("stop_sequence" in d) this.message.stop_sequence = d.stop_sequence;
        this.message.usage = { ...obj(this.message.usage), ...obj(e.usage) };
        break;
      }
      case "message_stop":
        this.done = true;
        break;
    }
  }

  result(partial: boolean): Json | undefined {
    if (!this.message || !(this.done || partial)) return undefined;
    const content = this.blocks.filter(Boolean);
    // a tool call cut off mid-way keeps its arguments as the text received
    if (!this.done)
      for (const [i, json] of this.partialJson) {
        const b = this.blocks[i];
        if (b) b.input = json;
      }
    return { ...this.message, content };
  }
}

/** OpenAI Chat Completions chunks → the completion a non-streaming call returns. */
class OpenAIStream implements StreamAssembler {
  private head: Json | undefined;
  private readonly choices = new Map<number, { message: Json; finish: unknown; calls: Json[] }>();
  private usage: unknown;

  event(e: Json): void {
    this.head ??= { id: e.id, object: "chat.completion", created: e.created, model: e.model };
    if (e.usage) this.usage = e.usage;
    if (!Array.isArray(e.choices)) return;
    for (const raw of e.choices) {
      const c = obj(raw);
      const index = Number(c.index ?? 0);
      if (!Number.isInteger(index) || index < 0 || index > 100) continue;
      let acc = this.choices.get(index);
      if (!acc) {
        acc = { message: { role: "assistant", content: null }, finish: null, calls: [] };
        this.choices.set(index, acc);
      }
      const d = obj(c.delta);
      if (typeof d.role === "string") acc.message.role = d.role;
      // content and the reasoning trace (vLLM, DeepSeek, OpenRouter), read by the shared response model
      for (const piece of deltaParts("openai", { choices: [c] })) {
        const had = acc.message[piece.field];
        acc.message[piece.field] = `${typeof had === "string" ? had : ""}${piece.text}`;
      }
      if (typeof d.refusal === "string") acc.message.refusal = `${acc.message.refusal ?? ""}${d.refusal}`;
      if (Array.isArray(d.tool_calls))
        for (const tcRaw of d.tool_calls) {
          const tc = obj(tcRaw);
          const ti = Number(tc.index ?? 0);
          if (!Number.isInteger(ti) || ti < 0 || ti > 100) continue;
          let call = acc.calls[ti];
          if (call === undefined) {
            call = { id: undefined, type: "function", function: { name: "", arguments: "" } };
            acc.calls[ti] = call;
          }
          if (typeof tc.id === "string") call.id = tc.id;
          if (typeof tc.type === "string") call.type = tc.type;
          const f = obj(tc.function);
          const cf = obj(call.function);
          if (typeof f.name === "string") cf.name = `${cf.name ?? ""}${f.name}`;
          if (typeof f.arguments === "string") cf.arguments = `${cf.arguments ?? ""}${f.arguments}`;
          call.function = cf;
        }
      if (c.finish_reason !== undefined && c.finish_reason !== null) acc.finish = c.finish_reason;
    }
  }

  result(_partial: boolean): Json | undefined {
    // every chunk stands on its own: what arrived is the answer so far, cut or not
    if (!this.head || this.choices.size === 0) return undefined;
    const choices = [...this.choices.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, acc]) => ({
        index,
        message:
          acc.calls.length > 0 ? { ...acc.message, tool_calls: acc.calls.filter(Boolean) } : acc.message,
        finish_reason: acc.finish,
      }));
    return { ...this.head, choices, ...(this.usage === undefined ? {} : { usage: this.usage }) };
  }
}
