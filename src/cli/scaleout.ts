// distillguard publish | worker | export: the scale-out mode on NATS JetStream and PostgreSQL.
import { statSync } from "node:fs";
import {
  addPgReview,
  Bus,
  type BusOptions,
  exportVerdicts,
  migrate,
  openPg,
  publishLog,
  ScaleoutWorker,
  startWorkerHttp,
} from "../scaleout/index.js";
import {
  defineCommand,
  integer,
  type OptionValues,
  PORT,
  redactUrl,
  stringOption,
  untilStopped,
} from "./_args.js";
import { CLIError, ensureWritableFolder } from "./_errors.js";
import { resolveLogInputs } from "./_inputs.js";
import { progress } from "./_progress.js";

const BUS_OPTIONS = `  --nats URL          NATS server with JetStream (e.g. nats://127.0.0.1:4222)
  --stream NAME       stream name (default DISTILLGUARD)
  --prefix P          subject prefix (default distillguard)
  --partitions N      partitions of the account space, fixed when the stream is made (default 16)`;

export const PUBLISH_USAGE = `usage: distillguard publish <dir|exchanges.jsonl> --nats URL [--accounts FILE] [--events FILE]
       [--stream NAME] [--prefix P] [--partitions N]

Publishes an existing traffic log to the JetStream stream the workers consume: model
releases, account records, then exchanges in time order, each under its account's
partition subject with its id as the message id (republishing within the stream's
10-minute duplicate window stores nothing twice). A folder is read as analyze reads it.

${BUS_OPTIONS}`;

export const WORKER_USAGE = `usage: distillguard worker --nats URL --pg URL [--until-idle] [--http-port P] [--http-host H]
       [--lease-ms MS] [--linkage-ms MS] [--stream NAME] [--prefix P] [--partitions N]

A scale-out worker: takes leases on its share of the partitions, applies their exchanges
(signals, account profiles) and commits them to PostgreSQL with the stream sequence; the
worker holding the linkage lock joins all partitions into campaigns and verdicts. Start
as many as the traffic needs; a dead worker's partitions move after its lease ends.

${BUS_OPTIONS}
  --pg URL            PostgreSQL (e.g. postgres://user@127.0.0.1:5432/distillguard); migrated on start
  --until-idle        exit once the stream is drained and a linkage run covers it (batch jobs)
  --http-port P       /healthz and /metrics (default 0: any free port, printed on stderr)
  --http-host H       their address (default 127.0.0.1)
  --lease-ms MS       lease length: how soon a dead worker's partitions move (default 10000)
  --linkage-ms MS     how often the leader re-runs the linkage while traffic flows (default 60000)`;

export const EXPORT_USAGE = `usage: distillguard export --pg URL --out DIR

Writes the contract's verdict files (accounts.jsonl, campaigns.json) from the scale-out
store, as its last linkage run left them.`;

function busOptions(values: OptionValues<typeof BUS_FLAGS>, usage: string): BusOptions {
  const servers = values.nats;
  if (!servers) throw new CLIError(`--nats URL is required\n${usage}`, "E_USAGE");
  const partitions = values.partitions;
  const stream = values.stream;
  if (stream !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(stream))
    throw new CLIError("--stream: letters, digits, '-' and '_' only (at most 64)", "E_BAD_OPTION");
  const prefix = values.prefix;
  if (prefix !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(prefix))
    throw new CLIError("--prefix: letters, digits, '-' and '_' only (at most 64)", "E_BAD_OPTION");
  return {
    servers,
    ...(stream ? { stream } : {}),
    ...(prefix ? { prefix } : {}),
    ...(partitions === undefined ? {} : { partitions }),
  };
}

const BUS_FLAGS = {
  nats: { type: "string" },
  stream: { type: "string" },
  prefix: { type: "string" },
  partitions: integer(1, 1024, "a whole number from 1 to 1024"),
} as const;

async function openBus(o: BusOptions): Promise<Bus> {
  try {
    return await Bus.open(o);
  } catch (err) {
    if (err instanceof CLIError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new CLIError(`cannot use NATS JetStream at ${redactUrl(o.servers)}: ${msg}`, "E_CONNECT");
  }
}

export const runPublish = defineCommand({
  usage: PUBLISH_USAGE,
  options: {
    ...BUS_FLAGS,
    accounts: { type: "string" },
    events: { type: "string" },
    quiet: { type: "boolean" },
  },
  async run({ values, positionals }, io) {
    if (positionals.length === 0)
      throw new CLIError("publish needs a log: a folder, exchanges files or - (see --help)", "E_USAGE");
    const { exchanges, accounts, events } = resolveLogInputs(
      positionals,
      stringOption(values.accounts),
      stringOption(values.events),
    );
    const bus = await openBus(busOptions(values, PUBLISH_USAGE));
    const bar = progress({
      label: "publish",
      unit: "exchanges",
      quiet: values.quiet === true,
      stream: io.stderr,
    });
    const total = exchanges.includes("-") ? undefined : exchanges.reduce((t, f) => t + statSync(f).size, 0);
    try {
      const s = await publishLog(
        bus,
        { exchanges, accounts, events },
        {
          onIssue: (i) => io.stderr.write(`${i.file}:${i.line}: ${i.reason}\n`),
          onProgress: (bytes, n) => bar.update(bytes, total, n),
        },
      );
      bar.finish(`publish: ${s.exchanges} exchanges`);
      io.stdout.write(
        `published ${s.exchanges} exchanges, ${s.accounts} accounts, ${s.events} events to stream ${bus.stream} (${bus.partitions} partitions); ${s.duplicates} already there, ${s.skipped} bad lines skipped\n`,
      );
    } finally {
      await bus.close();
    }
    return 0;
  },
});

export const runWorker = defineCommand({
  usage: WORKER_USAGE,
  positionals: "none",
  options: {
    ...BUS_FLAGS,
    pg: { type: "string" },
    "until-idle": { type: "boolean" },
    "http-port": PORT,
    "http-host": { type: "string" },
    "lease-ms": integer(1000, 3_600_000, "milliseconds (≥ 1000)"),
    "linkage-ms": integer(1000, 3_600_000, "milliseconds (≥ 1000)"),
    id: { type: "string" },
  },
  async run({ values }, io) {
    const pg = stringOption(values.pg);
    if (!pg) throw new CLIError(`--pg URL is required\n${WORKER_USAGE}`, "E_USAGE");
    const bus = busOptions(values, WORKER_USAGE);
    const leaseMs = values["lease-ms"];
    const linkageMs = values["linkage-ms"];
    // fail early, with a clear message, when either service is unreachable
    await (await openBus(bus)).close();
    await checkPg(pg);
    const id = stringOption(values.id);
    const worker = new ScaleoutWorker({
      bus,
      pg,
      untilIdle: values["until-idle"] === true,
      ...(id ? { id } : {}),
      ...(leaseMs === undefined ? {} : { leaseMs }),
      ...(linkageMs === undefined ? {} : { linkageMs }),
      log: (line) => io.stderr.write(`${line}\n`),
    });
    const http = await startWorkerHttp(worker, {
      host: stringOption(values["http-host"]) ?? "127.0.0.1",
      port: values["http-port"] ?? 0,
    });
    io.stderr.write(`worker ${worker.id}: health ${http.url}/healthz, metrics ${http.url}/metrics\n`);
    const stopped = untilStopped().then(() => worker.stop());
    try {
      await worker.run();
    } finally {
      await http.close();
      void stopped;
    }
    const m = worker.metrics();
    const cpu = process.cpuUsage();
    io.stdout.write(
      `worker ${worker.id} stopped: ${m.applied} messages applied, ${m.commits} commits, ${m.linkageRuns} linkage runs${m.lastLinkage ? ` (last: ${m.lastLinkage.flagged} flagged, ${m.lastLinkage.campaigns} campaigns)` : ""}; cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s\n`,
    );
    return 0;
  },
});

async function checkPg(url: string): Promise<void> {
  const sql = openPg(url, { max: 1 });
  try {
    await migrate(sql);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CLIError(`cannot use PostgreSQL at ${redactUrl(url)}: ${msg}`, "E_CONNECT");
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export const runExport = defineCommand({
  usage: EXPORT_USAGE,
  positionals: "none",
  options: { pg: { type: "string" }, out: { type: "string" } },
  async run({ values }, io) {
    const pg = stringOption(values.pg);
    const out = stringOption(values.out);
    if (!pg || !out) throw new CLIError(`export needs --pg URL and --out DIR\n${EXPORT_USAGE}`, "E_USAGE");
    ensureWritableFolder(out, "--out");
    await checkPg(pg);
    const sql = openPg(pg, { max: 1 });
    try {
      const s = await exportVerdicts(sql, out);
      if (!s.linkedAt)
        throw new CLIError(
          "the store has no linkage run yet: start workers (distillguard worker) first",
          "E_STORE",
        );
      io.stdout.write(
        `wrote ${out}/accounts.jsonl (${s.accounts} accounts, ${s.flagged} flagged) and campaigns.json (${s.campaigns} campaigns) from the linkage run of ${s.linkedAt}\n`,
      );
    } finally {
      await sql.end({ timeout: 5 });
    }
    return 0;
  },
});

export const REVIEW_USAGE = `usage: distillguard review --pg URL (--account ID | --campaign ID) (--confirm | --dismiss)
       --comment TEXT [--analyst NAME]

Records an analyst's decision in the scale-out store, as the dashboard does in the embedded
one: a campaign's review covers each of its accounts. The next linkage run respects it (a
confirmed account stays flagged; a dismissed one is not flagged again on the same kinds of
evidence) and gateways in shared mode see it at their next refresh.`;

export const runReview = defineCommand({
  usage: REVIEW_USAGE,
  positionals: "none",
  options: {
    pg: { type: "string" },
    account: { type: "string" },
    campaign: { type: "string" },
    confirm: { type: "boolean" },
    dismiss: { type: "boolean" },
    comment: { type: "string" },
    analyst: { type: "string" },
  },
  async run({ values }, io) {
    const pg = stringOption(values.pg);
    const account = stringOption(values.account);
    const campaign = stringOption(values.campaign);
    const comment = stringOption(values.comment);
    if (
      !pg ||
      (account === undefined) === (campaign === undefined) ||
      values.confirm === values.dismiss ||
      !comment
    )
      throw new CLIError(
        `review needs --pg, one of --account/--campaign, one of --confirm/--dismiss, and --comment\n${REVIEW_USAGE}`,
        "E_USAGE",
      );
    await checkPg(pg);
    const sql = openPg(pg, { max: 1 });
    try {
      const n = await addPgReview(sql, {
        targetType: account !== undefined ? "account" : "campaign",
        targetId: (account ?? campaign) as string,
        decision: values.confirm === true ? "confirm" : "dismiss",
        comment: comment.slice(0, 2000),
        analyst: (stringOption(values.analyst) ?? "analyst").slice(0, 200),
      });
      if (n === 0)
        throw new CLIError(
          `no ${account !== undefined ? "account" : "campaign"} ${account ?? campaign} in the store's verdicts`,
          "E_INPUT_MISSING",
        );
      io.stdout.write(`recorded for ${n} account(s); the next linkage run applies it\n`);
    } finally {
      await sql.end({ timeout: 5 });
    }
    return 0;
  },
});
