// One model of where a response body of either API keeps its answer: the text parts and the
// reasoning traces, each readable and writable in place. Normalisation reads it, output
// protection rewrites through it (marking text, shielding and signing traces), and the
// protection commands read samples and traces with it: the two APIs' shapes are known here.
//   Anthropic Messages: `content` blocks; `text` blocks are text, `thinking` blocks are
//   traces (signed in `distillguard_signature` on the block).
//   OpenAI Chat Completions: each choice's `message`; `content` is text (a string, or text
//   parts), the first non-empty of `reasoning_content` (vLLM, DeepSeek) or `reasoning`
//   (OpenRouter) is the trace (signed in `reasoning_signature` on the message).
// A gateway's capture of a stream assembles the same body (src/gateway/capture.ts), so a
// streamed answer is read through this model too.
import { isObject } from "./records.js";

export type ApiKind = "anthropic" | "openai";

type Obj = Record<string, unknown>;

/** The fields an OpenAI-compatible message may carry its reasoning trace in, by preference. */
export const REASONING_FIELDS = ["reasoning_content", "reasoning"] as const;

export interface AnswerPart {
  readonly kind: "text" | "reasoning";
  /** the choice it belongs to (OpenAI; 0 for Anthropic) */
  readonly choice: number;
  readonly text: string;
  /** Replaces the part's text in the body. */
  set(text: string): void;
  /** The trace's signature, if the body carries one (reasoning parts). */
  readonly signature: string | undefined;
  /** Writes a trace's signature where this API's body carries it (reasoning parts). */
  sign(signature: string): void;
}

const NO_SIGN = (): void => undefined;

function part(
  kind: AnswerPart["kind"],
  choice: number,
  holder: Obj,
  field: string,
  signatureField: string | undefined,
): AnswerPart {
  return {
    kind,
    choice,
    text: String(holder[field] ?? ""),
    set: (text) => {
      holder[field] = text;
    },
    signature:
      signatureField !== undefined && typeof holder[signatureField] === "string"
        ? (holder[signatureField] as string)
        : undefined,
    sign:
      signatureField === undefined
        ? NO_SIGN
        : (signature) => {
            holder[signatureField] = signature;
          },
  };
}

function anthropicParts(body: Obj): AnswerPart[] {
  const content = body.content;
  if (typeof content === "string") return [part("text", 0, body, "content", undefined)];
  if (!Array.isArray(content)) return [];
  const out: AnswerPart[] = [];
  for (const b of content) {
    if (!isObject(b)) continue;
    if (b.type === "text" && typeof b.text === "string") out.push(part("text", 0, b, "text", undefined));
    else if (b.type === "thinking" && typeof b.thinking === "string")
      out.push(part("reasoning", 0, b, "thinking", "distillguard_signature"));
  }
  return out;
}

/** An OpenAI message's parts: its content (a string, or text parts) and its trace. */
export function messageParts(m: Obj, choice = 0): AnswerPart[] {
  const out: AnswerPart[] = [];
  if (typeof m.content === "string") out.push(part("text", choice, m, "content", undefined));
  else if (Array.isArray(m.content))
    for (const p of m.content)
      if (isObject(p) && (p.type === "text" || p.type === "input_text") && typeof p.text === "string")
        out.push(part("text", choice, p, "text", undefined));
  for (const f of REASONING_FIELDS)
    if (typeof m[f] === "string" && (m[f] as string).length > 0) {
      out.push(part("reasoning", choice, m, f, "reasoning_signature"));
      break;
    }
  return out;
}

function openaiParts(body: Obj): AnswerPart[] {
  if (!Array.isArray(body.choices)) return [];
  const out: AnswerPart[] = [];
  body.choices.forEach((c, i) => {
    if (isObject(c) && isObject(c.message)) out.push(...messageParts(c.message, i));
  });
  return out;
}

/** The answer's parts in a response body of `kind`, in order. */
export function answerParts(kind: ApiKind, body: Obj): AnswerPart[] {
  return kind === "anthropic" ? anthropicParts(body) : openaiParts(body);
}

/** A piece of an answer in one streamed event: text or reasoning, for a content block or choice. */
export interface DeltaPart {
  readonly kind: "text" | "reasoning";
  /** the content block (Anthropic) or the choice (OpenAI) it belongs to */
  readonly index: number;
  /** the field that carries it in the event, and in the assembled message (OpenAI: its reasoning field) */
  readonly field: string;
  readonly text: string;
}

/**
 * The answer's pieces in one streamed event (already parsed from its `data:` line):
 * Anthropic `content_block_delta` events' `text_delta` and `thinking_delta`; OpenAI chunks'
 * `delta.content` and the first non-empty reasoning field of each choice's delta.
 */
export function deltaParts(kind: ApiKind, event: Obj): DeltaPart[] {
  if (kind === "anthropic") {
    if (event.type !== "content_block_delta" || !isObject(event.delta)) return [];
    const d = event.delta;
    const index = typeof event.index === "number" ? event.index : Number(event.index);
    if (d.type === "text_delta" && typeof d.text === "string")
      return [{ kind: "text", index, field: "text", text: d.text }];
    if (d.type === "thinking_delta" && typeof d.thinking === "string")
      return [{ kind: "reasoning", index, field: "thinking", text: d.thinking }];
    return [];
  }
  if (!Array.isArray(event.choices)) return [];
  const out: DeltaPart[] = [];
  for (const c of event.choices) {
    if (!isObject(c) || !isObject(c.delta)) continue;
    const index = Number(c.index ?? 0);
    const d = c.delta;
    if (typeof d.content === "string" && d.content.length > 0)
      out.push({ kind: "text", index, field: "content", text: d.content });
    for (const f of REASONING_FIELDS)
      if (typeof d[f] === "string" && (d[f] as string).length > 0) {
        out.push({ kind: "reasoning", index, field: f, text: d[f] as string });
        break;
      }
  }
  return out;
}

/**
 * The API a response body is in, by its shape: OpenAI's has `choices`, Anthropic's is a
 * `message` or has `content` blocks (and no OpenAI reasoning field: that is one OpenAI
 * message, which messageParts reads). Undefined if neither.
 */
export function responseKind(body: Obj): ApiKind | undefined {
  if (Array.isArray(body.choices)) return "openai";
  if (body.type === "message") return "anthropic";
  if (Array.isArray(body.content) && !REASONING_FIELDS.some((f) => typeof body[f] === "string"))
    return "anthropic";
  return undefined;
}
