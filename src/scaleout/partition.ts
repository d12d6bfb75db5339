// One partition of the account space, as a worker holds it: a detector over the
// partition's accounts (profiles and own evidence; shared values go to the store for
// the linkage job), fed in stream order, and what has changed since the last commit.
// A commit writes that change and the partition's stream sequence in one transaction,
// fenced by the worker's lease epoch, so a message applied twice (redelivered after a
// crash, or by a worker that lost its lease) counts once.
import type { JsMsg } from "@nats-io/jetstream";
import {
  type AccountRecord,
  checkers,
  checkLines,
  type InputIssue,
  type IssueSink,
} from "../contract/index.js";
import { parseExchangeLines } from "../pipeline/index.js";
import { type Detector, DetectorDriver, type DetectorOptions } from "../verdicts/index.js";
import { partitionOf } from "./bus.js";
import type { Sql } from "./pg.js";

export class LostLease extends Error {
  override readonly name = "LostLease";
}

export interface PartitionOptions {
  readonly partition: number;
  readonly partitions: number;
  readonly worker: string;
  readonly epoch: number;
  readonly leaseMs: number;
  readonly detector?: DetectorOptions;
  readonly releases: ReadonlyMap<string, number>;
  readonly onIssue?: IssueSink;
}

interface Link {
  ts: number;
  kind: string;
  value: string;
  account: string;
  example: string | null;
}

export class PartitionState {
  readonly accounts = new Map<string, AccountRecord>();
  readonly driver: DetectorDriver;
  readonly detector: Detector;
  /** stream sequence of the last message applied (committed or not) */
  seq = 0;
  committedSeq = 0;
  private logTs = 0;
  /** log time of the exchange being observed (the time of the links it makes) */
  private observing = 0;
  private exchanges = 0;
  private readonly dirty = new Set<string>();
  private links: Link[] = [];
  private sightings: { h: string; a: string; ts: number; st: number; seq: number }[] = [];
  private metas: AccountRecord[] = [];
  private issues: InputIssue[] = [];
  private last: JsMsg | undefined;
  applied = 0;

  constructor(private readonly o: PartitionOptions) {
    this.driver = new DetectorDriver(this.accounts, {
      ...o.detector,
      linkSink: (kind, value, account, example) => {
        this.links.push({ ts: this.observing, kind, value, account, example: example ?? null });
      },
    });
    this.detector = this.driver.detector;
    for (const [model, ts] of o.releases) this.driver.addRelease(model, ts);
  }

  get partition(): number {
    return this.o.partition;
  }

  get pending(): number {
    return this.seq - this.committedSeq;
  }

  /** a message was received since the last commit (perhaps only a redelivery, which still needs its ack) */
  get unacked(): boolean {
    return this.last !== undefined;
  }

  /** Reads the partition's accounts and sequence from the store. */
  async load(sql: Sql): Promise<void> {
    const [row] = await sql<
      { seq: number }[]
    >`select seq from partitions where partition = ${this.o.partition}`;
    this.seq = this.committedSeq = row?.seq ?? 0;
    for (const m of await sql<{ record: AccountRecord }[]>`
      select record from account_meta where partition = ${this.o.partition}`)
      this.accounts.set(m.record.account_id, m.record);
    await sql<
      { state: Buffer }[]
    >`select state from account_state where partition = ${this.o.partition}`.cursor(500, async (rows) => {
      for (const r of rows) this.driver.loadAccount(r.state);
    });
  }

  addRelease(model: string, ts: number): void {
    this.driver.addRelease(model, ts);
  }

  /** Applies one message (an exchange or an account record) from the partition's subject. */
  apply(msg: JsMsg): void {
    this.last = msg;
    if (msg.seq <= this.seq) return;
    this.seq = msg.seq;
    this.applied++;
    const file = msg.subject;
    const lines = [{ line: msg.seq, text: msg.string() }];
    const onIssue: IssueSink = (i) => {
      this.issues.push(i);
      this.o.onIssue?.(i);
    };
    if (msg.subject.endsWith(".a")) {
      for (const { value } of checkLines(file, lines, checkers.account, onIssue)) {
        this.accounts.set(value.account_id, value);
        this.metas.push(value);
      }
      return;
    }
    const batch = parseExchangeLines(file, lines);
    for (const i of batch.issues) onIssue(i);
    for (const { facts, signals } of batch.rows) {
      if (partitionOf(facts.accountId, this.o.partitions) !== this.o.partition) {
        onIssue({
          file,
          line: msg.seq,
          code: "E_BAD_FIELD",
          reason: `account ${facts.accountId.slice(0, 80)} belongs to partition ${partitionOf(facts.accountId, this.o.partitions)}, not this one`,
          skipped: true,
        });
        continue;
      }
      const ts = facts.ts;
      this.observing = ts;
      this.driver.observe(facts, signals);
      this.sightings.push({
        h: signals.promptHash,
        a: facts.accountId,
        ts,
        st: facts.status ?? 200,
        seq: msg.seq,
      });
      this.dirty.add(facts.accountId);
      if (ts > this.logTs) this.logTs = ts;
      this.exchanges++;
    }
  }

  /**
   * Writes what changed since the last commit with the partition's sequence, fenced by
   * the lease epoch (throws LostLease when another worker holds the partition now), then
   * acknowledges the stream up to that sequence.
   */
  async commit(sql: Sql): Promise<void> {
    if (this.seq === this.committedSeq) {
      // nothing new: only redeliveries of what is committed, which must still be acknowledged
      this.last?.ack();
      this.last = undefined;
      return;
    }
    const p = this.o.partition;
    const rows = [...this.dirty].flatMap((id) => {
      const saved = this.driver.saveAccount(id);
      if (saved === undefined) return [];
      const st = saved.state;
      return [
        {
          id,
          n: st.profile.n,
          first: st.profile.firstTs,
          risk: st.decision?.risk ?? 0,
          flagged: st.decision?.flagged ?? false,
          state: saved.bytes,
        },
      ];
    });
    await sql.begin(async (tx) => {
      const fenced = await tx`
        update partitions set seq = ${this.seq}, exchanges = exchanges + ${this.exchanges},
          log_ts = greatest(coalesce(log_ts, 0), ${this.logTs}), committed_at = now(),
          lease_until = now() + make_interval(secs => ${this.o.leaseMs / 1000})
        where partition = ${p} and owner = ${this.o.worker} and epoch = ${this.o.epoch} returning 1`;
      if (fenced.length === 0) throw new LostLease(`partition ${p}: lease lost`);
      for (let i = 0; i < this.metas.length; i += 2000) {
        const chunk = this.metas.slice(i, i + 2000);
        await tx`insert into account_meta (account_id, partition, record)
          select a, ${p}, r::jsonb from unnest(${chunk.map((m) => m.account_id)}::text[], ${chunk.map((m) => JSON.stringify(m))}::text[]) t(a, r)
          on conflict (account_id) do update set record = excluded.record`;
      }
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await tx`insert into account_state (account_id, partition, first_ts, exchanges, risk, flagged, state, updated_at)
          select a, ${p}, ft, n, r, f::boolean, decode(s, 'base64'), now() from unnest(${chunk.map((r) => r.id)}::text[], ${chunk.map((r) => r.first)}::bigint[], ${chunk.map((r) => r.n)}::int[],
            ${chunk.map((r) => r.risk)}::real[], ${chunk.map((r) => (r.flagged ? 1 : 0))}::int[], ${chunk.map((r) => r.state.toString("base64"))}::text[]) t(a, ft, n, r, f, s)
          on conflict (account_id) do update set exchanges = excluded.exchanges, risk = excluded.risk,
            flagged = excluded.flagged, state = excluded.state, updated_at = excluded.updated_at`;
      }
      for (let i = 0; i < this.links.length; i += 5000) {
        const c = this.links.slice(i, i + 5000);
        await tx`insert into link_members (kind, value, account_id, example, ts, partition)
          select k, v, a, e, t, ${p} from unnest(${c.map((l) => l.kind)}::text[], ${c.map((l) => l.value)}::text[],
            ${c.map((l) => l.account)}::text[], ${c.map((l) => l.example)}::text[], ${c.map((l) => l.ts)}::bigint[])
            with ordinality u(k, v, a, e, t, o)
          order by o
          on conflict (kind, value, account_id) do nothing`;
      }
      for (let i = 0; i < this.sightings.length; i += 5000) {
        const c = this.sightings.slice(i, i + 5000);
        await tx`insert into prompt_sightings (prompt_hash, account_id, ts, status, partition, seq)
          select h, a, t, s, ${p}, q from unnest(${c.map((x) => x.h)}::text[], ${c.map((x) => x.a)}::text[],
            ${c.map((x) => x.ts)}::bigint[], ${c.map((x) => x.st)}::int[], ${c.map((x) => x.seq)}::bigint[]) t(h, a, t, s, q)`;
      }
      if (this.issues.length > 0)
        await tx`insert into input_issues (file, line, code, reason)
          select * from unnest(${this.issues.map((i) => i.file)}::text[], ${this.issues.map((i) => i.line)}::bigint[],
            ${this.issues.map((i) => i.code)}::text[], ${this.issues.map((i) => i.reason)}::text[])`;
    });
    this.committedSeq = this.seq;
    this.dirty.clear();
    this.links = [];
    this.sightings = [];
    this.metas = [];
    this.issues = [];
    this.exchanges = 0;
    this.logTs = 0;
    const last = this.last;
    this.last = undefined;
    // AckPolicy.All: acknowledging the last message acknowledges every earlier one
    last?.ack();
  }
}
