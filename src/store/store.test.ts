import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { DuckDbStore, prepareStore, queryStore } from "./index.js";

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
    // the per-account summaries the dashboard reads agree with the exchanges
    expect(await count("select sum(n) n from account_daily")).toBe(s.exchanges);
    expect(await count("select sum(n) n from account_infra")).toBe(s.exchanges);
    expect(await count("select count(*) n from account_sessions")).toBe(first.accounts);
    const busiest = String(
      (await queryStore(db, "select account_id from accounts order by exchanges desc limit 1")).rows[0]
        ?.account_id,
    );
    const direct = await queryStore(
      db,
      `select count(*) n from (select ts - lag(ts) over (order by ts) gap from exchanges where account_id = '${busiest}')
        where gap is null or gap > interval 30 minute`,
    );
    const kept = await queryStore(
      db,
      `select sessions n from account_sessions where account_id = '${busiest}'`,
    );
    expect(Number(kept.rows[0]?.n)).toBe(Number(direct.rows[0]?.n));
    expect(Number(kept.rows[0]?.n)).toBeGreaterThan(1);
    // a store written before the summaries gets them when the dashboard prepares it
    const instance = await DuckDBInstance.create(db);
    const conn = await instance.connect();
    await conn.run("delete from account_daily; delete from account_infra; delete from account_sessions");
    conn.closeSync();
    instance.closeSync();
    expect(await count("select count(*) n from account_daily")).toBe(0);
    await prepareStore(db);
    expect(await count("select sum(n) n from account_daily")).toBe(s.exchanges);
    expect(await count("select count(*) n from account_sessions")).toBe(first.accounts);
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

  it("saves a detector state many times its memory limit (report scale: gigabytes of state)", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "dg-store-big-")), "big.duckdb");
    const store = await DuckDbStore.open(db, "64MB");
    // incompressible parts (random) and compressible ones, 200 MiB in all
    const parts = (i: number): Uint8Array =>
      i % 2 === 0 ? randomBytes(4 * 2 ** 20) : new Uint8Array(4 * 2 ** 20).fill(i % 251);
    const digests: string[] = [];
    await store.publish([], [], {
      append: false,
      ingest: undefined,
      state: (function* () {
        for (let i = 0; i < 50; i++) {
          const p = parts(i);
          digests.push(createHash("sha256").update(p).digest("hex"));
          yield p;
        }
      })(),
    });
    store.close();
    const again = await DuckDbStore.open(db);
    const read: string[] = [];
    for await (const p of again.stateParts()) read.push(createHash("sha256").update(p).digest("hex"));
    again.close();
    expect(read).toEqual(digests);
  });
});

describe("queryStore is read-only and reads the store alone", () => {
  it("refuses files, directories, copies, attachments, extensions, configuration and several statements", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-query-"));
    const db = join(dir, "run.duckdb");
    await prepareStore(db);
    const before = createHash("sha256").update(readFileSync(db)).digest("hex");
    const other = join(dir, "other.duckdb");
    await prepareStore(other);
    expect(Number((await queryStore(db, "select count(*) n from accounts")).rows[0]?.n)).toBe(0);
    const attempts: [string, RegExp][] = [
      ["select * from read_text('/etc/passwd')", /Permission Error/],
      ["select * from read_csv('/etc/passwd')", /Permission Error/],
      [`select * from glob('${dir}/*')`, /Permission Error/],
      [`copy accounts to '${join(dir, "out.csv")}'`, /Permission Error|read-only/i],
      [`copy (select 1) to '${db}'`, /Permission Error|read-only/i],
      [`attach '${other}' as o (read_write)`, /Permission Error/],
      ["install httpfs", /Permission Error/],
      ["load httpfs", /disabled|Permission Error/],
      ["set enable_external_access = true", /configuration/i],
      ["delete from accounts", /read-only/i],
      ["select 1; delete from accounts", /one SQL statement, got 2/],
    ];
    for (const [sql, why] of attempts) await expect(queryStore(db, sql), sql).rejects.toThrow(why);
    expect(existsSync(join(dir, "out.csv"))).toBe(false);
    expect(createHash("sha256").update(readFileSync(db)).digest("hex")).toBe(before);
  });
});
