// The protect action end to end, through both official SDKs, streamed and not: answers
// watermarked with the cohort's key, reasoning traces shielded, every trace signed; other
// callers' answers untouched but their traces signed too.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExchangeRecord } from "../contract/index.js";
import {
  deriveKey,
  isoWeek,
  KeyedChoice,
  occurrencesOf,
  TraceSigner,
  watermarkText,
} from "../protection/index.js";
import {
  type Gateway,
  GatewayProtection,
  keyDigest,
  type MockUpstream,
  Policy,
  startGateway,
  startMockUpstream,
} from "./index.js";

const SECRET = "s".repeat(40);
const T = Date.UTC(2026, 10, 27, 12);
const signer = new TraceSigner(SECRET);
const choice = new KeyedChoice(deriveKey(SECRET, "account:flagged", isoWeek(T)));
let upstream: MockUpstream;
let gateway: Gateway;
const records: ExchangeRecord[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream({ apiKey: "up" });
  const policy = Policy.parse("p", {
    rules: [{ name: "flagged", when: { account_id: ["flagged"] }, action: "protect" }],
  });
  gateway = await startGateway({
    upstreams: {
      anthropic: { url: upstream.url, apiKey: "up" },
      openai: { url: upstream.url, apiKey: "up" },
    },
    keys: [
      { sha256: keyDigest("k-flagged"), accountId: "flagged" },
      { sha256: keyDigest("k-plain"), accountId: "plain" },
    ],
    policy: { current: () => policy },
    protection: new GatewayProtection({
      secret: SECRET,
      shield: "summary",
      watermark: true,
      signAll: true,
      window: "week",
    }),
    now: () => T,
    onExchange: (r) => records.push(r),
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const anthropic = (who: string, base = gateway.url): Anthropic =>
  new Anthropic({ apiKey: base === gateway.url ? `k-${who}` : "up", baseURL: base, maxRetries: 0 });
const openai = (who: string, base = gateway.url): OpenAI =>
  new OpenAI({ apiKey: base === gateway.url ? `k-${who}` : "up", baseURL: `${base}/v1`, maxRetries: 0 });
const ASK = {
  model: "claude-opus-5",
  max_tokens: 2048,
  thinking: { type: "enabled" as const, budget_tokens: 1024 },
  messages: [{ role: "user" as const, content: "How many apples are left if I eat two of five?" }],
};
const CHAT = {
  model: "gpt-4.1-mini",
  reasoning_effort: "medium" as const,
  messages: [{ role: "user" as const, content: "How many apples are left if I eat two of five?" }],
};

type Block = { type: string; text?: string; thinking?: string; distillguard_signature?: string };
const textOf = (blocks: Block[]): string =>
  blocks
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("");
const thinkingOf = (blocks: Block[]): Block => blocks.find((b) => b.type === "thinking") as Block;

describe("protect, Anthropic Messages", () => {
  it("marks the answer with the cohort's key and shields and signs the trace; streamed the same", async () => {
    const direct = (await anthropic("", upstream.url).messages.create(ASK)).content as Block[];
    const plain = textOf(direct);
    const m = (await anthropic("flagged").messages.create(ASK)).content as Block[];
    const marked = textOf(m);
    expect(marked).toBe(watermarkText(plain, choice).text);
    // marked as the library marks (its own tests check the channels); the answer has positions to mark
    expect(occurrencesOf(marked, choice.key).length).toBeGreaterThan(3);
    // the trace: a summary, signed for this account
    const t = thinkingOf(m);
    expect(t.thinking).toContain("[reasoning summarised by the provider");
    expect(t.thinking?.length).toBeLessThan((thinkingOf(direct).thinking as string).length);
    const check = signer.verify(t.thinking as string, t.distillguard_signature, "flagged");
    expect(check).toMatchObject({ status: "valid", accountMatches: true, payload: { s: "summary" } });
    expect(signer.verify(`${t.thinking} (edited)`, t.distillguard_signature).status).toBe("altered");

    // streamed: the same text and trace; the signature rides on the block's stop event
    const stream = anthropic("flagged").messages.stream(ASK);
    let streamSignature: string | undefined;
    stream.on("streamEvent", (e) => {
      const sig = (e as { type: string; distillguard_signature?: string }).distillguard_signature;
      if (e.type === "content_block_stop" && sig) streamSignature = sig;
    });
    const final = (await stream.finalMessage()).content as Block[];
    expect(textOf(final)).toBe(marked);
    expect(thinkingOf(final).thinking).toBe(t.thinking);
    expect(signer.verify(thinkingOf(final).thinking as string, streamSignature, "flagged").status).toBe(
      "valid",
    );
    const rec = records.filter((r) => r.account_id === "flagged").at(-1) as ExchangeRecord & {
      protection?: unknown;
    };
    expect(rec.protection).toMatchObject({ watermark: choice.key.id, shield: "summary", traces_signed: 1 });
  });

  it("leaves other callers' answers and traces as they are, signed", async () => {
    const direct = (await anthropic("", upstream.url).messages.create(ASK)).content as Block[];
    const m = (await anthropic("plain").messages.create(ASK)).content as Block[];
    expect(textOf(m)).toBe(textOf(direct));
    const t = thinkingOf(m);
    expect(t.thinking).toBe(thinkingOf(direct).thinking);
    expect(signer.verify(t.thinking as string, t.distillguard_signature, "plain")).toMatchObject({
      status: "valid",
      accountMatches: true,
      payload: { s: "full" },
    });
    expect(signer.verify(t.thinking as string, t.distillguard_signature, "flagged")).toMatchObject({
      accountMatches: false,
    });
  });
});

describe("protect, OpenAI Chat Completions", () => {
  type Msg = { content: string | null; reasoning_content?: string; reasoning_signature?: string };
  /** A streamed completion's content, reasoning and reasoning signature, as an SDK user reads them. */
  const streamed = async (
    who: string,
  ): Promise<{ content: string; reasoning: string; signature: string | undefined }> => {
    const stream = await openai(who).chat.completions.create({ ...CHAT, stream: true });
    let content = "";
    let reasoning = "";
    let signature: string | undefined;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta as (Msg & { content?: string | null }) | undefined;
      content += d?.content ?? "";
      reasoning += d?.reasoning_content ?? "";
      signature ??= d?.reasoning_signature;
    }
    return { content, reasoning, signature };
  };
  it("marks content and shields and signs reasoning_content; streamed the same", async () => {
    const direct = (await openai("", upstream.url).chat.completions.create(CHAT)).choices[0]?.message as Msg;
    const msg = (await openai("flagged").chat.completions.create(CHAT)).choices[0]?.message as Msg;
    expect(msg.content).toBe(watermarkText(direct.content as string, choice).text);
    expect(msg.reasoning_content).toContain("[reasoning summarised by the provider");
    expect(signer.verify(msg.reasoning_content as string, msg.reasoning_signature, "flagged").status).toBe(
      "valid",
    );

    const { content, reasoning, signature } = await streamed("flagged");
    expect(content).toBe(msg.content);
    expect(reasoning).toBe(msg.reasoning_content);
    expect(signer.verify(reasoning, signature, "flagged").status).toBe("valid");
  });

  it("passes a plain caller's stream unchanged but for the signature", async () => {
    const direct = (await openai("", upstream.url).chat.completions.create(CHAT)).choices[0]?.message as Msg;
    const { content, reasoning, signature } = await streamed("plain");
    expect(content).toBe(direct.content);
    expect(reasoning).toBe(direct.reasoning_content);
    expect(signer.verify(reasoning, signature, "plain")).toMatchObject({
      status: "valid",
      payload: { s: "full" },
    });
  });
});
