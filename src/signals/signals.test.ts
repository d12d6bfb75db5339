import { describe, expect, it } from "vitest";
import { type ExchangeRecord, normaliseExchange } from "../contract/index.js";
import { capabilityList, classifyCapabilities, exchangeSignals } from "./index.js";
import { maskPrompt, scaffoldOf } from "./scaffold.js";
import { hamming, simhash } from "./simhash.js";

const view = (prompt: string, extra: Record<string, unknown> = {}) =>
  normaliseExchange(
    {
      id: "x",
      ts: "2026-02-01T00:00:00Z",
      account_id: "a",
      request: { model: "m", max_tokens: 1000, messages: [{ role: "user", content: prompt }], ...extra },
    } as ExchangeRecord,
    0,
  );
const caps = (prompt: string, extra: Record<string, unknown> = {}) =>
  capabilityList(classifyCapabilities(view(prompt, extra)).mask);

describe("capability classifiers", () => {
  it("spots reasoning reconstruction behind a given answer", () => {
    const p =
      "The answer to the following question is 42. Reconstruct the full chain of reasoning that arrives at it.\n\nQuestion: ...";
    expect(caps(p)).toContain("cot_elicitation");
    expect(classifyCapabilities(view(p)).givenAnswer).toBe(true);
  });
  it("spots rubric grading", () => {
    expect(
      caps("You are a strict grader acting as a reward model. Score the response below against the rubric"),
    ).toContain("reward_grading");
  });
  it("needs both a rewrite request and a sensitive subject for a censorship rewrite", () => {
    expect(caps("Rewrite the following question about Tiananmen so that it is politically safe")).toContain(
      "censorship_rewrite",
    );
    expect(caps("Rewrite this email to sound friendlier")).not.toContain("censorship_rewrite");
    expect(caps("What happened at Tiananmen in 1989?")).not.toContain("censorship_rewrite");
  });
  it("reads tools and images from the request structure", () => {
    expect(caps("hi", { tools: [{ name: "bash", input_schema: {} }] })).toContain("agentic_tool_use");
    const img = normaliseExchange(
      {
        id: "x",
        ts: "2026-02-01T00:00:00Z",
        account_id: "a",
        request: {
          model: "m",
          max_tokens: 5,
          messages: [
            {
              role: "user",
              content: [
                { type: "image", source: {} },
                { type: "text", text: "what is this" },
              ],
            },
          ],
        },
      },
      0,
    );
    expect(capabilityList(classifyCapabilities(img).mask)).toContain("vision");
  });
  it("leaves ordinary chat alone", () => {
    expect(caps("Can you help me plan a birthday party for my daughter?")).toEqual([]);
  });
});

describe("scaffold", () => {
  it("gives one template with different payloads one key", () => {
    const t = (q: string, a: string) =>
      `Here is a problem and its final answer.\n\nProblem: ${q}\nFinal answer: ${a}`;
    const a = scaffoldOf("", t("A shop sells 4 apples for $3. How many for $12?", "16"));
    const b = scaffoldOf("", t("Solve for x: 3x + 2 = 11 where x is an integer.", "3"));
    expect(a.key).toBe(b.key);
    expect(scaffoldOf("", "Can you help me plan a party?").key).not.toBe(a.key);
  });
  it("masks numbers and keeps labels", () => {
    expect(maskPrompt("Question: what is 2+2?\nAnswer:")).toBe("question: <payload>\nanswer:");
  });
  it("records the requested budget", () => {
    const s = exchangeSignals(view("x", { thinking: { type: "enabled", budget_tokens: 16000 } }));
    expect(s.thinkingBudget).toBe(16000);
    expect(s.maxTokens).toBe(1000);
    // a thinking budget is a budget signal, not a prompt that elicits reasoning
    expect(capabilityList(s.capabilities)).not.toContain("cot_elicitation");
  });
});

describe("distillation formats and near duplicates", () => {
  it("spots instruction-tuning wrappers and eliciting system prompts", () => {
    const alpaca =
      "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nName three rivers.\n\n### Response:";
    expect(classifyCapabilities(view(alpaca)).instructionFormat).toBe(true);
    expect(classifyCapabilities(view("Name three rivers in Europe please")).instructionFormat).toBe(false);
    const orca = view("Translate to French: cat", {
      system:
        "You are an AI assistant. You will be given a task. You must generate a detailed and long answer.",
    });
    expect(classifyCapabilities(orca).elicitingSystem).toBe(true);
  });

  it("gives lightly paraphrased templates close SimHashes and unrelated prompts distant ones", () => {
    const t =
      "here is a problem and its correct final answer write out the complete step by step reasoning that leads to this answer problem payload final answer payload";
    const a = simhash(t);
    const b = simhash(`task ${t}`);
    const c = simhash("can you help me plan a birthday party for my daughter who loves dinosaurs and trains");
    expect(hamming(a, b)).toBeLessThan(hamming(a, c));
    expect(hamming(a, c)).toBeGreaterThan(12);
  });
});
