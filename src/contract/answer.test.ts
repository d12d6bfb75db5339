// The shared response model: where each API's body keeps answer text and reasoning traces,
// read and rewritten in place, signatures where each API carries them.
import { describe, expect, it } from "vitest";
import { answerParts, messageParts, responseKind } from "./answer.js";

describe("answer parts", () => {
  it("reads and rewrites an Anthropic message's text blocks and thinking blocks", () => {
    const body = {
      type: "message",
      content: [
        { type: "thinking", thinking: "step 1", signature: "anthropic-sig" },
        { type: "text", text: "Paris" },
        { type: "tool_use", name: "search", input: {} },
        { type: "text", text: "is the capital" },
      ],
    };
    expect(responseKind(body)).toBe("anthropic");
    const parts = answerParts("anthropic", body);
    expect(parts.map((p) => [p.kind, p.text])).toEqual([
      ["reasoning", "step 1"],
      ["text", "Paris"],
      ["text", "is the capital"],
    ]);
    parts[0]?.set("summary");
    parts[0]?.sign("dg-sig");
    parts[1]?.set("PARIS");
    expect(body.content[0]).toEqual({
      type: "thinking",
      thinking: "summary",
      signature: "anthropic-sig",
      distillguard_signature: "dg-sig",
    });
    expect(body.content[1]).toEqual({ type: "text", text: "PARIS" });
    expect(answerParts("anthropic", body)[0]?.signature).toBe("dg-sig");
  });

  it("reads every OpenAI choice: content (string or text parts) and the first non-empty reasoning field", () => {
    const body = {
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "42", reasoning_content: "", reasoning: "because" },
        },
        { index: 1, message: { role: "assistant", content: [{ type: "text", text: "forty-two" }] } },
        { index: 2, message: { role: "assistant", content: null, tool_calls: [] } },
      ],
    };
    expect(responseKind(body)).toBe("openai");
    const parts = answerParts("openai", body);
    expect(parts.map((p) => [p.choice, p.kind, p.text])).toEqual([
      [0, "text", "42"],
      [0, "reasoning", "because"],
      [1, "text", "forty-two"],
    ]);
    parts[1]?.sign("dg-sig");
    parts[2]?.set("FORTY-TWO");
    expect(body.choices[0]?.message).toMatchObject({ reasoning: "because", reasoning_signature: "dg-sig" });
    expect(body.choices[1]?.message.content).toEqual([{ type: "text", text: "FORTY-TWO" }]);
  });

  it("tells one OpenAI message from an Anthropic message, and reads nothing from other shapes", () => {
    const message = { role: "assistant", content: [{ type: "text", text: "hi" }], reasoning_content: "r" };
    expect(responseKind(message)).toBeUndefined();
    expect(messageParts(message).map((p) => p.kind)).toEqual(["text", "reasoning"]);
    expect(responseKind({ text: "plain" })).toBeUndefined();
    expect(answerParts("anthropic", { content: "a string answer" }).map((p) => p.text)).toEqual([
      "a string answer",
    ]);
    expect(answerParts("openai", { choices: "nope" })).toEqual([]);
  });
});
