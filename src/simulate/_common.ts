// Helpers shared by populations and campaigns: accounts, user agents, conversations.
import type { AccountRecord, Api, Pathway } from "../contract/index.js";
import { at } from "../contract/index.js";
import * as B from "./_builtin-text.js";
import type { Draft, Msg, Part, SimAccount, SimContext, ToolUse } from "./_model.js";
import { DAY, tokens } from "./_model.js";
import type { IpInfo } from "./_net.js";
import type { Rng } from "./_rng.js";

export const SDK_UAS = [
  "Anthropic/Python 0.39.0",
  "Anthropic/Python 0.40.0",
  "Anthropic/JS 0.32.1",
  "OpenAI/Python 1.54.3",
  "OpenAI/Python 1.51.2",
  "OpenAI/NodeJS 4.73.0",
  "LibreChat/0.7.5",
  "TypingMind/2.1.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
];

export const AGENT_UAS = [
  "claude-cli/1.0.44 (external, cli)",
  "claude-cli/1.0.51 (external, cli)",
  "Cline/3.17.2",
  "aider/0.82.1",
  "Continue/1.0.8",
  "opencode/0.3.1",
  "Zed/0.190.5",
];

export const CONSUMER_EMAIL = [
  ["gmail.com", 40],
  ["outlook.com", 10],
  ["yahoo.com", 6],
  ["icloud.com", 6],
  ["hotmail.com", 5],
  ["proton.me", 3],
  ["gmx.de", 2],
  ["naver.com", 2],
] as const;

export interface AccountSpec {
  readonly population: string;
  readonly campaign: string | null;
  readonly createdMs: number;
  readonly tz: number;
  readonly orgId?: string;
  readonly pathway: Pathway;
  readonly verified: boolean;
  readonly emailDomain: string;
  readonly payment?: string;
  readonly signupIp: string;
  readonly signupCountry: string;
  readonly keys?: number;
}

export function makeAccount(ctx: SimContext, rng: Rng, s: AccountSpec): SimAccount {
  const id = ctx.newId(rng, "acct_");
  const record: AccountRecord = {
    account_id: id,
    created_at: new Date(s.createdMs).toISOString(),
    ...(s.orgId === undefined ? {} : { org_id: s.orgId }),
    pathway: s.pathway,
    verified: s.verified,
    email_domain: s.emailDomain,
    ...(s.payment === undefined ? {} : { payment_fingerprint: s.payment }),
    signup_ip: s.signupIp,
    signup_country: s.signupCountry,
  };
  const keyIds = Array.from({ length: s.keys ?? 1 }, () => ctx.newId(rng, "key_"));
  return {
    id,
    population: s.population,
    campaign: s.campaign,
    record,
    createdMs: s.createdMs,
    tz: s.tz,
    keyIds,
  };
}

export function payment(ctx: SimContext, rng: Rng): string {
  return ctx.newId(rng, "pf_");
}

/** Sign-up time: most accounts predate the log, some join during it. */
export function signupTime(ctx: SimContext, rng: Rng, joinDuringShare: number): number {
  if (rng.chance(joinDuringShare)) return ctx.start + rng.next() * (ctx.end - ctx.start) * 0.8;
  return ctx.start - rng.exponential(200) * DAY - rng.next() * DAY;
}

export interface TurnSpec {
  readonly ts: number;
  readonly acct: SimAccount;
  readonly api: Api;
  readonly model: string;
  readonly system?: string | undefined;
  readonly messages: readonly Msg[];
  readonly tools?: readonly string[] | undefined;
  readonly maxTokens: number;
  readonly temperature?: number | undefined;
  readonly thinkingBudget?: number | undefined;
  readonly outTokens: number;
  readonly outText?: string | undefined;
  readonly toolUse?: ToolUse | undefined;
  readonly thinking?: boolean | undefined;
  readonly net: IpInfo;
  readonly ua: string;
  readonly status?: number | undefined;
  /** for campaign traffic: what the exchange is to the attacker (default: harvest) */
  readonly part?: Part | undefined;
}

/** A draft with generated output text of about the requested length. */
export function draft(rng: Rng, s: TurnSpec): Draft {
  return {
    ts: s.ts,
    acct: s.acct,
    api: s.api,
    model: s.model,
    system: s.system,
    messages: s.messages,
    tools: s.tools,
    maxTokens: s.maxTokens,
    temperature: s.temperature,
    thinkingBudget: s.thinkingBudget,
    out: {
      text: s.toolUse ? "" : (s.outText ?? B.prose(rng, s.outTokens)),
      thinking: s.thinking ? B.prose(rng, Math.min(400, s.outTokens), 320) : undefined,
      toolUse: s.toolUse,
    },
    outTokens: s.outTokens,
    status: s.status ?? 200,
    part: s.part,
    net: s.net,
    ua: s.ua,
    keyId: s.acct.keyIds.length === 1 ? at(s.acct.keyIds, 0) : rng.pick(s.acct.keyIds),
  };
}

/** Keeps an agent's context bounded, as real agents compact their history. */
export function window(msgs: readonly Msg[], keep: number): Msg[] {
  if (msgs.length <= keep) return [...msgs];
  // keep the task statement and the most recent messages; the cut must start on a user turn
  let from = msgs.length - keep;
  while (from < msgs.length && (msgs[from]?.role !== "assistant" || msgs[from]?.toolUse === undefined))
    from++;
  const first = msgs[0];
  return first ? [first, ...msgs.slice(from)] : msgs.slice(from);
}

export function toolUseFor(ctx: SimContext, rng: Rng, name: string): ToolUse {
  const input: Record<string, unknown> =
    name === "bash"
      ? {
          command: rng.pick([
            "npm test",
            "pytest -q",
            "go test ./...",
            "cargo build",
            "ls -la",
            "git status",
          ]),
        }
      : name === "grep"
        ? { pattern: rng.pick(["TODO", "retry", "export function", "def parse", "timeout"]) }
        : name === "edit_file" || name === "write_file"
          ? { path: B.fileName(rng), old: "return null;", new: "return [];" }
          : name === "search" || name === "wikipedia"
            ? { query: B.toolTask(rng).slice(0, 40) }
            : name === "calculator"
              ? { expression: `${rng.int(2, 999)} * ${rng.int(2, 99)}` }
              : name === "get_weather"
                ? { city: rng.pick(["Lagos", "Osaka", "Porto"]) }
                : { path: B.fileName(rng) };
  return { id: ctx.newId(rng, "toolu_"), name, input };
}

export function toolResultText(rng: Rng, name: string): string {
  if (name === "bash" || name === "run_tests")
    return rng.chance(0.5)
      ? `${rng.int(3, 120)} passed, ${rng.int(0, 4)} failed\nFAIL src/api/users.test.ts > returns 404`
      : "Build succeeded.";
  if (name === "read_file" || name === "grep") return B.codeSnippet(rng, rng.int(4, 14));
  if (name === "search" || name === "wikipedia") return B.prose(rng, 60, 300);
  if (name === "calculator") return String(rng.int(100, 99999));
  return "ok";
}

export function outLen(rng: Rng, median: number, sigma: number, max = 32000): number {
  return Math.max(5, Math.min(max, Math.round(rng.lognormal(median, sigma))));
}

export { tokens };
