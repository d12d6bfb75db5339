// The shared store of the scale-out mode, in PostgreSQL: partition leases and offsets,
// account profiles (the workers' state), linkage evidence (shared values, prompt
// sightings), the linkage job's verdicts and campaigns, and analysts' reviews.
// Migrations are numbered and applied once each, under an advisory lock.
import postgres from "postgres";
import { at } from "../contract/index.js";

export type Sql = postgres.Sql;

/** Numbered schema changes; append, never edit one that has shipped. */
const MIGRATIONS: readonly string[] = [
  `create table partitions (
     partition int primary key,
     owner text, epoch bigint not null default 0, lease_until timestamptz,
     seq bigint not null default 0,
     exchanges bigint not null default 0,
     log_ts bigint,
     committed_at timestamptz);
   create table workers (
     worker_id text primary key, host text not null, pid int not null, http text,
     started_at timestamptz not null default now(), heartbeat_at timestamptz not null default now());
   create table account_meta (account_id text primary key, partition int not null, record jsonb not null);
   create table account_state (
     account_id text primary key, partition int not null, first_ts bigint not null, exchanges int not null,
     risk real not null, flagged boolean not null, state bytea not null,
     updated_at timestamptz not null default now());
   create index account_state_partition on account_state (partition);
   create table link_members (
     id bigserial primary key, kind text not null, value text not null, account_id text not null, example text,
     ts bigint not null, partition int not null,
     unique (kind, value, account_id));
   create table prompt_sightings (
     prompt_hash text not null, account_id text not null, ts bigint not null, status int not null,
     partition int not null, seq bigint not null);
   create index prompt_sightings_hash on prompt_sightings (prompt_hash, ts);
   create table releases (model text primary key, ts bigint not null);
   create table input_issues (
     id bigserial primary key, file text not null, line bigint not null, code text not null, reason text not null,
     at timestamptz not null default now());
   create table verdicts (
     account_id text primary key, risk real not null, flagged boolean not null, campaign_id text,
     line jsonb not null, updated_at timestamptz not null default now());
   create index verdicts_flagged on verdicts (account_id) where flagged;
   create table campaigns (campaign_id text primary key, ord int not null, accounts int not null, exchanges bigint not null, data jsonb not null);
   create table linkage_runs (
     id bigserial primary key, leader text not null, started_at timestamptz not null, finished_at timestamptz not null,
     covered jsonb not null, accounts int not null, flagged int not null, campaigns int not null, exchanges bigint not null);
   create table reviews (
     target_type text not null, target_id text not null, decision text not null, comment text not null,
     analyst text not null, evidence text not null, reviewed_at timestamptz not null default now());`,
  // 2: gateways read own-evidence flags as workers commit them; gateways' policy decisions
  `create index account_state_updated on account_state (updated_at);
   create table gateway_decisions (
     hour timestamptz not null, action text not null, acted boolean not null, n bigint not null,
     primary key (hour, action, acted));`,
  // 3: the linkage's hand-off replay starts from the refusals
  `create index prompt_sightings_refused on prompt_sightings (prompt_hash, ts) where status = 429;`,
];

/** Key of the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 0x64670001;
/** Key of the advisory lock held by the linkage leader. */
export const LINKAGE_LOCK = 0x64670002;

export interface PgOptions {
  /** connections in the pool (default 4) */
  readonly max?: number;
}

/** Opens a pool; notices are not printed (the caller's logger decides what is shown). */
export function openPg(url: string, opts: PgOptions = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 4,
    onnotice: () => {},
    // bigint columns arrive as JavaScript numbers: sequences, counts and times stay far below 2^53
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
    transform: { undefined: null },
    connection: { application_name: "distillguard" },
  });
}

/** Applies the migrations this build knows and the store lacks; returns the schema version. */
export async function migrate(sql: Sql): Promise<number> {
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`create table if not exists schema_migrations (version int primary key, applied_at timestamptz not null default now())`;
    const [row] = await tx<{ v: number | null }[]>`select max(version)::int v from schema_migrations`;
    const have = row?.v ?? 0;
    if (have > MIGRATIONS.length)
      throw new Error(`the store's schema is version ${have}; this build knows up to ${MIGRATIONS.length}`);
    for (let v = have + 1; v <= MIGRATIONS.length; v++) {
      await tx.unsafe(at(MIGRATIONS, v - 1));
      await tx`insert into schema_migrations (version) values (${v})`;
    }
    return MIGRATIONS.length;
  });
}

/** Makes sure the partitions table has rows 0..n-1 (and no others: the count is fixed). */
export async function ensurePartitions(sql: Sql, n: number): Promise<void> {
  const [row] = await sql<
    { n: number; max: number | null }[]
  >`select count(*)::int n, max(partition) max from partitions`;
  if (row && row.n > 0 && row.n !== n)
    throw new Error(`the store was made for ${row.n} partitions, the stream has ${n}`);
  await sql`insert into partitions (partition) select g from generate_series(0, ${n - 1}::int) g on conflict do nothing`;
}
