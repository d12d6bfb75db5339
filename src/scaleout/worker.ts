// A scale-out worker: holds leases on a share of the partitions (the store's partitions
// table), consumes each held partition's subject through its durable consumer, commits
// what it applied with the partition's sequence, and, when it holds the linkage lock,
// runs the linkage job. Workers register a heartbeat; each aims at ceil(partitions /
// live workers) leases, so adding a worker makes the others give partitions up and a
// dead worker's leases expire and are taken over; the taker starts from the sequence
// the store holds.
import { hostname } from "node:os";
import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import type { DetectorOptions } from "../verdicts/index.js";
import { Bus, type BusOptions } from "./bus.js";
import { type LinkageSummary, runLinkage } from "./linkage.js";
import { LostLease, PartitionState } from "./partition.js";
import { ensurePartitions, LINKAGE_LOCK, migrate, openPg, type Sql } from "./pg.js";

export interface WorkerOptions {
  readonly bus: BusOptions;
  readonly pg: string;
  /** worker id (default host-pid-random) */
  readonly id?: string;
  /** lease length; a dead worker's partitions move after this long (default 10 s) */
  readonly leaseMs?: number;
  /** how often applied messages are committed (default 1 s) */
  readonly commitMs?: number;
  /** how often the leader runs the linkage job while traffic flows (default 60 s) */
  readonly linkageMs?: number;
  /** messages fetched at a time per partition (default 500) */
  readonly batch?: number;
  readonly detector?: DetectorOptions;
  /** exit once every partition is drained and a linkage run covers it */
  readonly untilIdle?: boolean;
  readonly log?: (line: string) => void;
}

export interface WorkerMetrics {
  readonly id: string;
  readonly partitions: number[];
  readonly applied: number;
  readonly commits: number;
  readonly lostLeases: number;
  readonly linkageRuns: number;
  readonly lastLinkage: LinkageSummary | undefined;
  readonly issues: number;
  readonly healthy: boolean;
}

interface Held {
  readonly state: PartitionState;
  readonly epoch: number;
  stop: boolean;
  messages: ConsumerMessages | undefined;
  loop: Promise<void>;
}

export class ScaleoutWorker {
  readonly id: string;
  private bus: Bus | undefined;
  private sql: Sql | undefined;
  private readonly held = new Map<number, Held>();
  private readonly releases = new Map<string, number>();
  private stopping = false;
  private leader = false;
  private lockConn: Awaited<ReturnType<Sql["reserve"]>> | undefined;
  private lastLinkageAt = 0;
  private lastTick = 0;
  private commits = 0;
  private lostLeases = 0;
  private linkageRuns = 0;
  private lastLinkage: LinkageSummary | undefined;
  private issues = 0;
  private readonly leaseMs: number;
  private readonly commitMs: number;
  private readonly linkageMs: number;
  private done: (() => void) | undefined;
  private failed: ((err: unknown) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private eventsSub: ConsumerMessages | undefined;
  private lagCache: ReadonlyMap<number, number | undefined> = new Map();
  /** messages applied by partitions no longer held */
  private appliedBefore = 0;

  constructor(private readonly o: WorkerOptions) {
    this.id = o.id ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.leaseMs = o.leaseMs ?? 10_000;
    this.commitMs = o.commitMs ?? 1_000;
    this.linkageMs = o.linkageMs ?? 60_000;
  }

  /** Connects, migrates the store, registers, and starts taking partitions. Resolves when stopped (or idle, with untilIdle). */
  async run(): Promise<void> {
    this.bus = await Bus.open(this.o.bus);
    this.sql = openPg(this.o.pg, { max: 6 });
    await migrate(this.sql);
    await ensurePartitions(this.sql, this.bus.partitions);
    await this
      .sql`insert into workers (worker_id, host, pid) values (${this.id}, ${hostname()}, ${process.pid})
      on conflict (worker_id) do update set heartbeat_at = now()`;
    await this.readEvents();
    const finished = new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
    });
    const beat = Math.max(200, Math.floor(this.leaseMs / 4));
    this.timer = setInterval(() => void this.tick(), beat);
    void this.tick();
    try {
      await finished;
    } finally {
      await this.shutdown();
    }
  }

  /** Commits what it holds, gives its leases up and disconnects. */
  stop(): void {
    this.stopping = true;
    this.done?.();
  }

  metrics(): WorkerMetrics {
    let applied = this.appliedBefore;
    for (const h of this.held.values()) applied += h.state.applied;
    return {
      id: this.id,
      partitions: [...this.held.keys()].sort((a, b) => a - b),
      applied,
      commits: this.commits,
      lostLeases: this.lostLeases,
      linkageRuns: this.linkageRuns,
      lastLinkage: this.lastLinkage,
      issues: this.issues,
      healthy: this.lastTick > 0 && Date.now() - this.lastTick < this.leaseMs,
    };
  }

  /**
   * Lag per partition (messages not yet applied and acknowledged; undefined: no consumer
   * yet), from the stream's consumers, as of this worker's last control-loop tick.
   */
  lag(): ReadonlyMap<number, number | undefined> {
    return this.lagCache;
  }

  private async refreshLag(): Promise<void> {
    const bus = this.bus as Bus;
    const sql = this.sql as Sql;
    const lag = new Map<number, number | undefined>();
    // each partition's consumer is its current owner's (named by the lease epoch)
    for (const r of await sql<
      { partition: number; epoch: number }[]
    >`select partition, epoch from partitions order by 1`)
      lag.set(r.partition, r.epoch > 0 ? await bus.lag(r.partition, r.epoch) : undefined);
    this.lagCache = lag;
  }

  private log(line: string): void {
    this.o.log?.(`worker ${this.id}: ${line}`);
  }

  /** Model releases: read once at start, then followed (every partition needs them all). */
  private async readEvents(): Promise<void> {
    const bus = this.bus as Bus;
    const consumer = await bus.js.consumers.get(bus.stream, { filter_subjects: bus.eventsSubject });
    const take = async (m: JsMsg): Promise<void> => {
      try {
        const v = JSON.parse(m.string()) as { type?: unknown; model?: unknown; ts?: unknown };
        const ts = typeof v.ts === "string" ? Date.parse(v.ts) : Number.NaN;
        if (v.type === "model_release" && typeof v.model === "string" && Number.isFinite(ts)) {
          this.releases.set(v.model, ts);
          for (const h of this.held.values()) h.state.addRelease(v.model, ts);
          const sql = this.sql as Sql;
          await sql`insert into releases (model, ts) values (${v.model}, ${ts})
            on conflict (model) do update set ts = least(releases.ts, excluded.ts)`;
        }
      } catch {
        this.issues++;
      }
    };
    const info = await consumer.info();
    // the releases already in the stream are read before any partition is taken
    let caughtUp: () => void = () => {};
    const backlog = new Promise<void>((resolve) => {
      caughtUp = resolve;
    });
    if (info.num_pending === 0) caughtUp();
    this.eventsSub = await consumer.consume();
    void (async () => {
      for await (const m of this.eventsSub as ConsumerMessages) {
        await take(m);
        if (m.info.pending === 0) caughtUp();
      }
    })().catch(() => {});
    await backlog;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      await this.balance();
      await this.refreshLag();
      await this.maybeLink();
      this.lastTick = Date.now();
      if (this.o.untilIdle && (await this.idle())) this.stop();
    } catch (err) {
      this.log(`error: ${err instanceof Error ? err.message : String(err)}`);
      if (!isTransient(err)) this.failed?.(err);
    } finally {
      this.ticking = false;
    }
  }

  /** Heartbeat, lease renewal, and taking or giving up partitions toward this worker's share. */
  private async balance(): Promise<void> {
    const sql = this.sql as Sql;
    const bus = this.bus as Bus;
    const lease = this.leaseMs / 1000;
    await sql`update workers set heartbeat_at = now() where worker_id = ${this.id}`;
    for (const [p, h] of this.held) {
      const r = await sql`update partitions set lease_until = now() + make_interval(secs => ${lease})
        where partition = ${p} and owner = ${this.id} and epoch = ${h.epoch} returning 1`;
      if (r.length === 0) await this.drop(p, "lease lost");
    }
    const [live] = await sql<{ n: number }[]>`
      select count(*)::int n from workers where heartbeat_at > now() - make_interval(secs => ${lease})`;
    const share = Math.ceil(bus.partitions / Math.max(1, live?.n ?? 1));
    if (this.held.size > share) {
      const extra = [...this.held.keys()].sort((a, b) => b - a).slice(0, this.held.size - share);
      for (const p of extra) await this.release(p);
    } else if (this.held.size < share) {
      const free = await sql<{ partition: number; epoch: number }[]>`
        update partitions set owner = ${this.id}, epoch = epoch + 1, lease_until = now() + make_interval(secs => ${lease})
        where partition in (
          select partition from partitions where owner is null or lease_until < now()
          order by partition limit ${share - this.held.size} for update skip locked)
        returning partition, epoch`;
      // a partition that cannot be taken now (the bus or the store failing) is left to lapse and be taken again
      for (const r of await Promise.allSettled(free.map((f) => this.take(f.partition, f.epoch))))
        if (r.status === "rejected")
          this.log(
            `could not take a partition: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`,
          );
    }
  }

  private async take(p: number, epoch: number): Promise<void> {
    const sql = this.sql as Sql;
    const bus = this.bus as Bus;
    const state = new PartitionState({
      partition: p,
      partitions: bus.partitions,
      worker: this.id,
      epoch,
      leaseMs: this.leaseMs,
      releases: this.releases,
      ...(this.o.detector ? { detector: this.o.detector } : {}),
      onIssue: () => {
        this.issues++;
      },
    });
    // a loop of an earlier lease on this partition (taken back after it lapsed) stops first
    const earlier = this.held.get(p);
    if (earlier) {
      earlier.stop = true;
      earlier.messages?.stop();
      this.held.delete(p);
      await earlier.loop;
    }
    await state.load(sql);
    await bus.resetConsumer(p, epoch, state.seq + 1);
    const h: Held = { state, epoch, stop: false, messages: undefined, loop: Promise.resolve() };
    this.held.set(p, h);
    h.loop = this.consume(p, h).catch(async (err: unknown) => {
      if (err instanceof LostLease) {
        this.lostLeases++;
        this.log(`partition ${p}: lease lost; left to its new owner`);
      } else this.log(`partition ${p}: ${err instanceof Error ? err.message : String(err)}`);
      if (this.held.get(p) === h) {
        this.held.delete(p);
        this.appliedBefore += h.state.applied;
      }
    });
    this.log(`took partition ${p} at sequence ${state.seq} (epoch ${epoch})`);
  }

  private async consume(p: number, h: Held): Promise<void> {
    const bus = this.bus as Bus;
    const sql = this.sql as Sql;
    const consumer = await bus.js.consumers.get(bus.stream, bus.consumerName(p, h.epoch));
    let lastCommit = Date.now();
    while (!h.stop) {
      h.messages = await consumer.fetch({ max_messages: this.o.batch ?? 500, expires: 1000 });
      let got = 0;
      for await (const m of h.messages) {
        h.state.apply(m);
        got++;
      }
      if (h.state.unacked && (got === 0 || Date.now() - lastCommit >= this.commitMs)) {
        await h.state.commit(sql);
        this.commits++;
        lastCommit = Date.now();
      }
    }
    if (h.state.unacked) {
      await h.state.commit(sql);
      this.commits++;
    }
  }

  /** Stops a partition's loop, commits what it applied and frees its lease. */
  private async release(p: number): Promise<void> {
    const h = this.held.get(p);
    if (!h) return;
    h.stop = true;
    // end the pull in flight now rather than when it expires
    h.messages?.stop();
    await h.loop;
    this.held.delete(p);
    this.appliedBefore += h.state.applied;
    const sql = this.sql as Sql;
    await sql`update partitions set owner = null, lease_until = null
      where partition = ${p} and owner = ${this.id} and epoch = ${h.epoch}`;
    this.log(`gave partition ${p} up`);
  }

  private async drop(p: number, why: string): Promise<void> {
    const h = this.held.get(p);
    if (!h) return;
    h.stop = true;
    h.messages?.stop();
    this.held.delete(p);
    this.appliedBefore += h.state.applied;
    this.lostLeases++;
    this.log(`dropped partition ${p}: ${why}`);
  }

  /** The leader (holder of the linkage lock) runs the job when the partitions moved on since its last run. */
  private async maybeLink(force = false): Promise<void> {
    const sql = this.sql as Sql;
    if (!this.leader) {
      this.lockConn ??= await sql.reserve();
      const [r] = await this.lockConn<{ ok: boolean }[]>`select pg_try_advisory_lock(${LINKAGE_LOCK}) ok`;
      this.leader = r?.ok === true;
      if (this.leader) this.log("leads the linkage job");
      else return;
    }
    if (!force && Date.now() - this.lastLinkageAt < this.linkageMs && !(await this.allDrained())) return;
    if (!(await this.behind())) return;
    this.lastLinkageAt = Date.now();
    const s = await runLinkage(sql, this.id, this.o.detector ? { detector: this.o.detector } : {});
    this.linkageRuns++;
    this.lastLinkage = s;
    this.log(
      `linkage: ${s.accounts} accounts, ${s.flagged} flagged, ${s.campaigns} campaigns, ${s.exchanges} exchanges in ${(s.ms / 1000).toFixed(1)} s`,
    );
  }

  /** Whether a partition has been committed, or an analyst has reviewed, since the last linkage run. */
  private async behind(): Promise<boolean> {
    const sql = this.sql as Sql;
    const [r] = await sql<{ behind: boolean }[]>`
      with l as (select covered, started_at from linkage_runs order by id desc limit 1)
      select (coalesce((select bool_or(p.seq > coalesce((l.covered ->> p.partition::text)::bigint, 0)) from partitions p, l), true)
          or exists (select 1 from reviews, l where reviews.reviewed_at >= l.started_at))
        and exists (select 1 from partitions where seq > 0) behind`;
    return r?.behind === true;
  }

  /** Every partition is held, its consumer has nothing pending, and nothing is uncommitted here. */
  private async allDrained(): Promise<boolean> {
    const sql = this.sql as Sql;
    const bus = this.bus as Bus;
    for (const h of this.held.values()) if (h.state.pending > 0) return false;
    const [r] = await sql<{ free: number }[]>`
      select count(*)::int free from partitions where owner is null or lease_until < now()`;
    if ((r?.free ?? 1) > 0) return false;
    for (let p = 0; p < bus.partitions; p++) {
      const lag = this.lagCache.get(p);
      if (lag === undefined || lag > 0) return false;
    }
    return true;
  }

  private async idle(): Promise<boolean> {
    if (!(await this.allDrained())) return false;
    const sql = this.sql as Sql;
    const [r] = await sql<{ n: number }[]>`select count(*)::int n from linkage_runs`;
    return (r?.n ?? 0) > 0 && !(await this.behind());
  }

  private async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping = true;
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...this.held.keys()].map((p) => this.release(p).catch(() => {})));
    await this.eventsSub?.close().catch(() => {});
    if (this.lockConn) {
      await this.lockConn`select pg_advisory_unlock_all()`.catch(() => {});
      this.lockConn.release();
    }
    const sql = this.sql;
    if (sql) {
      await sql`delete from workers where worker_id = ${this.id}`.catch(() => {});
      await sql.end({ timeout: 5 });
    }
    await this.bus?.close();
  }
}

function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "40001" || code === "40P01" || code === "CONNECTION_CLOSED";
}
