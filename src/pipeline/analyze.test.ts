import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { findJsonl, type InputIssue, jsonSchemaDocuments } from "../contract/index.js";
import { evaluate } from "../eval/index.js";
import { simulate } from "../simulate/index.js";
import { analyze } from "./index.js";

describe("simulate → analyze → eval", () => {
  it("round-trips, writes verdicts valid against their schemas, and never reads the ground truth", async () => {
    const scen = mkdtempSync(join(tmpdir(), "dg-rt-"));
    await simulate({ out: scen, seed: 3, scale: 0.02, days: 4, workers: false });
    // poison the ground truth: reading it would surface as input issues
    writeFileSync(
      join(scen, "labels.jsonl"),
      `${readFileSync(join(scen, "labels.jsonl"), "utf8")}not json\n`,
    );
    const out = join(scen, "pred");
    const issues: InputIssue[] = [];
    const exchanges = findJsonl(scen, "exchanges") ?? "";
    const censuses: { exchanges: number; profiles: number; memberships: number }[] = [];
    const summary = await analyze({
      inputs: { exchanges, accounts: findJsonl(scen, "accounts"), events: findJsonl(scen, "events") },
      out,
      onIssue: (i) => issues.push(i),
      census: {
        every: 1000,
        report: (c, n) =>
          censuses.push({ exchanges: n, profiles: c.profiles, memberships: c.groups.memberships }),
      },
    });
    expect(issues).toEqual([]);
    const lineCount = readFileSync(exchanges, "utf8").trim().split("\n").length;
    expect(summary.exchanges).toBe(lineCount);
    // the census hook: every 1,000 exchanges, then once after the final judgement
    expect(censuses.length).toBe(Math.floor(lineCount / 1000) + 1);
    expect(censuses.map((c) => c.exchanges)).toEqual([
      ...Array.from({ length: Math.floor(lineCount / 1000) }, (_, i) => (i + 1) * 1000),
      lineCount,
    ]);
    expect(censuses.at(-1)?.profiles).toBe(summary.accounts);
    for (let i = 1; i < censuses.length; i++)
      expect(censuses[i]?.memberships).toBeGreaterThanOrEqual(censuses[i - 1]?.memberships ?? 0);

    const ajv = new Ajv2020.default({ strict: false });
    addFormats.default(ajv);
    const docs = jsonSchemaDocuments();
    const account = ajv.compile(JSON.parse(docs["verdict-account.schema.json"] ?? "{}"));
    const verdicts = readFileSync(join(out, "accounts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(verdicts.length).toBe(summary.accounts);
    for (const v of verdicts) expect(account(v), ajv.errorsText(account.errors)).toBe(true);
    const campaigns = ajv.compile(JSON.parse(docs["campaigns.schema.json"] ?? "{}"));
    const file = JSON.parse(readFileSync(join(out, "campaigns.json"), "utf8"));
    expect(campaigns(file), ajv.errorsText(campaigns.errors)).toBe(true);
    // every flagged account has reasons, strongest first, and a first_flagged_at
    for (const v of verdicts.filter((x: { flagged: boolean }) => x.flagged)) {
      expect(v.reasons.length).toBeGreaterThan(0);
      expect(v.first_flagged_at).not.toBeNull();
      const w = v.reasons.map((r: { weight: number }) => r.weight);
      expect(w).toEqual([...w].sort((a: number, b: number) => b - a));
    }

    const ev: InputIssue[] = [];
    const r = await evaluate(scen, out, (i) => ev.push(i));
    expect(ev.map((i) => i.code)).toEqual(["E_JSON"]);
    expect(r.accounts.total).toBeGreaterThan(100);
    for (const x of [r.precision, r.recall, r.exchangeRecall, r.preventedShare]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(readFileSync(join(out, "report.html"), "utf8")).not.toMatch(/https?:\/\/(?!distillguard)/);
  });
});
