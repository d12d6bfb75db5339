import { describe, expect, it } from "vitest";
import { inferApi, lastUserText, normaliseExchange } from "./normalise.js";
import type { ExchangeRecord } from "./schema.js";

const ts = Date.UTC(2026, 1, 1);
const rec = (
  request: Record<string, unknown>,
  response?: Record<string, unknown> | null,
): ExchangeRecord => ({
  id: "x",
  ts: "2026-02-01T00:00:00Z",
  account_id: "a",
  request,
  ...(response === undefined ? {} : { response }),
});

describe("normaliseExchange: Anthropic Messages", () => {
  const request = {
    model: "claude-sonnet-4-5",
    max_tokens: 4096,
    temperature: 0.2,
    thinking: { type: "enabled", budget_tokens: 2048 },
    system: [{ type: "text", text: "You are a coding agent." }],
    tools: [{ name: "read_file", input_schema: { type: "object" } }],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Fix the bug" },
          { type: "image", source: {} },
        ],
      },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "t1", name: "read_file", input: { path: "a.ts" } }],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "const a = 1" }] },
    ],
  };
  const response = {
    type: "message",
    content: [
      { type: "thinking", thinking: "look at a.ts" },
      { type: "text", text: "Done." },
      { type: "tool_use", id: "t2", name: "write_file", input: {} },
    ],
    stop_reason: "tool_use",
    usage: { input_tokens: 1200, output_tokens: 300 },
  };
  const v = normaliseExchange(rec(request, response), ts);

  it("reads system, turns, blocks and tools", () => {
    expect(v.api).toBe("anthropic.messages");
    expect(v.system).toBe("You are a coding agent.");
    expect(v.turns.map((t) => t.role)).toEqual(["user", "assistant", "tool"]);
    expect(v.turns[0]?.blocks.map((b) => b.type)).toEqual(["text", "image"]);
    expect(v.turns[1]?.blocks).toEqual([{ type: "tool_use", name: "read_file" }]);
    expect(v.turns[2]?.blocks).toEqual([{ type: "tool_result", text: "const a = 1" }]);
    expect(v.tools).toEqual(["read_file"]);
    expect(lastUserText(v)).toBe("Fix the bug");
  });

  it("reads sampling, output and usage", () => {
    expect(v.sampling).toEqual({ maxTokens: 4096, temperature: 0.2, thinkingBudget: 2048 });
    expect(v.output).toEqual({
      text: "Done.",
      thinking: "look at a.ts",
      toolCalls: 1,
      stopReason: "tool_use",
    });
    expect(v.usage).toEqual({ inputTokens: 1200, outputTokens: 300 });
    expect(v.status).toBe(200);
  });
});

describe("normaliseExchange: OpenAI Chat Completions", () => {
  const request = {
    model: "gpt-4o",
    max_completion_tokens: 800,
    reasoning_effort: "high",
    tools: [{ type: "function", function: { name: "search", parameters: {} } }],
    messages: [
      { role: "system", content: "Be brief." },
      { role: "developer", content: "Answer in English." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "search", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c1", content: "a cat" },
    ],
  };
  const response = {
    choices: [{ message: { role: "assistant", content: "A cat." }, finish_reason: "stop" }],
    usage: { prompt_tokens: 90, completion_tokens: 4 },
  };
  const v = normaliseExchange(rec(request, response), ts);

  it("maps roles and parts onto the same view", () => {
    expect(v.api).toBe("openai.chat");
    expect(v.system).toBe("Be brief.\nAnswer in English.");
    expect(v.turns.map((t) => t.role)).toEqual(["user", "assistant", "tool"]);
    expect(v.turns[0]?.blocks.map((b) => b.type)).toEqual(["text", "image"]);
    expect(v.turns[1]?.blocks).toEqual([{ type: "tool_use", name: "search" }]);
    expect(v.turns[2]?.blocks).toEqual([{ type: "tool_result", text: "a cat" }]);
    expect(v.tools).toEqual(["search"]);
    expect(v.sampling).toEqual({ maxTokens: 800, reasoningEffort: "high" });
    expect(v.output?.text).toBe("A cat.");
    expect(v.usage).toEqual({ inputTokens: 90, outputTokens: 4 });
  });
});

describe("inferApi", () => {
  it.each([
    [{ messages: [{ role: "system", content: "x" }] }, undefined, "openai.chat"],
    [{ system: "x", messages: [] }, undefined, "anthropic.messages"],
    [{ messages: [{ role: "user", content: "x" }], max_tokens: 5 }, undefined, "anthropic.messages"],
    [{ messages: [{ role: "user", content: "x" }] }, { choices: [] }, "openai.chat"],
    [{ messages: [{ role: "user", content: "x" }] }, { type: "message", content: [] }, "anthropic.messages"],
    [{ messages: [{ role: "user", content: "x" }], max_completion_tokens: 5 }, undefined, "openai.chat"],
    [
      { messages: [{ role: "user", content: "x" }], max_tokens: 5 },
      { error: { type: "rate_limit_exceeded" } },
      "openai.chat",
    ],
    [
      { messages: [{ role: "user", content: "x" }], max_tokens: 5 },
      { type: "error", error: {} },
      "anthropic.messages",
    ],
    [{ messages: [{ role: "user", content: "x" }] }, undefined, "openai.chat"],
  ])("infers %j", (req, res, api) => expect(inferApi(req, res)).toBe(api));

  it("uses the log's api field over inference", () => {
    const v = normaliseExchange(
      { ...rec({ messages: [{ role: "system", content: "s" }] }), api: "anthropic.messages" },
      ts,
    );
    expect(v.api).toBe("anthropic.messages");
  });

  it("keeps no response as null output and default status", () => {
    const v = normaliseExchange(rec({ messages: "weird", tools: 7 }, null), ts);
    expect(v.output).toBeNull();
    expect(v.turns).toEqual([]);
    expect(v.tools).toEqual([]);
  });
});
