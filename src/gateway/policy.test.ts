// Policy: each action's effect as a client sees it through the official SDKs, dry runs,
// rules on the account's standing, and a policy file reloaded on change.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../_test-wait.js";
import type { AccountRecord } from "../contract/index.js";
import {
  type Caller,
  type Decision,
  type Gateway,
  keyDigest,
  Policy,
  PolicyError,
  PolicyFileWatch,
  startGateway,
  startMockUpstream,
} from "./index.js";
import type { MockUpstream } from "./mock-upstream.js";

const RULES = {
  rules: [
    { name: "suspended", when: { account_id: ["blocked"] }, action: "block" },
    {
      name: "programme accounts verify",
      when: { pathway: ["education"], verified: false },
      action: "challenge",
    },
    {
      name: "slow down",
      when: { account_id: ["throttled"] },
      action: "throttle",
      per_account: { requests: 2, per_seconds: 60 },
    },
    { name: "shield outputs", when: { account_id: ["protected"] }, action: "protect" },
  ],
  default: "allow",
};
const ACCOUNTS = ["blocked", "student", "throttled", "protected", "plain"];
const accounts = new Map<string, AccountRecord>([
  ["student", { account_id: "student", pathway: "education", verified: false }],
]);

let upstream: MockUpstream;
let gateway: Gateway;
let dry: Gateway;
const decisions: { d: Decision; acted: boolean; dry: boolean }[] = [];
const protectedCalls: Caller[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream({ apiKey: "up" });
  const base = {
    upstreams: {
      anthropic: { url: upstream.url, apiKey: "up" },
      openai: { url: upstream.url, apiKey: "up" },
    },
    keys: ACCOUNTS.map((a) => ({ sha256: keyDigest(`key-${a}`), accountId: a })),
    accounts,
    protect: (c: Caller) => protectedCalls.push(c),
  };
  const policy = Policy.parse("test", RULES);
  gateway = await startGateway({
    ...base,
    policy: { current: () => policy },
    onDecision: (d, _c, acted) => decisions.push({ d, acted, dry: false }),
  });
  const dryPolicy = Policy.parse("test", RULES);
  dry = await startGateway({
    ...base,
    policy: { current: () => dryPolicy },
    dryRun: true,
    onDecision: (d, _c, acted) => decisions.push({ d, acted, dry: true }),
  });
});

afterAll(async () => {
  await gateway.close();
  await dry.close();
  await upstream.close();
});

const anthropic = (a: string, g = gateway): Anthropic =>
  new Anthropic({ apiKey: `key-${a}`, baseURL: g.url, maxRetries: 0 });
const openai = (a: string, g = gateway): OpenAI =>
  new OpenAI({ apiKey: `key-${a}`, baseURL: `${g.url}/v1`, maxRetries: 0 });
const ask = {
  model: "claude-opus-5",
  max_tokens: 50,
  messages: [{ role: "user" as const, content: "hello" }],
};
const chat = { model: "gpt-4.1-mini", messages: [{ role: "user" as const, content: "hello" }] };

async function failure(
  p: Promise<unknown>,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status: number; error: Record<string, unknown>; headers?: Headers };
    return { status: e.status, body: e.error, headers: e.headers };
  }
  throw new Error("the request succeeded");
}

describe("policy actions, as the client sees them", () => {
  it("block: a 403 permission error naming the rule", async () => {
    const before = upstream.requests.length;
    const f = await failure(anthropic("blocked").messages.create(ask));
    expect(f.status).toBe(403);
    expect(f.body).toMatchObject({
      type: "error",
      error: { type: "permission_error" },
      distillguard: { action: "block", rule: "suspended" },
    });
    await expect(anthropic("blocked").messages.create(ask)).rejects.toBeInstanceOf(
      Anthropic.PermissionDeniedError,
    );
    expect(upstream.requests.length).toBe(before);
  });

  it("challenge: a 403 asking for verification, machine-readable", async () => {
    const f = await failure(openai("student").chat.completions.create(chat));
    expect(f.status).toBe(403);
    expect(f.body).toMatchObject({
      distillguard: { action: "challenge", verification: "required", rule: "programme accounts verify" },
    });
    await expect(openai("student").chat.completions.create(chat)).rejects.toBeInstanceOf(
      OpenAI.PermissionDeniedError,
    );
  });

  it("throttle: the bucket's requests pass, then 429 with retry-after", async () => {
    const c = openai("throttled");
    expect((await c.chat.completions.create(chat)).choices[0]?.message.content).toContain("hello");
    await c.chat.completions.create(chat);
    const f = await failure(c.chat.completions.create(chat));
    expect(f.status).toBe(429);
    expect(Number(f.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(f.body).toMatchObject({ distillguard: { action: "throttle", rule: "slow down" } });
    // another account has its own bucket
    await openai("plain").chat.completions.create(chat);
  });

  it("protect: the answer arrives and the protection hook is called", async () => {
    const n = protectedCalls.length;
    const m = await anthropic("protected").messages.create(ask);
    expect(m.content[0]?.type).toBe("text");
    expect(protectedCalls.length).toBe(n + 1);
    expect(protectedCalls.at(-1)?.accountId).toBe("protected");
  });

  it("dry run: decides and logs, never acts", async () => {
    const m = await anthropic("blocked", dry).messages.create(ask);
    expect(m.type).toBe("message");
    const last = decisions.filter((x) => x.dry).at(-1);
    expect(last?.d.action).toBe("block");
    expect(last?.acted).toBe(false);
    expect(decisions.filter((x) => !x.dry && x.d.action === "block").every((x) => x.acted)).toBe(true);
  });
});

describe("policy rules and files", () => {
  it("matches on the account's standing: risk, flag, campaign, signal", async () => {
    const p = Policy.parse("t", {
      rules: [
        { name: "campaign", when: { campaign: "C002" }, action: "block" },
        {
          name: "extraction",
          when: { signal: "extraction_prompts", risk_at_least: 0.7 },
          action: "challenge",
        },
        { name: "risky", when: { risk_at_least: 0.5, flagged: true }, action: "protect" },
      ],
    });
    const subject = (risk: number, flagged: boolean, campaignId: string | null, signals: string[]) => ({
      accountId: "a",
      orgId: undefined,
      account: undefined,
      standing: {
        risk,
        flagged,
        campaignId,
        reasons: signals.map((signal) => ({ signal, detail: "", weight: 1 })),
      },
    });
    expect((await p.decide(subject(0.9, true, "C002", []))).action).toBe("block");
    const d = await p.decide(subject(0.8, true, null, ["extraction_prompts"]));
    expect(d).toMatchObject({ action: "challenge", rule: "extraction" });
    expect(d.reasons).toEqual(["risk 0.80 ≥ 0.7", "signal extraction_prompts"]);
    expect((await p.decide(subject(0.6, true, null, []))).action).toBe("protect");
    expect(await p.decide(subject(0.6, false, null, []))).toEqual({
      action: "allow",
      rule: "default",
      reasons: [],
    });
    expect(
      (await p.decide({ accountId: "new", orgId: undefined, account: undefined, standing: undefined }))
        .action,
    ).toBe("allow");
  });

  it("says which field is wrong", () => {
    expect(() => Policy.parse("p.json", { rules: [{ name: "x", when: {}, action: "nuke" }] })).toThrow(
      /^p\.json: \/rules\/0\/action/,
    );
    expect(() =>
      Policy.parse("p.json", { rules: [{ name: "x", when: { risk_at_least: 2 }, action: "block" }] }),
    ).toThrow(/\/rules\/0\/when\/risk_at_least/);
    expect(() => Policy.parse("p.json", { rules: [{ name: "x", when: {}, action: "throttle" }] })).toThrow(
      "p.json: /rules/0: a throttle rule needs per_account or per_campaign",
    );
    expect(() => Policy.parse("p.json", { rules: [], extra: true })).toThrow(PolicyError);
  });

  it("keeps a throttle rule's buckets across a reload when its limits are unchanged, and not when they change", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-policy-"));
    const file = join(dir, "policy.json");
    const throttle = {
      name: "slow",
      when: {},
      action: "throttle",
      per_account: { requests: 2, per_seconds: 60 },
    };
    writeFileSync(file, JSON.stringify({ rules: [throttle] }));
    const watch = new PolicyFileWatch(file, () => {}, 10_000);
    const who = { accountId: "a", orgId: undefined, account: undefined, standing: undefined };
    try {
      expect((await watch.current().decide(who)).action).toBe("throttle");
      expect((await watch.current().decide(who)).limited).toBeUndefined();
      expect((await watch.current().decide(who)).limited?.bucket).toBe("account");
      // a touch, and an edit that moves the rule below a new one: the allowance stays spent
      watch.reload();
      expect((await watch.current().decide(who)).limited?.bucket).toBe("account");
      writeFileSync(
        file,
        JSON.stringify({ rules: [{ name: "other", when: { campaign: "C9" }, action: "block" }, throttle] }),
      );
      watch.reload();
      expect((await watch.current().decide(who)).limited?.bucket).toBe("account");
      // new limits: a new bucket
      writeFileSync(
        file,
        JSON.stringify({ rules: [{ ...throttle, per_account: { requests: 5, per_seconds: 60 } }] }),
      );
      watch.reload();
      expect((await watch.current().decide(who)).limited).toBeUndefined();
    } finally {
      watch.close();
    }
  });

  it("reloads a changed file; a broken edit keeps the last good policy and says why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-policy-"));
    const file = join(dir, "policy.json");
    writeFileSync(file, JSON.stringify({ rules: [] }));
    const errors: (PolicyError | undefined)[] = [];
    const watch = new PolicyFileWatch(file, (e) => errors.push(e), 20);
    const who = { accountId: "a", orgId: undefined, account: undefined, standing: undefined };
    try {
      expect((await watch.current().decide(who)).action).toBe("allow");
      writeFileSync(file, JSON.stringify({ rules: [{ name: "all", when: {}, action: "block" }] }));
      await waitFor(() => errors.length > 0, "the policy file's reload");
      // one write may reach the watcher as one change event or two (truncate, then write):
      // every reload it caused succeeded
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e === undefined)).toBe(true);
      expect((await watch.current().decide(who)).action).toBe("block");
      writeFileSync(file, "{ broken");
      watch.reload();
      expect(errors.at(-1)?.message).toMatch(/policy\.json: not JSON/);
      expect((await watch.current().decide(who)).action).toBe("block");
    } finally {
      watch.close();
    }
  });
});
