// The gateway's scorer and the embedded store: it saves what analyze --db saves, continues
// from a store that analyze (or an earlier gateway) left, and analyze --append continues
// from the gateway's store.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CampaignsFile, ExchangeRecord } from "../contract/index.js";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { queryStore } from "../store/index.js";
import { LiveScorer, type Scorer } from "./index.js";

const DIST = new URL("../../dist/gateway/index.js", import.meta.url);
let scen: string;
let records: ExchangeRecord[];

beforeAll(async () => {
  scen = mkdtempSync(join(tmpdir(), "dg-gwstore-"));
  await simulate({ out: scen, seed: 11, scale: 0.03, days: 4, workers: false });
  records = readFileSync(join(scen, "exchanges.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as ExchangeRecord);
}, 120_000);

const count = async (db: string, sql: string): Promise<number> =>
  Number((await queryStore(db, sql)).rows[0]?.n ?? Number.NaN);

/** Feeds records as the gateway would, with a checkpoint every `every` exchanges. */
async function feed(s: Scorer, rs: readonly ExchangeRecord[], every = 2000): Promise<void> {
  for (const [i, r] of rs.entries()) {
    s.observe(r);
    if (i % every === every - 1) await s.checkpoint();
  }
  await s.checkpoint();
}

describe("the gateway's scorer and the store", () => {
  it("saves exchanges, verdicts and campaigns, and a restarted scorer continues from them", async () => {
    const db = join(scen, "gateway.duckdb");
    const half = Math.floor(records.length / 2);
    const first = await LiveScorer.open({
      checkpointEveryMs: 0,
      linkEveryMs: 0,
      store: { path: db, saveEveryMs: 0 },
    });
    await feed(first, records.slice(0, half));
    const saved = await first.save();
    expect(saved?.exchanges).toBe(half);
    expect(await count(db, "select count(*) n from exchanges")).toBe(half);
    const flagged = [...first.detector.decisions.values()].filter((d) => d.flagged).map((d) => d.profile.id);
    expect(flagged.length).toBeGreaterThan(10);
    expect(await count(db, "select count(*) n from accounts where flagged")).toBe(flagged.length);
    expect(await count(db, "select count(*) n from campaigns")).toBe(saved?.campaigns);
    expect(saved?.campaigns).toBeGreaterThan(0);
    const someone = flagged[0] as string;
    const before = first.standing(someone);
    await first.close();

    // a new scorer (a restarted gateway) knows the flags and campaigns at once
    const second = await LiveScorer.open({
      checkpointEveryMs: 0,
      linkEveryMs: 0,
      store: { path: db, saveEveryMs: 0 },
    });
    expect(second.standing(someone)).toMatchObject({ flagged: true, campaignId: before?.campaignId });
    await feed(second, records.slice(half));
    await second.close(); // saves the rest
    expect(await count(db, "select count(*) n from exchanges")).toBe(records.length);
    expect(await count(db, "select count(distinct id) n from exchanges")).toBe(records.length);
    expect(await count(db, "select count(*) n from ingests where input = 'gateway'")).toBe(2);
  });

  it("starts from the store analyze --db left: the same campaigns, before any traffic", async () => {
    const db = join(scen, "analyzed.duckdb");
    const out = join(scen, "analyzed");
    await analyze({
      inputs: { exchanges: join(scen, "exchanges.jsonl"), accounts: join(scen, "accounts.jsonl") },
      out,
      db,
      threads: 0,
      report: false,
    });
    const campaigns = JSON.parse(readFileSync(join(out, "campaigns.json"), "utf8")) as CampaignsFile;
    expect(campaigns.campaigns.length).toBeGreaterThan(0);
    const s = await LiveScorer.open({
      checkpointEveryMs: 0,
      linkEveryMs: 0,
      store: { path: db, saveEveryMs: 0 },
    });
    try {
      for (const c of campaigns.campaigns)
        for (const a of c.accounts)
          expect(s.standing(a)).toMatchObject({ flagged: true, campaignId: c.campaign_id });
    } finally {
      await s.close();
    }
  });

  it("leaves a store analyze --append continues from", async () => {
    const db = join(scen, "then-analyze.duckdb");
    const cut = Math.floor(records.length * 0.7);
    const s = await LiveScorer.open({
      checkpointEveryMs: 0,
      linkEveryMs: 0,
      store: { path: db, saveEveryMs: 0 },
    });
    await feed(s, records.slice(0, cut));
    await s.close();
    const { writeFileSync } = await import("node:fs");
    const rest = join(scen, "rest.jsonl");
    writeFileSync(
      rest,
      `${records
        .slice(cut)
        .map((r) => JSON.stringify(r))
        .join("\n")}\n`,
    );
    const summary = await analyze({
      inputs: { exchanges: rest, accounts: join(scen, "accounts.jsonl") },
      out: join(scen, "appended"),
      db,
      append: true,
      threads: 0,
      report: false,
    });
    expect(summary.exchanges).toBe(records.length - cut);
    expect(await count(db, "select count(*) n from exchanges")).toBe(records.length);
    expect(await count(db, "select count(*) n from campaigns")).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(DIST))(
    "saves from the worker thread the same way (needs dist/: npm run build)",
    async () => {
      const built = (await import(DIST.href)) as typeof import("./index.js");
      const db = join(scen, "thread.duckdb");
      const t = await built.ThreadScorer.start({
        checkpointEveryMs: 0,
        linkEveryMs: 0,
        store: { path: db, saveEveryMs: 0 },
      });
      const some = records.slice(0, 5000);
      await feed(t, some);
      t.decided("block", true, Date.UTC(2026, 1, 3, 10, 5));
      t.decided("block", true, Date.UTC(2026, 1, 3, 10, 50));
      t.decided("throttle", false, Date.UTC(2026, 1, 3, 11, 1));
      const saved = await t.save();
      expect(saved?.exchanges).toBe(some.length);
      expect(await count(db, "select count(*) n from exchanges")).toBe(some.length);
      const flaggedInStore = await count(db, "select count(*) n from accounts where flagged");
      const flaggedLive = await queryStore(db, "select account_id from accounts where flagged");
      expect(flaggedInStore).toBeGreaterThan(0);
      for (const row of flaggedLive.rows) expect(t.standing(String(row.account_id))?.flagged).toBe(true);
      // policy decisions counted by hour, action and whether acted on
      const d = await queryStore(
        db,
        "select strftime(hour, '%H') h, action, acted, n from gateway_decisions order by h, action",
      );
      expect(d.rows.map((r) => [r.h, r.action, r.acted, Number(r.n)])).toEqual([
        ["10", "block", true, 2],
        ["11", "throttle", false, 1],
      ]);
      await t.close();
    },
  );
});
