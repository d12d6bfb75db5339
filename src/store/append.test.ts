// analyze --db --append: a log analysed day by day into one store gives the verdicts of
// analysing it in one run, and an input the store already holds is not counted twice.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize } from "node:v8";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { AnalyzeError, analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { queryStore } from "./index.js";

const flaggedIn = (out: string): string[] =>
  readFileSync(join(out, "accounts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { account_id: string; flagged: boolean })
    .filter((v) => v.flagged)
    .map((v) => v.account_id)
    .sort();

describe("analyze --append", () => {
  it("continues from the saved state: two days in turn equal both at once; a repeated day counts once", async () => {
    const scen = mkdtempSync(join(tmpdir(), "dg-append-"));
    const s = await simulate({ out: scen, seed: 11, scale: 0.04, days: 6, workers: false });
    const lines = readFileSync(join(scen, "exchanges.jsonl"), "utf8").trimEnd().split("\n");
    const cut = Date.parse(s.start) + 3 * 86_400_000;
    const tsOf = (l: string): number => Date.parse((JSON.parse(l) as { ts: string }).ts);
    const first = lines.filter((l) => tsOf(l) < cut);
    const second = lines.filter((l) => tsOf(l) >= cut);
    expect(first.length).toBeGreaterThan(1000);
    expect(second.length).toBeGreaterThan(1000);
    writeFileSync(join(scen, "day-1-3.jsonl"), `${first.join("\n")}\n`);
    writeFileSync(join(scen, "day-4-6.jsonl"), `${second.join("\n")}\n`);
    const common = { accounts: join(scen, "accounts.jsonl"), events: join(scen, "events.jsonl") };

    const whole = await analyze({
      inputs: { exchanges: join(scen, "exchanges.jsonl"), ...common },
      out: join(scen, "whole"),
      db: join(scen, "whole.duckdb"),
      report: false,
    });

    const db = join(scen, "days.duckdb");
    const count = async (sql: string): Promise<number> => Number((await queryStore(db, sql)).rows[0]?.n);
    const day1 = await analyze({
      inputs: { exchanges: join(scen, "day-1-3.jsonl"), ...common },
      out: join(scen, "d1"),
      db,
      report: false,
    });
    expect(day1.exchanges).toBe(first.length);
    const day2 = await analyze({
      inputs: { exchanges: join(scen, "day-4-6.jsonl"), ...common },
      out: join(scen, "d2"),
      db,
      append: true,
      report: false,
    });
    expect(day2.exchanges).toBe(second.length);
    expect(day2.totalExchanges).toBe(lines.length);
    expect(await count("select count(*) n from exchanges")).toBe(lines.length);
    expect(await count("select count(distinct id) n from exchanges")).toBe(lines.length);
    expect(await count("select sum(exchanges) n from accounts")).toBe(lines.length);
    expect(await count("select count(*) n from ingests")).toBe(2);

    // the same verdicts as one run over both days
    expect(whole.flagged).toBeGreaterThan(0);
    expect(flaggedIn(join(scen, "d2"))).toEqual(flaggedIn(join(scen, "whole")));
    expect(day2.campaigns).toBe(whole.campaigns);
    // the verdicts moved with the new day: more evidence, more accounts flagged
    expect(day2.flagged).toBeGreaterThanOrEqual(day1.flagged);

    // the second day again: recognised, not read, not counted
    const again = await analyze({
      inputs: { exchanges: join(scen, "day-4-6.jsonl"), ...common },
      out: join(scen, "d2-again"),
      db,
      append: true,
      report: false,
    });
    expect(again.alreadyIngested?.input).toBe(join(scen, "day-4-6.jsonl"));
    expect(again.exchanges).toBe(0);
    expect(again.totalExchanges).toBe(lines.length);
    expect(await count("select count(*) n from exchanges")).toBe(lines.length);
    expect(await count("select count(*) n from ingests")).toBe(2);
    expect(flaggedIn(join(scen, "d2-again"))).toEqual(flaggedIn(join(scen, "whole")));

    // a store saved by a build with another state layout: a clear error, nothing changed
    const hex = serialize({ type: "detector", version: 1, releases: {}, handoffs: {}, pivoted: [] }).toString(
      "hex",
    );
    const instance = await DuckDBInstance.create(db);
    const conn = await instance.connect();
    await conn.run(`update _state set data = unhex('${hex}') where seq = (select min(seq) from _state)`);
    conn.closeSync();
    instance.closeSync();
    const stale = analyze({
      inputs: { exchanges: join(scen, "day-1-3.jsonl"), ...common },
      out: join(scen, "stale"),
      db,
      append: true,
      report: false,
    });
    await expect(stale).rejects.toBeInstanceOf(AnalyzeError);
    await expect(stale).rejects.toThrow(/saved detector state has version 1.*without --append to rebuild/);
    expect(await count("select count(*) n from exchanges")).toBe(lines.length);
  });

  it("refuses to append without a store", async () => {
    await expect(
      analyze({ inputs: { exchanges: "x.jsonl" }, out: tmpdir(), append: true, report: false }),
    ).rejects.toThrow(/--append needs --db/);
  });
});
