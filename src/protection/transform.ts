// Output protection applied to an answer on its way to the client, for both APIs,
// streamed (server-sent events, rewritten event by event) and not (the JSON body):
// answer text watermarked, reasoning traces shielded, every returned trace signed.
//
// Anthropic Messages: `text` blocks are marked; `thinking` blocks are shielded and carry
// `distillguard_signature` (on the block, and in a stream on its content_block_stop
// event). OpenAI Chat Completions: `message.content` is marked; `reasoning_content` (vLLM,
// DeepSeek) or `reasoning` is shielded and `reasoning_signature` is set beside it (in a
// stream, on the delta where the reasoning ends). Anything that does not parse is passed
// on unchanged.
import { StringDecoder } from "node:string_decoder";
import {
  type ApiKind,
  answerParts,
  deltaParts,
  isObject,
  REASONING_FIELDS,
  type SseEvent,
  SseSplitter,
} from "../contract/index.js";
import { type Shield, shieldTrace, type TraceContext, type TraceSigner } from "./trace.js";
import { type KeyedChoice, Watermarker, type WatermarkStats } from "./watermark.js";

export type { ApiKind } from "../contract/index.js";

export interface ProtectOptions {
  /** the watermark's keyed choice; none: text is not marked */
  readonly watermark: KeyedChoice | undefined;
  /** the largest share of an answer's words marking may change (default `DEFAULT_MAX_CHANGED_SHARE`, 3%; 1 for no bound) */
  readonly maxChangedShare?: number;
  /** what the client sees of reasoning traces */
  readonly shield: Shield;
  /** signs the traces returned; none: not signed */
  readonly signer: TraceSigner | undefined;
  readonly context: TraceContext;
}

/** What a protected answer had done to it. */
export interface ProtectReport {
  readonly watermark: WatermarkStats;
  /** reasoning traces seen, and how many were shielded and signed */
  traces: number;
  shielded: number;
  signed: number;
}

/** Rewrites a body given in chunks: `push` returns what can be sent now, `end` the rest. */
export interface BodyTransform {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
  readonly report: ProtectReport;
}

const EMPTY = Buffer.alloc(0);
type Json = Record<string, unknown>;

class Protector {
  readonly report: ProtectReport = {
    watermark: { words: 0, candidates: 0, changed: 0, markers: 0 },
    traces: 0,
    shielded: 0,
    signed: 0,
  };
  constructor(readonly o: ProtectOptions) {}

  marker(): Watermarker | undefined {
    return this.o.watermark
      ? new Watermarker(this.o.watermark, false, undefined, this.o.maxChangedShare)
      : undefined;
  }

  collect(w: Watermarker | undefined): void {
    if (!w) return;
    this.report.watermark.words += w.stats.words;
    this.report.watermark.candidates += w.stats.candidates;
    this.report.watermark.changed += w.stats.changed;
    this.report.watermark.markers += w.stats.markers;
  }

  markWhole(text: string): string {
    const w = this.marker();
    if (!w) return text;
    const out = w.push(text) + w.end();
    this.collect(w);
    return out;
  }

  /** The trace as the client sees it, and its signature (if signing). */
  trace(text: string): { text: string; signature: string | undefined } {
    this.report.traces++;
    const shown = this.o.shield === "full" ? text : shieldTrace(text, this.o.shield);
    if (this.o.shield !== "full") this.report.shielded++;
    const signature = this.o.signer?.sign(shown, this.o.context, this.o.shield);
    if (signature) this.report.signed++;
    return { text: shown, signature };
  }
}

/** Marks the answer's text and shields and signs its traces, in place (the shared response model). */
function protectJson(kind: ApiKind, body: Json, p: Protector): void {
  for (const part of answerParts(kind, body)) {
    if (part.kind === "text") {
      part.set(p.markWhole(part.text));
      continue;
    }
    const t = p.trace(part.text);
    part.set(t.text);
    if (t.signature) part.sign(t.signature);
  }
}

/** A whole JSON body: gathered, rewritten at the end. */
class JsonTransform implements BodyTransform {
  private readonly chunks: Buffer[] = [];
  constructor(
    private readonly kind: ApiKind,
    private readonly p: Protector,
  ) {}
  get report(): ProtectReport {
    return this.p.report;
  }
  push(chunk: Buffer): Buffer {
    this.chunks.push(chunk);
    return EMPTY;
  }
  end(): Buffer {
    const raw = Buffer.concat(this.chunks);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return raw;
    }
    if (!isObject(body)) return raw;
    protectJson(this.kind, body, this.p);
    return Buffer.from(JSON.stringify(body));
  }
}

const sse = (event: string | undefined, data: unknown): string =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

/** A server-sent event stream: split into events, each passed on or rewritten. */
abstract class SseTransform implements BodyTransform {
  private readonly decoder = new StringDecoder("utf8");
  private readonly events = new SseSplitter();
  constructor(protected readonly p: Protector) {}
  get report(): ProtectReport {
    return this.p.report;
  }

  push(chunk: Buffer): Buffer {
    let out = "";
    for (const e of this.events.push(this.decoder.write(chunk))) out += this.onEvent(e, e.whole);
    return out ? Buffer.from(out) : EMPTY;
  }

  end(): Buffer {
    const tail = this.decoder.end();
    let out = "";
    for (const e of this.events.push(tail)) out += this.onEvent(e, e.whole);
    const { events, rest } = this.events.end();
    for (const e of events) out += this.onEvent(e, e.whole);
    return Buffer.from(out + this.finish() + rest);
  }

  /** Returns the text to send for one event (`whole`: the event as it came, with its blank line). */
  protected abstract onEvent(e: SseEvent, whole: string): string;
  /** Anything still held when the stream ends. */
  protected abstract finish(): string;
}

class AnthropicStream extends SseTransform {
  private readonly blocks = new Map<
    number,
    { type: string; marker: Watermarker | undefined; thinking: string }
  >();

  protected onEvent(e: SseEvent, whole: string): string {
    if (e.data === undefined) return whole;
    let d: unknown;
    try {
      d = JSON.parse(e.data);
    } catch {
      return whole;
    }
    if (!isObject(d) || typeof d.index !== "number") return whole;
    const index = d.index;
    if (d.type === "content_block_start" && isObject(d.content_block)) {
      const type = String(d.content_block.type);
      this.blocks.set(index, { type, marker: type === "text" ? this.p.marker() : undefined, thinking: "" });
      return whole;
    }
    const b = this.blocks.get(index);
    if (!b) return whole;
    if (d.type === "content_block_delta" && isObject(d.delta)) {
      // text and thinking, read by the shared response model
      const [piece] = deltaParts("anthropic", d);
      if (piece?.kind === "text" && b.marker) {
        const text = b.marker.push(piece.text);
        if (text === "") return "";
        return sse(e.event, { ...d, delta: { ...d.delta, text } });
      }
      if (piece?.kind === "reasoning") {
        b.thinking += piece.text;
        return this.p.o.shield === "full" ? whole : "";
      }
      return whole;
    }
    if (d.type === "content_block_stop") {
      this.blocks.delete(index);
      let out = "";
      if (b.marker) {
        const rest = b.marker.end();
        this.p.collect(b.marker);
        if (rest)
          out += sse("content_block_delta", {
            type: "content_block_delta",
            index,
            delta: { type: "text_delta", text: rest },
          });
        return out + whole;
      }
      if (b.type === "thinking") {
        const t = this.p.trace(b.thinking);
        if (this.p.o.shield !== "full")
          out += sse("content_block_delta", {
            type: "content_block_delta",
            index,
            delta: { type: "thinking_delta", thinking: t.text },
          });
        return out + (t.signature ? sse(e.event, { ...d, distillguard_signature: t.signature }) : whole);
      }
    }
    return whole;
  }

  protected finish(): string {
    return "";
  }
}

class OpenAiStream extends SseTransform {
  private readonly choices = new Map<
    number,
    {
      marker: Watermarker | undefined;
      reasoning: string;
      field: string | undefined;
      reasoningDone: boolean;
      ended: boolean;
    }
  >();
  private envelope: Json | undefined;

  private state(index: number) {
    let s = this.choices.get(index);
    if (!s) {
      s = { marker: this.p.marker(), reasoning: "", field: undefined, reasoningDone: false, ended: false };
      this.choices.set(index, s);
    }
    return s;
  }

  /** The signed (and, if shielding, summarised) trace, added to the delta where the reasoning ends. */
  private closeReasoning(
    s: { reasoning: string; field: string | undefined; reasoningDone: boolean },
    delta: Json,
  ): void {
    if (s.field === undefined || s.reasoningDone) return;
    s.reasoningDone = true;
    const t = this.p.trace(s.reasoning);
    if (this.p.o.shield !== "full") delta[s.field] = t.text;
    if (t.signature) delta.reasoning_signature = t.signature;
  }

  protected onEvent(e: SseEvent, whole: string): string {
    if (e.data === undefined) return whole;
    if (e.data.trim() === "[DONE]") return this.finish() + whole;
    let d: unknown;
    try {
      d = JSON.parse(e.data);
    } catch {
      return whole;
    }
    if (!isObject(d) || !Array.isArray(d.choices) || d.choices.length === 0) return whole;
    this.envelope = { id: d.id, object: d.object, created: d.created, model: d.model };
    for (const c of d.choices) {
      if (!isObject(c) || typeof c.index !== "number") continue;
      const s = this.state(c.index);
      if (!isObject(c.delta)) c.delta = {};
      const delta = c.delta as Json;
      for (const f of REASONING_FIELDS)
        if (typeof delta[f] === "string") {
          s.reasoning += delta[f] as string;
          s.field = f;
          if (this.p.o.shield !== "full") delete delta[f];
        }
      const content = typeof delta.content === "string" && delta.content.length > 0;
      if (content || delta.tool_calls !== undefined || c.finish_reason) this.closeReasoning(s, delta);
      if (typeof delta.content === "string" && s.marker) delta.content = s.marker.push(delta.content);
      if (c.finish_reason && s.marker && !s.ended) {
        s.ended = true;
        const rest = s.marker.end();
        this.p.collect(s.marker);
        if (rest) delta.content = `${typeof delta.content === "string" ? delta.content : ""}${rest}`;
      }
    }
    return sse(e.event, d);
  }

  protected finish(): string {
    let out = "";
    for (const [index, s] of this.choices) {
      const delta: Json = {};
      this.closeReasoning(s, delta);
      if (s.marker && !s.ended) {
        s.ended = true;
        const rest = s.marker.end();
        this.p.collect(s.marker);
        if (rest) delta.content = rest;
      }
      if (Object.keys(delta).length > 0)
        out += sse(undefined, { ...this.envelope, choices: [{ index, delta, finish_reason: null }] });
    }
    return out;
  }
}

/** The transform for one answer: `stream` for a server-sent event stream, else a JSON body. */
export function protectTransform(kind: ApiKind, stream: boolean, o: ProtectOptions): BodyTransform {
  const p = new Protector(o);
  if (!stream) return new JsonTransform(kind, p);
  return kind === "anthropic" ? new AnthropicStream(p) : new OpenAiStream(p);
}
