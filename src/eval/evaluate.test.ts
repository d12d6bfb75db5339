import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adjustedRandIndex } from "./evaluate.js";
import { evaluate } from "./index.js";

const jsonl = (rows: object[]): string => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;

describe("adjustedRandIndex", () => {
  it("is 1 for identical partitions, whatever the names", () => {
    expect(adjustedRandIndex(["a", "a", "b", "b"], ["x", "x", "y", "y"])).toBe(1);
  });
  it("matches a worked example", () => {
    // sklearn.metrics.adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
    expect(adjustedRandIndex(["0", "0", "1", "1"], ["0", "0", "1", "2"])).toBeCloseTo(0.5714285714, 9);
  });
  it("is below zero for a partition that splits every true group", () => {
    expect(adjustedRandIndex(["a", "a", "b", "b"], ["x", "y", "x", "y"])).toBeLessThan(0);
  });
});

describe("evaluate", () => {
  function scenario(withJoin: boolean): { scen: string; pred: string } {
    const scen = mkdtempSync(join(tmpdir(), "dg-eval-"));
    const pred = mkdtempSync(join(tmpdir(), "dg-pred-"));
    writeFileSync(
      join(scen, "labels.jsonl"),
      jsonl([
        { account_id: "c1", population: "hydra", campaign: "hydra" },
        { account_id: "c2", population: "hydra", campaign: "hydra" },
        { account_id: "c3", population: "reasoning", campaign: "reasoning" },
        { account_id: "c4", population: "reasoning", campaign: "reasoning" },
        { account_id: "b1", population: "consumers", campaign: null },
        { account_id: "b2", population: "consumers", campaign: null },
        { account_id: "b3", population: "eval_lab", campaign: null },
        { account_id: "quiet", population: "consumers", campaign: null },
      ]),
    );
    const ex = (id: string, account: string, ts: string, part?: string) => ({
      id,
      account_id: account,
      ts,
      campaign: account === "c1" || account === "c2" ? "hydra" : "reasoning",
      ...(part === undefined ? {} : { part }),
    });
    const xl = [
      ex("e1", "c1", "2026-02-01T00:00:00Z", "harvest"),
      ex("e2", "c1", "2026-02-01T02:00:00Z", "cover"),
      ex("e3", "c2", "2026-02-01T00:00:00Z", "chained"),
      ex("e4", "c3", "2026-02-01T00:00:00Z"),
      ex("e5", "c4", "2026-02-01T00:00:00Z", "customer"),
    ];
    if (withJoin) {
      writeFileSync(
        join(scen, "exchange_labels.jsonl"),
        jsonl(xl.map(({ ts: _ts, account_id: _a, ...label }) => label)),
      );
      writeFileSync(
        join(scen, "exchanges.jsonl"),
        jsonl(xl.map((e) => ({ id: e.id, ts: e.ts, account_id: e.account_id, request: {} }))),
      );
    } else writeFileSync(join(scen, "exchange_labels.jsonl"), jsonl(xl));
    const v = (id: string, flagged: boolean, campaign: string | null, first: string | null) => ({
      account_id: id,
      risk: flagged ? 0.9 : 0.1,
      flagged,
      campaign_id: campaign,
      first_flagged_at: first,
      reasons: [],
    });
    writeFileSync(
      join(pred, "accounts.jsonl"),
      jsonl([
        v("c1", true, "K1", "2026-02-01T01:00:00Z"),
        v("c2", true, "K1", "2026-02-01T00:00:00Z"),
        v("c3", true, "K2", "2026-02-01T00:00:00Z"),
        // c4 is missing: a campaign account with traffic and no verdict counts as missed
        v("b1", false, null, null),
        v("b2", true, null, "2026-02-01T00:00:00Z"),
        v("b3", false, null, null),
      ]),
    );
    return { scen, pred };
  }

  it.each([false, true])("computes every figure (labels joined with exchanges: %s)", async (withJoin) => {
    const { scen, pred } = scenario(withJoin);
    const r = await evaluate(scen, pred, () => {});
    expect(r.accounts).toEqual({ total: 7, campaign: 4, benign: 3 });
    expect(r.precision).toBeCloseTo(3 / 4);
    expect(r.recall).toBeCloseTo(3 / 4);
    expect(r.recallByCampaign).toEqual({
      hydra: { accounts: 2, recall: 1 },
      reasoning: { accounts: 2, recall: 0.5 },
    });
    expect(r.fprByPopulation.consumers).toEqual({ accounts: 2, flagged: 1, fpr: 0.5 });
    expect(r.fprByPopulation.eval_lab?.fpr).toBe(0);
    expect(r.exchangeRecall).toBeCloseTo(4 / 5);
    // e1 precedes c1's first flag; e2, e3 and e4 are at or after theirs
    expect(r.preventedShare).toBeCloseTo(3 / 5);
    expect(r.ari).toBe(1);
    // the harvest (no part, harvest or chained: e1, e3, e4); only e1 came before its account's flag
    expect(r.harvest.exchanges).toBe(3);
    expect(r.harvest.taken).toBe(1);
    expect(r.harvest.byCampaign).toEqual({
      hydra: { exchanges: 2, taken: 1 },
      reasoning: { exchanges: 1, taken: 0 },
    });
    expect(r.missingVerdicts).toBe(1);
    expect(r.withoutTraffic).toBe(1);
  });
});
