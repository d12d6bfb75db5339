// The embedded store: DuckDB (@duckdb/node-api). An analysis writes its per-exchange
// features, account verdicts and campaigns so that analysts can ask questions without
// re-reading raw logs. Rows go to staging tables while the run streams; one transaction
// at the end replaces the published tables, so a run killed part-way leaves the store
// as it was, and re-running on the same input does not double-count.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { type DuckDBConnection, DuckDBInstance, DuckDBTimestampValue } from "@duckdb/node-api";
import type {
  AccountRecord,
  Campaign,
  CampaignsFile,
  ExchangeFacts,
  VerdictAccount,
} from "../contract/index.js";

export interface ExchangeFeatures {
  readonly view: ExchangeFacts;
  readonly capabilities: readonly string[];
  readonly scaffold: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface AccountFacts {
  readonly verdict: VerdictAccount;
  readonly exchanges: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

const SCHEMA = `
create table if not exists exchanges (
  id varchar, ts timestamp, account_id varchar, model varchar, api varchar, status integer,
  capabilities varchar[], scaffold varchar, input_tokens integer, output_tokens integer,
  ip varchar, ip_type varchar, country varchar, user_agent varchar
);
create table if not exists accounts (
  account_id varchar, risk double, flagged boolean, campaign_id varchar, first_flagged_at timestamp,
  exchanges integer, first_seen timestamp, last_seen timestamp, reasons json
);
create table if not exists campaigns (
  campaign_id varchar, accounts integer, exchanges bigint, first_seen timestamp, last_seen timestamp,
  confidence double, capabilities json, indicators json, evidence json
);
create table if not exists campaign_accounts (campaign_id varchar, account_id varchar);
create table if not exists ingests (
  input varchar, fingerprint varchar, bytes bigint, exchanges bigint, first_ts timestamp,
  last_ts timestamp, finished_at timestamp, mode varchar
);
create table if not exists _state (seq integer, data blob);
create table if not exists releases (model varchar, ts timestamp);
create table if not exists daily_traffic (d varchar, series varchar, n bigint);
create table if not exists account_daily (account_id varchar, d varchar, model varchar, capability varchar, n bigint);
create table if not exists account_infra (
  account_id varchar, ip varchar, ip_type varchar, country varchar, user_agent varchar, n bigint
);
create table if not exists account_sessions (account_id varchar, sessions bigint, per_session double, longest bigint);
create table if not exists gateway_decisions (hour timestamp, action varchar, acted boolean, n bigint);
create table if not exists account_meta (
  account_id varchar, created_at timestamp, pathway varchar, verified boolean, signup_country varchar,
  payment_fingerprint varchar, email_domain varchar, org_id varchar
);
alter table account_meta add column if not exists signup_ip varchar;
create table if not exists reviews (
  target_type varchar, target_id varchar, decision varchar, comment varchar, analyst varchar,
  evidence varchar, reviewed_at timestamp
);
create table if not exists partner_indicators (
  bundle_id varchar, partner varchar, campaign varchar, kind varchar, value varchar, confidence double,
  valid_from timestamp, valid_until timestamp, imported_at timestamp
);
`;

/** A partner's indicator, as imported from a STIX bundle (src/intel). */
export interface PartnerIndicatorRow {
  readonly partner: string;
  readonly campaign: string;
  readonly kind: string;
  readonly value: string;
  readonly confidence: number;
  readonly validFrom: number | undefined;
  readonly validUntil: number | undefined;
}

// Staging tables hold text where the published ones have types; the publishing insert casts.
const STAGE = `
create or replace table _stage_exchanges (
  id varchar, ts varchar, account_id varchar, model varchar, api varchar, status integer,
  capabilities varchar, scaffold varchar, input_tokens integer, output_tokens integer,
  ip varchar, ip_type varchar, country varchar, user_agent varchar
);
`;

function tsOrNull(s: string | null): string | null {
  return s === null ? null : s.replace("T", " ").replace("Z", "");
}

function sqlTs(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** One input file taken into the store. */
export interface Ingest {
  readonly input: string;
  /** sha-256 of the size and the first and last MiB: the same file is recognised cheaply */
  readonly fingerprint: string;
  readonly bytes: number;
  readonly exchanges: number;
  readonly firstTs: number | undefined;
  readonly lastTs: number | undefined;
}

export interface PublishOptions {
  /** add this run's exchanges to those in the store instead of replacing them */
  readonly append: boolean;
  /** the input files taken in by this run (none: a run that read nothing new, or standard input) */
  readonly ingest: Ingest | readonly Ingest[] | undefined;
  /** the detector's saved state, as serialised parts, replacing the stored one */
  readonly state: Iterable<Uint8Array>;
  /** model releases (given or inferred), replacing the stored ones (the dashboard marks them) */
  readonly releases?: readonly { readonly model: string; readonly ts: number }[];
  /** sign-up metadata of the accounts, replacing the stored (the dashboard's account pages) */
  readonly accountMeta?: Iterable<AccountRecord>;
  /** a gateway's policy decisions since its last save, counted by hour, action and whether acted on (added) */
  readonly decisions?: readonly DecisionCount[];
}

export interface DecisionCount {
  /** the hour, ms since the epoch */
  readonly hour: number;
  readonly action: string;
  readonly acted: boolean;
  readonly n: number;
}

/**
 * Per-account summaries of the exchanges, rebuilt with each publish: what an account's page
 * and a campaign's chart and graph read, so that they never scan the exchanges. Each is
 * written in account order, so a lookup by account reads the few row groups holding it
 * (DuckDB's zone maps).
 */
const SUMMARIES = `
  delete from account_daily;
  insert into account_daily select account_id, strftime(date_trunc('day', ts), '%Y-%m-%d') d, coalesce(model, 'unknown') model,
    coalesce(capabilities[1], 'general') capability, count(*) n from exchanges group by all order by account_id, d;
  delete from account_infra;
  insert into account_infra select account_id, ip, ip_type, country, user_agent, count(*) n
    from exchanges group by all order by account_id, n desc;
  delete from account_sessions;
  insert into account_sessions select account_id, count(*) sessions, avg(n) per_session, max(n) longest from (
    select account_id, s, count(*) n from (
      select account_id, sum(case when gap is null or gap > interval 30 minute then 1 else 0 end)
        over (partition by account_id order by ts) s
      from (select account_id, ts, ts - lag(ts) over (partition by account_id order by ts) gap from exchanges))
    group by all)
  group by account_id order by account_id;
`;

/** "768MB", "2GB" → megabytes. */
function megabytes(limit: string): number {
  const m = /^(\d{1,7})\s?(MB|GB|MiB|GiB)$/i.exec(limit.trim());
  if (!m) throw new Error(`memory limit ${limit}: expected a number of MB or GB`);
  return Number(m[1]) * (/^g/i.test(m[2] ?? "") ? 1024 : 1);
}

/** Saved-state parts are stored deflated, after this marker (a v8-serialised part never starts with it). */
const PACKED = Buffer.from("DGZ1");

function packState(part: Uint8Array): Uint8Array {
  return Buffer.concat([PACKED, deflateRawSync(part, { level: 1 })]);
}

/** A stored part as it was saved (stores written before parts were packed hold them plain). */
function unpackState(stored: Uint8Array): Uint8Array {
  const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  return b.subarray(0, 4).equals(PACKED) ? inflateRawSync(b.subarray(4)) : stored;
}

/** DuckDB's memory while an analysis writes (it spills to disk beyond this). */
/** A store that cannot be opened: the message names the file, the problem and the fix. */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
}

/** Bytes 8-11 of every DuckDB database file. */
const DUCKDB_MAGIC = "DUCK";

/**
 * Checks a store path before DuckDB opens it: a folder, a file that is not a DuckDB
 * database (a JSONL log given by mistake would otherwise be opened, and written to), or, for
 * reading, no file at all, are each one clear StoreOpenError.
 */
function checkStorePath(path: string, readOnly: boolean): void {
  if (!existsSync(path)) {
    if (readOnly)
      throw new StoreOpenError(
        `${path}: no store there (make one with: npx distillguard analyze LOG --out DIR --db ${path})`,
      );
    return;
  }
  const st = statSync(path);
  if (st.isDirectory()) throw new StoreOpenError(`${path}: is a folder; --db names a DuckDB file`);
  if (st.size === 0 && !readOnly) return;
  const head = Buffer.alloc(12);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  if (head.subarray(8, 12).toString("latin1") !== DUCKDB_MAGIC)
    throw new StoreOpenError(
      `${path}: not a DuckDB store (analyze --db writes one: name a new file, or a store it wrote)`,
    );
}

/** Opens a store's database, turning DuckDB's errors (a missing folder, a lock held by another process) into one line. */
async function openInstance(path: string, options: Record<string, string>): Promise<DuckDBInstance> {
  checkStorePath(path, options.access_mode === "READ_ONLY");
  try {
    return await DuckDBInstance.create(path, options);
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).replace(/^[A-Za-z ]{1,30} Error: /, "");
    const hint = /lock/i.test(msg)
      ? " (another process has it open for writing: a gateway or an analyze run; stop it or wait)"
      : /No such file or directory|Not a directory/.test(msg)
        ? " (its folder does not exist: create it, or choose another path)"
        : /Permission denied|Read-only/i.test(msg)
          ? " (choose a path you can write)"
          : "";
    throw new StoreOpenError(`${path}: cannot open the store: ${msg.split("\n")[0]}${hint}`);
  }
}

/** Opens a store, runs `fn` on one connection, and closes both whatever happens. */
async function withConnection<T>(
  path: string,
  options: Record<string, string>,
  fn: (conn: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const instance = await openInstance(path, options);
  try {
    const conn = await instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

export const STORE_MEMORY_LIMIT = "768MB";

export class DuckDbStore {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly appender: Awaited<ReturnType<DuckDBConnection["createAppender"]>>,
    private limitMb: number,
  ) {}

  /** Opens (creating if needed) the store for writing an analysis run. */
  static async open(path: string, memoryLimit = STORE_MEMORY_LIMIT): Promise<DuckDbStore> {
    // DuckDB would take up to 80% of RAM by default; the analysis needs its memory for profiles
    const instance = await openInstance(path, { memory_limit: memoryLimit, ...NO_EXTENSIONS });
    const conn = await instance.connect();
    await conn.run(SCHEMA);
    await conn.run(STAGE);
    const appender = await conn.createAppender("_stage_exchanges");
    return new DuckDbStore(instance, conn, appender, megabytes(memoryLimit));
  }

  addExchange(f: ExchangeFeatures): void {
    const a = this.appender;
    const v = f.view;
    const c = v.client;
    a.appendVarchar(v.id);
    a.appendVarchar(sqlTs(v.ts));
    a.appendVarchar(v.accountId);
    appendOptional(a, v.model);
    a.appendVarchar(v.api);
    a.appendInteger(v.status);
    a.appendVarchar(f.capabilities.join(","));
    a.appendVarchar(f.scaffold);
    a.appendInteger(Math.min(2 ** 31 - 1, f.inputTokens));
    a.appendInteger(Math.min(2 ** 31 - 1, f.outputTokens));
    appendOptional(a, c.ip);
    appendOptional(a, c.ip_type);
    appendOptional(a, c.country);
    appendOptional(a, c.user_agent?.slice(0, 200));
    a.endRow();
  }

  /** The ingest of an input with this fingerprint, if the store holds one. */
  async findIngest(fingerprint: string): Promise<{ input: string; finishedAt: string } | undefined> {
    const r = await this.conn.runAndReadAll(
      "select input, strftime(finished_at, '%Y-%m-%dT%H:%M:%SZ') f from ingests where fingerprint = $fp limit 1",
      { fp: fingerprint },
    );
    const row = r.getRowObjectsJson()[0];
    return row === undefined ? undefined : { input: String(row.input), finishedAt: String(row.f) };
  }

  /** Whether the store holds exchanges, and whether it holds a saved detector state. */
  async contents(): Promise<{ exchanges: number; state: boolean }> {
    const r = await this.conn.runAndReadAll(
      "select (select count(*) from exchanges) n, (select count(*) from _state) s",
    );
    const row = r.getRowObjectsJson()[0] ?? {};
    return { exchanges: Number(row.n ?? 0), state: Number(row.s ?? 0) > 0 };
  }

  /** The saved detector state, one serialised part at a time (memory holds one part). */
  async *stateParts(): AsyncGenerator<Uint8Array> {
    const n = Number(
      (await this.conn.runAndReadAll("select count(*) n from _state")).getRowObjectsJson()[0]?.n ?? 0,
    );
    for (let seq = 0; seq < n; seq++) {
      const r = await this.conn.runAndReadAll("select data from _state where seq = $seq", { seq });
      const v = r.getRows()[0]?.[0] as { bytes: Uint8Array } | undefined;
      if (v === undefined) throw new Error(`saved state part ${seq} is missing`);
      yield unpackState(v.bytes);
    }
  }

  /**
   * Publishes the run in one transaction: the exchanges (added to or replacing those
   * stored), the accounts, campaigns and saved state (replaced) and the ingest record.
   */
  async publish(
    accounts: Iterable<AccountFacts>,
    campaigns: readonly Campaign[],
    opts: PublishOptions = { append: false, ingest: undefined, state: [] },
  ): Promise<void> {
    this.appender.flushSync();
    this.appender.closeSync();
    const c = this.conn;
    await c.run("create or replace table _stage_state (seq integer, data blob)");
    const st = await c.createAppender("_stage_state");
    let seq = 0;
    // DuckDB checkpoints a row group (122,880 rows: here all of the state) with its blobs in
    // memory, so the state cannot spill: its parts are compressed, and the memory limit is
    // raised to hold them while this run publishes (at report scale, about a gigabyte)
    let stored = 0;
    for (const part of opts.state) {
      const packed = packState(part);
      stored += packed.byteLength;
      const needMb = Math.ceil(256 + (2.5 * stored) / 2 ** 20);
      if (needMb > this.limitMb) {
        this.limitMb = Math.max(needMb, Math.ceil(this.limitMb * 1.5));
        await c.run(`set memory_limit = '${this.limitMb}MB'`);
      }
      st.appendInteger(seq++);
      st.appendBlob(packed);
      st.endRow();
    }
    st.flushSync();
    st.closeSync();
    await c.run(`create or replace table _stage_ingests (
      input varchar, fingerprint varchar, bytes bigint, exchanges bigint, first_ts varchar,
      last_ts varchar, finished_at varchar, mode varchar)`);
    const ingests: readonly Ingest[] =
      opts.ingest === undefined ? [] : "fingerprint" in opts.ingest ? [opts.ingest] : opts.ingest;
    if (ingests.length > 0) {
      const ing = await c.createAppender("_stage_ingests");
      for (const i of ingests) {
        ing.appendVarchar(i.input);
        ing.appendVarchar(i.fingerprint);
        ing.appendBigInt(BigInt(i.bytes));
        ing.appendBigInt(BigInt(i.exchanges));
        appendOptional(ing, i.firstTs === undefined ? undefined : sqlTs(i.firstTs));
        appendOptional(ing, i.lastTs === undefined ? undefined : sqlTs(i.lastTs));
        ing.appendVarchar(sqlTs(Date.now()));
        ing.appendVarchar(opts.append ? "append" : "replace");
        ing.endRow();
      }
      ing.flushSync();
      ing.closeSync();
    }
    await c.run(`create or replace table _stage_accounts (
      account_id varchar, risk double, flagged boolean, campaign_id varchar, first_flagged_at varchar,
      exchanges integer, first_seen varchar, last_seen varchar, reasons varchar)`);
    const acc = await c.createAppender("_stage_accounts");
    for (const a of accounts) {
      const v = a.verdict;
      acc.appendVarchar(v.account_id);
      acc.appendDouble(v.risk);
      acc.appendBoolean(v.flagged);
      appendOptional(acc, v.campaign_id ?? undefined);
      appendOptional(acc, tsOrNull(v.first_flagged_at) ?? undefined);
      acc.appendInteger(a.exchanges);
      acc.appendVarchar(sqlTs(a.firstSeen));
      acc.appendVarchar(sqlTs(a.lastSeen));
      acc.appendVarchar(JSON.stringify(v.reasons));
      acc.endRow();
    }
    acc.flushSync();
    acc.closeSync();
    await c.run(`create or replace table _stage_campaigns (
      campaign_id varchar, accounts integer, exchanges bigint, first_seen varchar, last_seen varchar,
      confidence double, capabilities varchar, indicators varchar, evidence varchar)`);
    await c.run(
      "create or replace table _stage_campaign_accounts as select * from campaign_accounts limit 0",
    );
    const camp = await c.createAppender("_stage_campaigns");
    const members = await c.createAppender("_stage_campaign_accounts");
    for (const k of campaigns) {
      camp.appendVarchar(k.campaign_id);
      camp.appendInteger(k.accounts.length);
      camp.appendBigInt(BigInt(k.exchanges));
      appendOptional(camp, tsOrNull(k.first_seen) ?? undefined);
      appendOptional(camp, tsOrNull(k.last_seen) ?? undefined);
      camp.appendDouble(k.confidence);
      camp.appendVarchar(JSON.stringify(k.capabilities));
      camp.appendVarchar(JSON.stringify(k.indicators));
      camp.appendVarchar(JSON.stringify(k.evidence));
      camp.endRow();
      for (const a of k.accounts) {
        members.appendVarchar(k.campaign_id);
        members.appendVarchar(a);
        members.endRow();
      }
    }
    camp.flushSync();
    camp.closeSync();
    members.flushSync();
    members.closeSync();
    await c.run("create or replace table _stage_releases as select * from releases limit 0");
    await c.run(`create or replace table _stage_meta (account_id varchar, created_at varchar, pathway varchar,
      verified boolean, signup_country varchar, payment_fingerprint varchar, email_domain varchar, org_id varchar,
      signup_ip varchar)`);
    const rel = await c.createAppender("_stage_releases");
    for (const r of opts.releases ?? []) {
      rel.appendVarchar(r.model);
      rel.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(r.ts)) * 1000n));
      rel.endRow();
    }
    rel.flushSync();
    rel.closeSync();
    const meta = await c.createAppender("_stage_meta");
    for (const m of opts.accountMeta ?? []) {
      meta.appendVarchar(m.account_id);
      appendOptional(meta, tsOrNull(m.created_at ?? null) ?? undefined);
      appendOptional(meta, m.pathway);
      if (m.verified === undefined) meta.appendNull();
      else meta.appendBoolean(m.verified);
      appendOptional(meta, m.signup_country);
      appendOptional(meta, m.payment_fingerprint);
      appendOptional(meta, m.email_domain);
      appendOptional(meta, m.org_id);
      appendOptional(meta, m.signup_ip);
      meta.endRow();
    }
    meta.flushSync();
    meta.closeSync();
    await c.run("create or replace table _stage_decisions as select * from gateway_decisions limit 0");
    const dec = await c.createAppender("_stage_decisions");
    for (const d of opts.decisions ?? []) {
      dec.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(d.hour)) * 1000n));
      dec.appendVarchar(d.action);
      dec.appendBoolean(d.acted);
      dec.appendBigInt(BigInt(d.n));
      dec.endRow();
    }
    dec.flushSync();
    dec.closeSync();
    const keepOld = opts.releases === undefined;
    const keepMeta = opts.accountMeta === undefined;
    await c.run(`
      begin transaction;
      ${opts.append ? "" : "delete from exchanges; delete from ingests;"}
      insert into ingests select input, fingerprint, bytes, exchanges, first_ts::timestamp,
        last_ts::timestamp, finished_at::timestamp, mode from _stage_ingests;
      drop table _state; alter table _stage_state rename to _state;
      insert into exchanges select id, ts::timestamp, account_id, model, api, status,
        case when capabilities = '' then []::varchar[] else string_split(capabilities, ',') end,
        scaffold, input_tokens, output_tokens, ip, ip_type, country, user_agent from _stage_exchanges;
      delete from accounts;
      insert into accounts select account_id, risk, flagged, campaign_id, first_flagged_at::timestamp,
        exchanges, first_seen::timestamp, last_seen::timestamp, reasons::json from _stage_accounts;
      delete from campaigns;
      insert into campaigns select campaign_id, accounts, exchanges, first_seen::timestamp, last_seen::timestamp,
        confidence, capabilities::json, indicators::json, evidence::json from _stage_campaigns;
      delete from campaign_accounts; insert into campaign_accounts select * from _stage_campaign_accounts;
      ${keepOld ? "" : "delete from releases; insert into releases select * from _stage_releases;"}
      ${keepMeta ? "" : "delete from account_meta; insert into account_meta (account_id, created_at, pathway, verified, signup_country, payment_fingerprint, email_domain, org_id, signup_ip) select account_id, created_at::timestamp, pathway, verified, signup_country, payment_fingerprint, email_domain, org_id, signup_ip from _stage_meta;"}
      insert into gateway_decisions select * from _stage_decisions;
      delete from daily_traffic;
      insert into daily_traffic select strftime(date_trunc('day', e.ts), '%Y-%m-%d'), coalesce(a.campaign_id, 'other traffic'), count(*)
        from exchanges e join accounts a using (account_id) group by all;
      ${SUMMARIES}
      commit;
      drop table _stage_releases; drop table _stage_meta; drop table _stage_decisions;
      drop table _stage_exchanges; drop table _stage_accounts; drop table _stage_campaigns;
      drop table _stage_campaign_accounts; drop table _stage_ingests;
    `);
  }

  /**
   * Replaces the indicators of one partner bundle (re-importing it replaces, never adds) in
   * one transaction; returns how many rows the store then holds in all.
   */
  async replacePartnerIndicators(bundleId: string, rows: readonly PartnerIndicatorRow[]): Promise<number> {
    const c = this.conn;
    await c.run(`create or replace table _stage_partner (
      bundle_id varchar, partner varchar, campaign varchar, kind varchar, value varchar, confidence double,
      valid_from varchar, valid_until varchar, imported_at varchar)`);
    const a = await c.createAppender("_stage_partner");
    const at = sqlTs(Date.now());
    for (const r of rows) {
      a.appendVarchar(bundleId);
      a.appendVarchar(r.partner);
      a.appendVarchar(r.campaign);
      a.appendVarchar(r.kind);
      a.appendVarchar(r.value);
      a.appendDouble(r.confidence);
      appendOptional(
        a,
        r.validFrom === undefined || !Number.isFinite(r.validFrom) ? undefined : sqlTs(r.validFrom),
      );
      appendOptional(
        a,
        r.validUntil === undefined || !Number.isFinite(r.validUntil) ? undefined : sqlTs(r.validUntil),
      );
      a.appendVarchar(at);
      a.endRow();
    }
    a.flushSync();
    a.closeSync();
    await c.run(
      `begin transaction;
       delete from partner_indicators where bundle_id = '${bundleId.replaceAll("'", "''")}';
       insert into partner_indicators select bundle_id, partner, campaign, kind, value, confidence,
         valid_from::timestamp, valid_until::timestamp, imported_at::timestamp from _stage_partner;
       commit;
       drop table _stage_partner;`,
    );
    const n = await c.runAndReadAll("select count(*) n from partner_indicators");
    return Number(n.getRowObjectsJson()[0]?.n ?? 0);
  }

  /** Each target's latest review. */
  async latestReviews(): Promise<Review[]> {
    const r = await this.conn.runAndReadAll(
      `select target_type, target_id, decision, comment, analyst, evidence, epoch_ms(reviewed_at) ms from (
         select *, row_number() over (partition by target_type, target_id order by reviewed_at desc) n from reviews
       ) where n = 1`,
    );
    return r.getRowObjectsJson().map((row) => ({
      targetType: row.target_type === "campaign" ? "campaign" : "account",
      targetId: String(row.target_id),
      decision: row.decision === "confirm" ? "confirm" : "dismiss",
      comment: String(row.comment ?? ""),
      analyst: String(row.analyst ?? ""),
      evidence: String(row.evidence ?? ""),
      at: Number(row.ms),
    }));
  }

  /** Every partner indicator the store holds. */
  async partnerIndicators(): Promise<PartnerIndicatorRow[]> {
    const r = await this.conn.runAndReadAll(
      "select partner, campaign, kind, value, confidence, epoch_ms(valid_from) vf, epoch_ms(valid_until) vu from partner_indicators",
    );
    return r.getRowObjectsJson().map((row) => ({
      partner: String(row.partner),
      campaign: String(row.campaign),
      kind: String(row.kind),
      value: String(row.value),
      confidence: Number(row.confidence),
      validFrom: row.vf === null ? undefined : Number(row.vf),
      validUntil: row.vu === null ? undefined : Number(row.vu),
    }));
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

function appendOptional(
  a: { appendVarchar(v: string): void; appendNull(): void },
  v: string | undefined,
): void {
  if (v === undefined) a.appendNull();
  else a.appendVarchar(v);
}

export interface QueryResult {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}

type Param = string | number | boolean | null;

/** Extensions are never fetched or loaded on their own (nothing downloads at run time). */
const NO_EXTENSIONS = {
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
  allow_community_extensions: "false",
} as const;

/**
 * How stores are opened for reading: read-only, no file system beyond the store (no
 * read_text, read_csv, glob, COPY, ATTACH, extension installs) and the configuration locked,
 * so that SQL from a user (`query`) or a page (the dashboard) can read the store and nothing else.
 */
const LOCKED_READ_ONLY = {
  access_mode: "READ_ONLY",
  enable_external_access: "false",
  ...NO_EXTENSIONS,
  lock_configuration: "true",
} as const;

/** A statement `query` refuses before running anything (several statements, say). */
export class QueryError extends Error {
  override readonly name = "QueryError";
}

/**
 * Runs several parameterised queries against a store opened read-only, on one connection
 * (the dashboard: one open per page). Parameters are bound ($name), never spliced in.
 */
export async function readStore<K extends string>(
  path: string,
  queries: Readonly<Record<K, { sql: string; params?: Record<string, Param> }>>,
): Promise<Record<K, Record<string, unknown>[]>> {
  return withConnection(path, LOCKED_READ_ONLY, async (conn) => {
    const out = {} as Record<K, Record<string, unknown>[]>;
    for (const [k, q] of Object.entries(queries) as [K, { sql: string; params?: Record<string, Param> }][]) {
      const reader = await conn.runAndReadAll(q.sql, q.params as Record<string, string>);
      out[k] = reader.getRowObjectsJson() as Record<string, unknown>[];
    }
    return out;
  });
}

/** An analyst's decision on an account or a campaign. */
export interface Review {
  readonly targetType: "account" | "campaign";
  readonly targetId: string;
  readonly decision: "confirm" | "dismiss";
  readonly comment: string;
  readonly analyst: string;
  /** the evidence the decision was made on: the reasons' signals, sorted, joined by commas */
  readonly evidence: string;
  readonly at: number;
}

/** Creates the store's tables that an older store lacks (the dashboard reads reviews). */
export async function prepareStore(path: string): Promise<void> {
  await withConnection(path, { memory_limit: STORE_MEMORY_LIMIT, ...NO_EXTENSIONS }, async (conn) => {
    await conn.run(SCHEMA);
    // a store written before the per-account summaries gets them once
    const r = await conn.runAndReadAll(
      "select (select count(*) from account_daily) = 0 and (select count(*) from exchanges) > 0 missing",
    );
    if (r.getRowObjectsJson()[0]?.missing === true) await conn.run(`begin transaction; ${SUMMARIES} commit;`);
  });
}

/** Records a review (the store is opened for the moment it takes). */
export async function addReview(path: string, r: Review): Promise<void> {
  await withConnection(path, NO_EXTENSIONS, async (conn) => {
    // an older store gains the reviews table (and any other it lacks)
    await conn.run(SCHEMA);
    await conn.run("insert into reviews values ($t, $id, $d, $c, $a, $e, make_timestamp($at * 1000))", {
      t: r.targetType,
      id: r.targetId,
      d: r.decision,
      c: r.comment,
      a: r.analyst,
      e: r.evidence,
      at: r.at,
    });
  });
}

/** Runs one SQL statement against a store opened read-only, with no access beyond it (LOCKED_READ_ONLY). */
export async function queryStore(path: string, sql: string): Promise<QueryResult> {
  return withConnection(path, LOCKED_READ_ONLY, async (conn) => {
    const statements = (await conn.extractStatements(sql)).count;
    if (statements !== 1) throw new QueryError(`expected one SQL statement, got ${statements}`);
    const reader = await conn.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Record<string, unknown>[] };
  });
}

/** A JSON column: DuckDB hands it over as text or as a value. */
const jsonColumn = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);

/** The campaigns a store holds, as campaigns.json has them (read-only, locked: as queryStore). */
export async function readCampaigns(path: string): Promise<CampaignsFile> {
  return withConnection(path, LOCKED_READ_ONLY, async (conn) => {
    const c = (
      await conn.runAndReadAll(
        `select campaign_id, exchanges, strftime(first_seen, '%Y-%m-%dT%H:%M:%S.%gZ') first_seen,
           strftime(last_seen, '%Y-%m-%dT%H:%M:%S.%gZ') last_seen, confidence, capabilities, indicators, evidence
         from campaigns order by campaign_id`,
      )
    ).getRowObjectsJson();
    const members = (
      await conn.runAndReadAll(
        "select campaign_id, list(account_id order by account_id) a from campaign_accounts group by 1",
      )
    ).getRowObjectsJson();
    const byId = new Map(
      members.map((r) => [String(r.campaign_id), Array.isArray(r.a) ? r.a.map(String) : []]),
    );
    return {
      campaigns: c.map(
        (r): Campaign => ({
          campaign_id: String(r.campaign_id),
          accounts: byId.get(String(r.campaign_id)) ?? [],
          exchanges: Number(r.exchanges),
          first_seen: r.first_seen === null ? null : String(r.first_seen),
          last_seen: r.last_seen === null ? null : String(r.last_seen),
          confidence: Number(r.confidence),
          capabilities: jsonColumn(r.capabilities) as Record<string, number>,
          indicators: jsonColumn(r.indicators) as Campaign["indicators"],
          evidence: jsonColumn(r.evidence) as Campaign["evidence"],
        }),
      ),
    };
  });
}
