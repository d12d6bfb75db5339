// The event bus: one JetStream stream holding every exchange and account record under
// a subject that carries its account's partition (<prefix>.p.<NN>.x / .a), and model
// releases under <prefix>.events. Publishing sets each message's id (Nats-Msg-Id), so a
// message sent twice within the stream's duplicate window is stored once.
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { textKey } from "../profiles/index.js";

export interface BusOptions {
  /** NATS server URL(s), e.g. nats://127.0.0.1:4222 */
  readonly servers: string;
  /** stream name (default DISTILLGUARD) */
  readonly stream?: string;
  /** subject prefix (default distillguard) */
  readonly prefix?: string;
  /** partitions of the account space; fixed when the stream is created (default 16) */
  readonly partitions?: number;
}

export const DEFAULT_PARTITIONS = 16;

/** The partition of an account: FNV-1a of its id, modulo the partition count. */
export function partitionOf(accountId: string, partitions: number): number {
  return textKey(accountId) % partitions;
}

export type RecordKind = "exchange" | "account";

export class Bus {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly stream: string,
    readonly prefix: string,
    readonly partitions: number,
  ) {}

  /** Connects and makes sure the stream exists with this partition count (kept in its description). */
  static async open(opts: BusOptions): Promise<Bus> {
    const nc = await connect({ servers: opts.servers.split(","), name: "distillguard" });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = opts.stream ?? "DISTILLGUARD";
      const prefix = opts.prefix ?? "distillguard";
      let partitions = opts.partitions;
      const existing = await jsm.streams.info(stream).catch(() => undefined);
      if (existing) {
        const held = Number(
          /partitions=(\d{1,4})$/.exec(existing.config.description ?? "")?.[1] ?? Number.NaN,
        );
        if (Number.isFinite(held)) {
          if (partitions !== undefined && partitions !== held)
            throw new BusError(
              `stream ${stream} has ${held} partitions, not ${partitions}: the partition count is fixed when the stream is created`,
            );
          partitions = held;
        }
      } else {
        partitions ??= DEFAULT_PARTITIONS;
        await jsm.streams.add({
          name: stream,
          subjects: [`${prefix}.p.*.*`, `${prefix}.events`],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          duplicate_window: 10 * 60 * 1_000_000_000,
          // stream metadata needs nats-server 2.10; the description works on 2.9 too
          description: `distillguard exchanges; partitions=${partitions}`,
        });
      }
      return new Bus(nc, jetstream(nc), jsm, stream, prefix, partitions ?? DEFAULT_PARTITIONS);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  subject(partition: number, kind: RecordKind): string {
    return `${this.prefix}.p.${String(partition).padStart(3, "0")}.${kind === "exchange" ? "x" : "a"}`;
  }

  partitionFilter(partition: number): string {
    return `${this.prefix}.p.${String(partition).padStart(3, "0")}.*`;
  }

  get eventsSubject(): string {
    return `${this.prefix}.events`;
  }

  /**
   * A partition's durable consumer for one lease epoch. Each owner gets its own, so a
   * superseded owner still pulling (its lease taken while its event loop was busy) reads
   * from a consumer that no longer exists rather than taking messages from the new one
   * (whose acknowledge-all would then count them as done).
   */
  consumerName(partition: number, epoch: number): string {
    return `${this.stream.toLowerCase()}-p${String(partition).padStart(3, "0")}-e${epoch}`;
  }

  /**
   * Creates the partition's consumer for this epoch, delivering from `fromSeq` (right after
   * the sequence the store holds, whatever earlier owners were delivered), and deletes the
   * consumers of earlier epochs.
   */
  async resetConsumer(partition: number, epoch: number, fromSeq: number): Promise<void> {
    const prefix = `${this.stream.toLowerCase()}-p${String(partition).padStart(3, "0")}-e`;
    const name = this.consumerName(partition, epoch);
    const stale: string[] = [];
    // (the listing can hold a null for a consumer deleted while it is read)
    for await (const c of this.jsm.consumers.list(this.stream) as AsyncIterable<{ name: string } | null>)
      if (c?.name.startsWith(prefix) && c.name !== name) stale.push(c.name);
    for (const n of stale) await this.jsm.consumers.delete(this.stream, n).catch(() => false);
    await this.jsm.consumers.delete(this.stream, name).catch(() => false);
    await this.jsm.consumers.add(this.stream, {
      durable_name: name,
      filter_subject: this.partitionFilter(partition),
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, fromSeq),
      max_ack_pending: 100_000,
      // longer than a linkage run, which holds the leader's event loop (and its partitions' acks)
      ack_wait: 5 * 60 * 1_000_000_000,
    });
  }

  /** Messages not yet delivered plus delivered and not yet acknowledged (undefined: no such consumer). */
  async lag(partition: number, epoch: number): Promise<number | undefined> {
    const info = await this.jsm.consumers
      .info(this.stream, this.consumerName(partition, epoch))
      .catch(() => undefined);
    return info ? info.num_pending + info.num_ack_pending : undefined;
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

export class BusError extends Error {
  override readonly name = "BusError";
}

/**
 * Publishes with a bounded number of acknowledgements outstanding: fast enough for a
 * backlog, and a failure (stream full, server gone) surfaces at the next call.
 */
export class Publisher {
  private inflight = 0;
  private waiters: (() => void)[] = [];
  private failure: unknown;
  published = 0;
  duplicates = 0;

  constructor(
    private readonly bus: Bus,
    private readonly window = 512,
  ) {}

  async exchange(accountId: string, id: string, line: string): Promise<void> {
    await this.send(
      this.bus.subject(partitionOf(accountId, this.bus.partitions), "exchange"),
      `x:${id}`,
      line,
    );
  }

  async account(accountId: string, line: string): Promise<void> {
    await this.send(
      this.bus.subject(partitionOf(accountId, this.bus.partitions), "account"),
      `a:${accountId}`,
      line,
    );
  }

  async event(key: string, line: string): Promise<void> {
    await this.send(this.bus.eventsSubject, `e:${key}`, line);
  }

  private async send(subject: string, msgID: string, line: string): Promise<void> {
    if (this.failure) throw this.failure;
    // one waiter per blocked caller, woken by the next acknowledgement (no race over every outstanding one)
    while (this.inflight >= this.window) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.inflight++;
    this.bus.js.publish(subject, line, { msgID }).then(
      (ack) => {
        if (ack.duplicate) this.duplicates++;
        else this.published++;
        this.settle();
      },
      (err: unknown) => {
        this.failure ??= err;
        this.settle();
      },
    );
  }

  private settle(): void {
    this.inflight--;
    this.waiters.shift()?.();
  }

  /** Waits for every outstanding acknowledgement; throws the first failure. */
  async flush(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }
}
