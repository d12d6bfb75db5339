import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseExchange } from "../contract/index.js";
import { captureFor } from "./capture.js";

const sse = (events: unknown[], named: boolean): string =>
  events
    .map((e) => `${named ? `event: ${(e as { type: string }).type}\n` : ""}data: ${JSON.stringify(e)}\n\n`)
    .join("");

const anthropicEvents = [
  {
    type: "message_start",
    message: {
      id: "m1",
      type: "message",
      role: "assistant",
      model: "x",
      content: [],
      stop_reason: null,
      usage: { input_tokens: 7, output_tokens: 1 },
    },
  },
  { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
  {
    type: "content_block_delta",
    index: 0,
    delta: { type: "thinking_delta", thinking: "Let me think — é🙂" },
  },
  { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } },
  { type: "content_block_stop", index: 0 },
  { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Bonjour, " } },
  { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "café ☕" } },
  { type: "content_block_stop", index: 1 },
  {
    type: "content_block_start",
    index: 2,
    content_block: { type: "tool_use", id: "t1", name: "f", input: {} },
  },
  { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"a":' } },
  { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '[1,"ü"]}' } },
  { type: "content_block_stop", index: 2 },
  {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { output_tokens: 42 },
  },
  { type: "message_stop" },
];

const anthropicBody = {
  id: "m1",
  type: "message",
  role: "assistant",
  model: "x",
  content: [
    { type: "thinking", thinking: "Let me think — é🙂", signature: "sig" },
    { type: "text", text: "Bonjour, café ☕" },
    { type: "tool_use", id: "t1", name: "f", input: { a: [1, "ü"] } },
  ],
  stop_reason: "tool_use",
  stop_sequence: null,
  usage: { input_tokens: 7, output_tokens: 42 },
};

/** Pushes `text` as bytes cut at the given points (any byte, even inside a character). */
function pushCut(text: string, cuts: number[], push: (b: Buffer) => void): void {
  const bytes = Buffer.from(text, "utf8");
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    push(bytes.subarray(from, p));
    from = p;
  }
}

describe("capture", () => {
  it("assembles an Anthropic stream into the plain body, however the bytes are cut", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), fc.constantFrom("\n", "\r\n", "\r"), (cuts, eol) => {
        const c = captureFor("anthropic", true);
        pushCut(sse(anthropicEvents, true).replaceAll("\n", eol), cuts, (b) => c.push(b));
        expect(c.result()).toEqual(anthropicBody);
      }),
    );
  });

  it("assembles OpenAI chunks (text, tool calls, usage) and ignores [DONE]", () => {
    const head = { id: "c1", object: "chat.completion.chunk", created: 1, model: "m" };
    const events = [
      { ...head, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: "Hé " }, finish_reason: null }] },
      {
        ...head,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { index: 0, id: "k", type: "function", function: { name: "lo", arguments: '{"q"' } },
              ],
            },
            finish_reason: null,
          },
        ],
      },
      {
        ...head,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { name: "ok", arguments: ':"x"}' } }] },
            finish_reason: null,
          },
        ],
      },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
      { ...head, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ];
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        const c = captureFor("openai", true);
        pushCut(`${sse(events, false)}data: [DONE]\n\n`, cuts, (b) => c.push(b));
        expect(c.result()).toEqual({
          id: "c1",
          object: "chat.completion",
          created: 1,
          model: "m",
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: "Hé ",
                tool_calls: [
                  { id: "k", type: "function", function: { name: "look", arguments: '{"q":"x"}' } },
                ],
              },
              finish_reason: "tool_calls",
            },
          ],
          usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
        });
      }),
    );
  });

  it("keeps an OpenAI-compatible stream's reasoning trace (reasoning_content), as the plain body has it", () => {
    const head = { id: "c2", object: "chat.completion.chunk", created: 1, model: "m" };
    const events = [
      {
        ...head,
        choices: [{ index: 0, delta: { role: "assistant", content: "", reasoning_content: "First, " } }],
      },
      { ...head, choices: [{ index: 0, delta: { reasoning_content: "add the numbers." } }] },
      { ...head, choices: [{ index: 0, delta: { content: "4", reasoning_content: "" } }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    ];
    const c = captureFor("openai", true);
    c.push(Buffer.from(`${sse(events, false)}data: [DONE]\n\n`));
    const body = c.result() as { choices: { message: Record<string, unknown> }[] };
    expect(body.choices[0]?.message).toEqual({
      role: "assistant",
      content: "4",
      reasoning_content: "First, add the numbers.",
    });
    // normalisation reads the trace from the captured body as from a plain one
    const view = normaliseExchange(
      {
        id: "x",
        ts: "2026-02-01T00:00:00Z",
        account_id: "a",
        request: { model: "m", messages: [{ role: "user", content: "2+2?" }] },
        response: body,
      },
      0,
    );
    expect(view.output?.thinking).toBe("First, add the numbers.");
  });

  it("never throws on hostile bytes, and gives no body for a stream cut short", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, anthropic) => {
        const c = captureFor(anthropic ? "anthropic" : "openai", true);
        c.push(Buffer.from(bytes));
        c.push(Buffer.from('data: {"type":"content_block_delta","index":99999999,"delta":{}}\n\n'));
        c.result();
      }),
    );
    const cut = captureFor("anthropic", true);
    cut.push(Buffer.from(sse(anthropicEvents.slice(0, 8), true)));
    expect(cut.result()).toBeUndefined();
    const plain = captureFor("openai", false);
    plain.push(Buffer.from('{"a":'));
    expect(plain.result()).toBeUndefined();
  });
});
