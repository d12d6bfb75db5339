import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { queryStore } from "./index.js";

describe("DuckDB store", () => {
  it("keeps a run's exchanges, accounts and campaigns, and a re-run replaces rather than doubles them", async () => {
    const scen = mkdtempSync(join(tmpdir(), "dg-store-"));
    const s = await simulate({ out: scen, seed: 5, scale: 0.02, days: 3, workers: false });
    const db = join(scen, "run.duckdb");
    const inputs = {
      exchanges: join(scen, "exchanges.jsonl"),
      accounts: join(scen, "accounts.jsonl"),
      events: join(scen, "events.jsonl"),
    };
    const first = await analyze({ inputs, out: join(scen, "p1"), db, report: false });
    const count = async (sql: string): Promise<number> => Number((await queryStore(db, sql)).rows[0]?.n);
    expect(await count("select count(*) n from exchanges")).toBe(s.exchanges);
    expect(await count("select count(*) n from accounts")).toBe(first.accounts);
    expect(await count("select count(*) n from accounts where flagged")).toBe(first.flagged);
    expect(await count("select count(*) n from campaigns")).toBe(first.campaigns);
    expect(await count("select count(*) n from campaign_accounts")).toBe(first.flagged);
    await analyze({ inputs, out: join(scen, "p2"), db, report: false });
    expect(await count("select count(*) n from exchanges")).toBe(s.exchanges);
    // typed columns: timestamps and lists, not text
    const r = await queryStore(db, "select typeof(ts) t, typeof(capabilities) c from exchanges limit 1");
    expect(r.rows[0]).toEqual({ t: "TIMESTAMP", c: "VARCHAR[]" });
  });

  it("opens the store read-only for queries", async () => {
    const scen = mkdtempSync(join(tmpdir(), "dg-store-"));
    await simulate({ out: scen, seed: 6, scale: 0.01, days: 2, workers: false });
    const db = join(scen, "run.duckdb");
    await analyze({
      inputs: { exchanges: join(scen, "exchanges.jsonl") },
      out: join(scen, "p"),
      db,
      report: false,
    });
    await expect(queryStore(db, "delete from exchanges")).rejects.toThrow(/read-only/i);
  });
});
