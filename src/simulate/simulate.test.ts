import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { inferApi, jsonSchemaDocuments } from "../contract/index.js";
import { type SimulationSummary, simulate } from "./index.js";

const lines = (dir: string, file: string): Record<string, unknown>[] =>
  readFileSync(join(dir, file), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function run(
  seed: number,
  scale = 0.02,
  days = 6,
): Promise<{ dir: string; summary: SimulationSummary }> {
  const dir = mkdtempSync(join(tmpdir(), "dg-sim-"));
  const summary = await simulate({ out: dir, seed, scale, days, workers: false });
  return { dir, summary };
}

function validateScenario(dir: string): void {
  const ajv = new Ajv2020.default({ allErrors: false, strict: false });
  addFormats.default(ajv);
  const docs = jsonSchemaDocuments();
  const validator = (name: string) => ajv.compile(JSON.parse(docs[name] ?? "{}"));
  const checks: [string, string][] = [
    ["exchanges.jsonl", "exchange.schema.json"],
    ["accounts.jsonl", "account.schema.json"],
    ["events.jsonl", "event.schema.json"],
    ["labels.jsonl", "label.schema.json"],
    ["exchange_labels.jsonl", "exchange-label.schema.json"],
  ];
  for (const [file, schema] of checks) {
    const validate = validator(schema);
    for (const row of lines(dir, file))
      expect(validate(row), `${file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }
  const anthropic = validator("anthropic-messages-request.schema.json");
  const openai = validator("openai-chat-request.schema.json");
  const seen = new Set<string>();
  for (const row of lines(dir, "exchanges.jsonl")) {
    const req = row.request as Record<string, unknown>;
    const api = (row.api as string | undefined) ?? inferApi(req, row.response);
    seen.add(api);
    const v = api === "openai.chat" ? openai : anthropic;
    expect(v(req), `${row.id}: ${ajv.errorsText(v.errors)}`).toBe(true);
    // what the log says about the API agrees with the body
    expect(inferApi(req, row.response)).toBe(api);
  }
  expect([...seen].sort()).toEqual(["anthropic.messages", "openai.chat"]);
}

const DATASETS = new URL("../../../shared/datasets", import.meta.url).pathname;

describe("simulate", () => {
  let a: { dir: string; summary: SimulationSummary };
  beforeAll(async () => {
    a = await run(7);
  });

  it("is deterministic per seed and differs across seeds", async () => {
    const again = await run(7);
    const other = await run(8);
    for (const f of [
      "exchanges.jsonl",
      "accounts.jsonl",
      "labels.jsonl",
      "exchange_labels.jsonl",
      "events.jsonl",
    ])
      expect(readFileSync(join(again.dir, f)).equals(readFileSync(join(a.dir, f))), f).toBe(true);
    expect(
      readFileSync(join(other.dir, "exchanges.jsonl")).equals(readFileSync(join(a.dir, "exchanges.jsonl"))),
    ).toBe(false);
  });

  it("writes every file valid against the generated JSON Schemas, requests against their API's schema", () => {
    validateScenario(a.dir);
  });

  it.skipIf(!existsSync(DATASETS))("does the same with real prompts (needs ../shared/datasets)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-simp-"));
    const s = await simulate({ out: dir, seed: 4, scale: 0.02, days: 4, workers: false, prompts: DATASETS });
    expect(s.text).toBe("datasets");
    validateScenario(dir);
  });

  it("has every population and campaign, time-ordered unique exchanges, and exact exchange labels", () => {
    const labels = new Map(lines(a.dir, "labels.jsonl").map((l) => [l.account_id as string, l]));
    const pops = new Set([...labels.values()].map((l) => l.population));
    expect([...pops].sort()).toEqual(
      [
        "agentic",
        "batch",
        "consumers",
        "developers",
        "enterprise",
        "eval_lab",
        "hydra",
        "reasoning",
        "reseller_customers",
        "university",
        // the slow sweep is one implementation of its family (drawn per seed)
        ...(a.summary.variants.sweep === "slow" ? ["sweep"] : []),
      ].sort(),
    );
    const exchanges = lines(a.dir, "exchanges.jsonl");
    const ids = new Set<string>();
    let prev = "";
    let campaign = 0;
    for (const x of exchanges) {
      ids.add(x.id as string);
      expect((x.ts as string) >= prev).toBe(true);
      prev = x.ts as string;
      const l = labels.get(x.account_id as string);
      expect(l, `account ${x.account_id} has a label`).toBeDefined();
      if (l?.campaign) campaign++;
    }
    expect(ids.size).toBe(exchanges.length);
    const xl = lines(a.dir, "exchange_labels.jsonl");
    expect(xl.length).toBe(campaign);
    for (const e of xl) expect(ids.has(e.id as string)).toBe(true);
    for (const [name, p] of Object.entries(a.summary.populations))
      expect(p.exchanges, name).toBeGreaterThan(0);
  });

  it("gives students follow-ups about the problem at hand, seldom word for word the same twice", () => {
    const students = new Set(
      lines(a.dir, "labels.jsonl")
        .filter((l) => l.population === "university")
        .map((l) => l.account_id as string),
    );
    const byStudent = new Map<string, string[]>();
    for (const x of lines(a.dir, "exchanges.jsonl")) {
      if (!students.has(x.account_id as string)) continue;
      const messages = (x.request as { messages: { role: string; content: unknown }[] }).messages;
      if (messages.length < 3) continue;
      const last = messages[messages.length - 1];
      const text = typeof last?.content === "string" ? last.content : JSON.stringify(last?.content);
      byStudent.set(x.account_id as string, [...(byStudent.get(x.account_id as string) ?? []), text]);
    }
    let all = 0;
    let distinct = 0;
    for (const texts of byStudent.values()) {
      all += texts.length;
      distinct += new Set(texts).size;
    }
    expect(all).toBeGreaterThan(50);
    // ten phrasings filled from each problem's numbers: most follow-ups are distinct
    expect(distinct / all).toBeGreaterThan(0.6);
  });

  it("releases a model partway through and the hydra moves at least half its distillation traffic within 24 hours", () => {
    const events = lines(a.dir, "events.jsonl");
    const release = events.find((e) => e.model === a.summary.release.model);
    expect(release?.type).toBe("model_release");
    const rel = Date.parse(release?.ts as string);
    expect(rel).toBeGreaterThan(Date.parse(a.summary.start));
    expect(rel).toBeLessThan(Date.parse(a.summary.end) - 24 * 3600_000);
    const hydra = new Set(
      lines(a.dir, "labels.jsonl")
        .filter((l) => l.campaign === "hydra")
        .map((l) => l.account_id),
    );
    let after = 0;
    let onNew = 0;
    for (const x of lines(a.dir, "exchanges.jsonl")) {
      const t = Date.parse(x.ts as string);
      if (!hydra.has(x.account_id) || t < rel + 24 * 3600_000) continue;
      after++;
      if ((x.request as { model: string }).model === a.summary.release.model) onNew++;
    }
    const params = a.summary.params.hydra ?? {};
    const distillShare = 1 - Number(params.camouflage);
    expect(after).toBeGreaterThan(50);
    // at least half of the distillation (non-camouflage) traffic is on the new model
    expect(onNew / after / distillShare).toBeGreaterThanOrEqual(0.5);
  });

  it("keeps campaign accounts' sign-up and traffic consistent with the accounts file", () => {
    const accounts = new Map(lines(a.dir, "accounts.jsonl").map((r) => [r.account_id as string, r]));
    for (const x of lines(a.dir, "exchanges.jsonl")) {
      const acct = accounts.get(x.account_id as string);
      expect(acct).toBeDefined();
      expect(Date.parse(acct?.created_at as string)).toBeLessThanOrEqual(Date.parse(x.ts as string));
    }
  });

  it("writes the same bytes from worker threads as in-process", async () => {
    const dist = new URL("../../dist/simulate/index.js", import.meta.url);
    if (!existsSync(dist)) {
      // the worker runs compiled code; `npm test` builds it first
      expect.soft(existsSync(dist), "dist/ not built: worker mode not checked").toBe(false);
      return;
    }
    const mod = (await import(dist.href)) as typeof import("./index.js");
    const dir = mkdtempSync(join(tmpdir(), "dg-simw-"));
    const s = await mod.simulate({ out: dir, seed: 7, scale: 0.02, days: 6, workers: true });
    expect(s.workers).toBe(true);
    for (const f of ["exchanges.jsonl", "exchange_labels.jsonl", "accounts.jsonl"])
      expect(readFileSync(join(dir, f)).equals(readFileSync(join(a.dir, f))), f).toBe(true);
  });
});

describe("a family of worlds", () => {
  const followUpShare = (dir: string, population: string): number => {
    const who = new Set(
      lines(dir, "labels.jsonl")
        .filter((l) => l.population === population)
        .map((l) => l.account_id),
    );
    let n = 0;
    let multi = 0;
    for (const x of lines(dir, "exchanges.jsonl")) {
      if (!who.has(x.account_id)) continue;
      n++;
      const req = x.request as { messages?: { role: string; content: unknown }[] };
      const msgs = req.messages ?? [];
      const last = msgs[msgs.length - 1];
      if (
        msgs.some((m) => m.role === "assistant") &&
        last?.role === "user" &&
        typeof last.content === "string"
      )
        multi++;
    }
    return n === 0 ? 0 : multi / n;
  };

  it("implements each family as forced: relays mixed with their customers, a slow sweep, continued agent tasks", async () => {
    const base = { seed: 3, scale: 0.03, days: 5, workers: false } as const;
    const on = mkdtempSync(join(tmpdir(), "dg-fam-on-"));
    const off = mkdtempSync(join(tmpdir(), "dg-fam-off-"));
    const s = await simulate({
      ...base,
      out: on,
      variants: { relay: "mixed", sweep: "slow", agentic_tasks: "continued", phrasing: "humanised" },
    });
    const t = await simulate({
      ...base,
      out: off,
      variants: { relay: "separate", sweep: "none", agentic_tasks: "fresh", phrasing: "templated" },
    });
    expect(s.variants).toMatchObject({ relay: "mixed", sweep: "slow", agentic_tasks: "continued" });
    expect(t.variants).toMatchObject({ relay: "separate", sweep: "none", agentic_tasks: "fresh" });
    // mixed relays carry their customers' conversations; separate ones do not
    expect(followUpShare(on, "hydra")).toBeGreaterThan(0.1);
    expect(followUpShare(off, "hydra")).toBeLessThan(0.02);
    // continued agent tasks resume with a follow-up on the transcript, fresh ones never do
    expect(followUpShare(on, "agentic")).toBeGreaterThan(followUpShare(off, "agentic"));
    expect(s.populations.sweep?.accounts ?? 0).toBeGreaterThan(0);
    expect(s.populations.sweep?.exchanges ?? 0).toBeGreaterThan(0);
    expect(t.populations.sweep?.accounts ?? 0).toBe(0);
    await expect(simulate({ ...base, out: off, variants: { relay: "sideways" } })).rejects.toThrow(
      /family relay has no implementation sideways/,
    );
  });
});
