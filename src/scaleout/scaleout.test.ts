// The scale-out mode against the real services: NATS with JetStream and PostgreSQL on
// 127.0.0.1 (started when absent, see _test-services.ts). The same simulated scenario
// is analysed embedded and by 2 and 4 workers; a worker is killed mid-stream; messages
// are applied twice and published twice.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import type { JsMsg } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../_test-wait.js";
import { keyDigest, Policy, startGateway, startMockUpstream } from "../gateway/index.js";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { ensureServices, freshDatabase, NATS_URL, uniqueStream } from "./_test-services.js";
import { partitionOf } from "./bus.js";
import {
  addPgReview,
  Bus,
  type BusOptions,
  exportVerdicts,
  migrate,
  openPg,
  publishLog,
  ScaleoutWorker,
  SharedScorer,
  startWorkerHttp,
} from "./index.js";
import { LostLease, PartitionState } from "./partition.js";
import { ensurePartitions } from "./pg.js";

interface Verdicts {
  readonly risk: Map<string, number>;
  readonly flagged: string[];
  readonly campaigns: string[][];
}

function readVerdicts(dir: string): Verdicts {
  const risk = new Map<string, number>();
  const flagged: string[] = [];
  for (const l of readFileSync(join(dir, "accounts.jsonl"), "utf8").trim().split("\n")) {
    const v = JSON.parse(l) as { account_id: string; risk: number; flagged: boolean };
    risk.set(v.account_id, v.risk);
    if (v.flagged) flagged.push(v.account_id);
  }
  const c = JSON.parse(readFileSync(join(dir, "campaigns.json"), "utf8")) as {
    campaigns: { accounts: string[] }[];
  };
  return { risk, flagged: flagged.sort(), campaigns: c.campaigns.map((x) => [...x.accounts].sort()) };
}

const root = resolve(import.meta.dirname, "../..");
let scen: string;
let embedded: Verdicts;
let exchanges: number;
let bus: BusOptions;

describe("scale-out on NATS JetStream and PostgreSQL (needs both on 127.0.0.1; starts them when absent)", () => {
  beforeAll(async () => {
    await ensureServices();
    scen = mkdtempSync(join(tmpdir(), "dg-scaleout-"));
    await simulate({ out: join(scen, "s"), seed: 3, scale: 0.02, workers: false });
    const inputs = {
      exchanges: join(scen, "s/exchanges.jsonl"),
      accounts: join(scen, "s/accounts.jsonl"),
      events: join(scen, "s/events.jsonl"),
    };
    await analyze({ inputs, out: join(scen, "embedded"), report: false, threads: 0 });
    embedded = readVerdicts(join(scen, "embedded"));
    bus = { servers: NATS_URL, ...uniqueStream("eq"), partitions: 8 };
    const b = await Bus.open(bus);
    exchanges = (await publishLog(b, inputs)).exchanges;
    await b.close();
  }, 240_000);

  afterAll(async () => {
    const b = await Bus.open(bus);
    await b.jsm.streams.delete(b.stream).catch(() => false);
    await b.close();
  });

  async function runWorkers(n: number): Promise<{ out: string; counted: number; sightings: number }> {
    const db = await freshDatabase(`w${n}`);
    try {
      const workers = Array.from(
        { length: n },
        (_, i) => new ScaleoutWorker({ bus, pg: db.url, id: `w${i}`, leaseMs: 2000, untilIdle: true }),
      );
      await Promise.all(workers.map((w) => w.run()));
      const sql = openPg(db.url);
      const out = join(scen, `workers-${n}`);
      await exportVerdicts(sql, out);
      const [c] = await sql<{ counted: number; sightings: number }[]>`
        select (select sum(exchanges)::int from partitions) counted, (select count(*)::int from prompt_sightings) sightings`;
      await sql.end();
      return { out, counted: c?.counted ?? 0, sightings: c?.sightings ?? 0 };
    } finally {
      await db.drop();
    }
  }

  for (const n of [2, 4])
    it(`${n} workers flag the same accounts and form the same campaigns as the embedded analysis`, async () => {
      expect(embedded.flagged.length).toBeGreaterThan(20);
      expect(embedded.campaigns.length).toBeGreaterThanOrEqual(2);
      const r = await runWorkers(n);
      const got = readVerdicts(r.out);
      expect(got.flagged).toEqual(embedded.flagged);
      expect(got.campaigns).toEqual(embedded.campaigns);
      expect([...got.risk.entries()].sort()).toEqual([...embedded.risk.entries()].sort());
      // every exchange counted once
      expect(r.counted).toBe(exchanges);
      expect(r.sightings).toBe(exchanges);
    }, 180_000);

  it("an analyst's review in the store is respected by the next linkage run", async () => {
    const db = await freshDatabase("review");
    try {
      await new ScaleoutWorker({ bus, pg: db.url, id: "r1", leaseMs: 2000, untilIdle: true }).run();
      const sql = openPg(db.url);
      const target = embedded.flagged[0] as string;
      expect(
        await addPgReview(sql, {
          targetType: "account",
          targetId: target,
          decision: "dismiss",
          comment: "a lab partner",
          analyst: "ana",
        }),
      ).toBe(1);
      expect(
        await addPgReview(sql, {
          targetType: "account",
          targetId: "nobody",
          decision: "dismiss",
          comment: "x",
          analyst: "ana",
        }),
      ).toBe(0);
      await new ScaleoutWorker({ bus, pg: db.url, id: "r2", leaseMs: 2000, untilIdle: true }).run();
      const out = join(scen, "reviewed");
      await exportVerdicts(sql, out);
      await sql.end();
      const got = readVerdicts(out);
      expect(got.flagged).toEqual(embedded.flagged.filter((a) => a !== target));
      const line = readFileSync(join(out, "accounts.jsonl"), "utf8")
        .split("\n")
        .find((l) => l.includes(`"${target}"`));
      expect(line).toContain("analyst_dismissed");
    } finally {
      await db.drop();
    }
  }, 120_000);

  it("a worker that joins mid-stream takes partitions over from the store's state: the same answers", async () => {
    const db = await freshDatabase("join");
    try {
      const logs: string[] = [];
      const first = new ScaleoutWorker({ bus, pg: db.url, id: "first", leaseMs: 2000, untilIdle: true });
      const running = first.run();
      const sql = openPg(db.url);
      await waitFor(
        async () => {
          const [r] = await sql<{ n: number | null }[]>`select sum(exchanges)::int n from partitions`.catch(
            () => [{ n: null }],
          );
          return (r?.n ?? 0) > 0;
        },
        "the first worker's first commit",
        { timeoutMs: 60_000, everyMs: 100 },
      );
      const second = new ScaleoutWorker({
        bus,
        pg: db.url,
        id: "second",
        leaseMs: 2000,
        untilIdle: true,
        log: (l) => logs.push(l),
      });
      await Promise.all([running, second.run()]);
      // the newcomer took partitions the first worker had committed to and then gave up
      expect(logs.join("\n")).toMatch(/took partition \d+ at sequence [1-9]/);
      const out = join(scen, "joined");
      await exportVerdicts(sql, out);
      const [c] = await sql<{ counted: number }[]>`select sum(exchanges)::int counted from partitions`;
      await sql.end();
      expect(c?.counted).toBe(exchanges);
      const got = readVerdicts(out);
      expect(got.flagged).toEqual(embedded.flagged);
      expect(got.campaigns).toEqual(embedded.campaigns);
    } finally {
      await db.drop();
    }
  }, 180_000);

  it("a killed worker's partitions are taken over from the store: nothing lost, nothing counted twice", async () => {
    const db = await freshDatabase("kill");
    const procs: ChildProcess[] = [];
    const logs = new Map<string, string>();
    try {
      const start = (id: string): ChildProcess => {
        const p = spawn(
          process.execPath,
          [
            join(root, "bin/distillguard.js"),
            "worker",
            "--nats",
            NATS_URL,
            "--pg",
            db.url,
            "--stream",
            bus.stream as string,
            "--prefix",
            bus.prefix as string,
            "--lease-ms",
            "2000",
            "--linkage-ms",
            "2000",
            "--until-idle",
            "--id",
            id,
          ],
          { stdio: ["ignore", "ignore", "pipe"] },
        );
        p.stderr?.setEncoding("utf8");
        p.stderr?.on("data", (d: string) => {
          logs.set(id, (logs.get(id) ?? "") + d);
        });
        procs.push(p);
        return p;
      };
      // the victim starts alone and is killed once it has committed part of its partitions'
      // traffic; the survivor starts after the kill, so it cannot finish (and leave, being
      // idle) before the victim's leases lapse, however fast the victim was
      const victim = start("victim");
      const sql = openPg(db.url);
      await waitFor(
        async () => {
          const [r] = await sql<{ n: number | null }[]>`
            select sum(exchanges)::int n from partitions where owner = 'victim'`.catch(() => [{ n: null }]);
          return (r?.n ?? 0) > 0;
        },
        "the victim's first commit",
        { timeoutMs: 60_000, everyMs: 100 },
      );
      victim.kill("SIGKILL");
      const survivor = start("survivor");
      const code = await new Promise<number | null>((res) => survivor.once("exit", res));
      expect(code).toBe(0);
      // the survivor took over partitions the victim had committed to, from their sequence
      expect(logs.get("survivor")).toMatch(/took partition \d+ at sequence [1-9]/);
      const out = join(scen, "failover");
      await exportVerdicts(sql, out);
      const [c] = await sql<{ counted: number; sightings: number; owners: string[] }[]>`
        select (select sum(exchanges)::int from partitions) counted, (select count(*)::int from prompt_sightings) sightings,
          (select array_agg(distinct worker_id) from workers) owners`;
      await sql.end();
      expect(c?.counted).toBe(exchanges);
      expect(c?.sightings).toBe(exchanges);
      const got = readVerdicts(out);
      expect(got.flagged).toEqual(embedded.flagged);
      expect(got.campaigns).toEqual(embedded.campaigns);
    } finally {
      for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
      await db.drop();
    }
  }, 180_000);

  it("a message applied twice counts once, and a worker whose lease was taken cannot commit", async () => {
    const db = await freshDatabase("fence");
    const sql = openPg(db.url);
    try {
      await migrate(sql);
      await ensurePartitions(sql, 8);
      const lines = readFileSync(join(scen, "s/exchanges.jsonl"), "utf8").split("\n").slice(0, 400);
      const mine = lines.filter(
        (l) => l && partitionOf((JSON.parse(l) as { account_id: string }).account_id, 8) === 3,
      );
      expect(mine.length).toBeGreaterThan(10);
      let acked = 0;
      const msg = (seq: number, text: string): JsMsg =>
        ({
          seq,
          subject: `${bus.prefix}.p.003.x`,
          string: () => text,
          ack: () => {
            acked++;
          },
        }) as unknown as JsMsg;
      await sql`update partitions set owner = 'a', epoch = 1, lease_until = now() + interval '1 minute' where partition = 3`;
      const state = new PartitionState({
        partition: 3,
        partitions: 8,
        worker: "a",
        epoch: 1,
        leaseMs: 60_000,
        releases: new Map(),
      });
      for (let i = 0; i < 5; i++) state.apply(msg(i + 1, mine[i] as string));
      // redelivered: the first three again
      for (let i = 0; i < 3; i++) state.apply(msg(i + 1, mine[i] as string));
      expect(state.applied).toBe(5);
      await state.commit(sql);
      expect(acked).toBe(1);
      const count = async (): Promise<number> =>
        (await sql<{ n: number }[]>`select coalesce(sum(exchanges), 0)::int n from account_state`)[0]?.n ??
        -1;
      expect(await count()).toBe(5);
      // a redelivery alone is acknowledged (or the stream would hold it as pending) and writes nothing
      state.apply(msg(4, mine[3] as string));
      expect(state.unacked).toBe(true);
      await state.commit(sql);
      expect(acked).toBe(2);
      expect(state.unacked).toBe(false);
      expect(await count()).toBe(5);
      // another worker takes the partition over; the first one's next commit is refused whole
      await sql`update partitions set owner = 'b', epoch = 2 where partition = 3`;
      state.apply(msg(6, mine[5] as string));
      await expect(state.commit(sql)).rejects.toBeInstanceOf(LostLease);
      expect(await count()).toBe(5);
      const [p] = await sql<{ seq: number }[]>`select seq from partitions where partition = 3`;
      expect(p?.seq).toBe(5);
    } finally {
      await sql.end();
      await db.drop();
    }
  });

  it("publishing the same log again within the duplicate window stores nothing twice", async () => {
    const b = await Bus.open(bus);
    try {
      const before = (await b.jsm.streams.info(b.stream)).state.messages;
      const s = await publishLog(b, {
        exchanges: join(scen, "s/exchanges.jsonl"),
        accounts: join(scen, "s/accounts.jsonl"),
      });
      expect(s.exchanges).toBe(exchanges);
      expect(s.duplicates).toBe(s.exchanges + s.accounts);
      expect((await b.jsm.streams.info(b.stream)).state.messages).toBe(before);
    } finally {
      await b.close();
    }
  }, 120_000);

  it("a gateway in shared mode enforces the store's verdicts and publishes its exchanges to the stream", async () => {
    const db = await freshDatabase("gw");
    const upstream = await startMockUpstream({ apiKey: "up" });
    try {
      await new ScaleoutWorker({ bus, pg: db.url, id: "g1", leaseMs: 2000, untilIdle: true }).run();
      const accounts = readFileSync(join(scen, "s/accounts.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { account_id: string; payment_fingerprint?: string });
      const member = embedded.campaigns[0]?.[0] as string;
      const clean = [...embedded.risk.keys()].find((a) => !embedded.flagged.includes(a)) as string;
      const scorer = await SharedScorer.open({ bus, pg: db.url, refreshMs: 500 });
      const policy = Policy.parse("p", {
        rules: [{ name: "campaigns", when: { campaign: "*" }, action: "block" }],
      });
      const g = await startGateway({
        upstreams: { anthropic: { url: upstream.url, apiKey: "up" } },
        keys: [
          { sha256: keyDigest("k-member"), accountId: member },
          { sha256: keyDigest("k-clean"), accountId: clean },
        ],
        scorer,
        policy: { current: () => policy },
      });
      const b = await Bus.open(bus);
      try {
        expect(scorer.standing(member)).toMatchObject({ flagged: true });
        expect(scorer.standing(member)?.campaignId).toMatch(/^C\d{3}$/);
        const before = (await b.jsm.streams.info(b.stream)).state.messages;
        const ask = (key: string) =>
          new Anthropic({ apiKey: key, baseURL: g.url, maxRetries: 0 }).messages.create({
            model: "claude-opus-5",
            max_tokens: 10,
            messages: [{ role: "user", content: "What is a good name for a cat?" }],
          });
        await expect(ask("k-member")).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
        const ok = await ask("k-clean");
        expect(ok.content.length).toBeGreaterThan(0);
        await scorer.checkpoint(); // waits for the stream's acknowledgements
        expect((await b.jsm.streams.info(b.stream)).state.messages).toBe(before + 1);
        // the new exchange reaches the clean account's partition and the store
        await new ScaleoutWorker({ bus, pg: db.url, id: "g2", leaseMs: 2000, untilIdle: true }).run();
        const sql = openPg(db.url);
        const [c] = await sql<{ n: number }[]>`select sum(exchanges)::int n from partitions`;
        expect(c?.n).toBe(exchanges + 1);
        // a sign-up with a campaign account's payment instrument is scored against the store
        const card = accounts.find((a) => a.account_id === member)?.payment_fingerprint;
        if (card) {
          const r = await scorer.signupRisk({ payment_fingerprint: card }, new Set());
          expect(r.reasons.map((x) => x.signal)).toContain("campaign_payment");
        }
        scorer.decided("block", true, Date.now());
        await scorer.save();
        const [d] = await sql<
          { n: number }[]
        >`select sum(n)::int n from gateway_decisions where action = 'block'`;
        expect(d?.n).toBeGreaterThanOrEqual(1);
        await sql.end();
      } finally {
        await b.close();
        await g.close();
        await scorer.close();
      }
    } finally {
      await upstream.close();
      await db.drop();
    }
  }, 180_000);

  it("a worker serves /healthz and /metrics with the lag of every partition", async () => {
    const db = await freshDatabase("http");
    const w = new ScaleoutWorker({ bus, pg: db.url, id: "h", leaseMs: 2000, untilIdle: true });
    const http = await startWorkerHttp(w);
    try {
      expect((await fetch(`${http.url}/healthz`)).status).toBe(503);
      await w.run();
      const m = await (await fetch(`${http.url}/metrics`)).text();
      expect(m).toMatch(/distillguard_worker_messages_applied_total\{worker="h"\} [1-9]/);
      for (let p = 0; p < 8; p++) expect(m).toContain(`distillguard_partition_lag{partition="${p}"} 0`);
      expect(m).toMatch(/distillguard_linkage_runs_total\{worker="h"\} [1-9]/);
      expect((await fetch(`${http.url}/metrics`, { method: "POST" })).status).toBe(405);
    } finally {
      await http.close();
      await db.drop();
    }
  }, 180_000);
});
