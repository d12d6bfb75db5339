// distillguard gateway: the reverse proxy in front of a model API (--config FILE), or a
// demo in front of the built-in mock upstream (--demo). distillguard mock-upstream: the
// mock model API alone.
import { randomBytes } from "node:crypto";
import pino from "pino";
import { type AccountRecord, checkers, readRecords } from "../contract/index.js";
import {
  type Caller,
  createScorer,
  type Decision,
  DecisionLog,
  type GatewayConfig,
  GatewayConfigError,
  GatewayProtection,
  JsonlLog,
  keyDigest,
  loadGatewayConfig,
  MOCK_CONTROL_HEADERS,
  PolicyError,
  PolicyFileWatch,
  type Scorer,
  type ScoringSettings,
  startGateway,
  startMockUpstream,
} from "../gateway/index.js";
import { SharedScorer } from "../scaleout/index.js";
import { defineCommand, type Io, PORT, redactUrl, stringOption, untilStopped } from "./_args.js";
import { CLIError } from "./_errors.js";

export const GATEWAY_USAGE = `usage: distillguard gateway --config FILE
       distillguard gateway --demo [--port P]

A reverse proxy for Anthropic Messages (POST /v1/messages), OpenAI Chat Completions
(POST /v1/chat/completions) and GET /v1/models, streaming included. Callers present a
gateway key (x-api-key or Authorization: Bearer); the gateway swaps it for the
upstream's key, which never reaches clients or logs.

  --config FILE  JSON: {"listen": {"host", "port"}, "upstreams": {"anthropic"|"openai":
                 {"url", "api_key_env"}}, "keys": [{"sha256", "account_id", "org_id"}],
                 "trusted_proxies": [addresses], "upstream_timeout_ms", "max_body_bytes"}
                 (see docs/gateway.md; 'distillguard gateway --hash-key' hashes a key
                 read from standard input)
  --demo         run in front of the built-in mock upstream with a fresh key; prints
                 base_url, api_key, upstream_url and an admin_key for /metrics
  --accounts F   sign-up metadata of the accounts (contract accounts.jsonl) for scoring
                 (the config's "accounts" does the same)
  --policy FILE  the policy (JSON rules: allow, throttle, challenge, block, protect),
                 reloaded when it changes (the config's "policy" does the same)
  --dry-run      decide and log every decision, never act
  --log-dir DIR  log every exchange as contract JSON Lines in rotating files there
                 (the config's "log": {"dir", "max_file_bytes"} does the same)
  --db FILE      the DuckDB store (as analyze --db): the scorer continues from its saved
                 state and saves exchanges, verdicts, campaigns and state to it every
                 minute and at exit (the config's "store": {"path", "save_every_ms"})
  --scoring M    thread (default: the detector on a worker thread), inline, off, or shared
                 (scale-out: publish exchanges to the stream, read verdicts from the
                 shared store; needs --nats and --pg, or the config's "scaleout")
  --nats URL     the scale-out stream's NATS server (with --scoring shared)
  --pg URL       the scale-out store's PostgreSQL (with --scoring shared)
  --port P       listening port (default: the config's, 8080; with --demo any free port)
  --host H       listening address (default 127.0.0.1)
  --hash-key     print the SHA-256 of the key on standard input, for the config's "keys"
  --new-key      make a new client key: prints the key (give it to the customer once; it is
                 not kept) and its SHA-256 (put that in the config's "keys" with the account)`;

export const MOCK_USAGE = `usage: distillguard mock-upstream [--port P] [--host H] [--api-key K]

A mock model API speaking Anthropic Messages and OpenAI Chat Completions, streaming
and tool use included, for demos and tests. Prints upstream_url and api_key (a fresh
key unless --api-key is given).`;

/** Sign-up metadata by account, from a contract accounts file (bad lines reported and skipped). */
async function loadAccounts(file: string | undefined, io: Io): Promise<Map<string, AccountRecord>> {
  const accounts = new Map<string, AccountRecord>();
  if (file === undefined) return accounts;
  try {
    for await (const { value } of readRecords(file, checkers.account, {
      onIssue: (i) => io.stderr.write(`${i.file}:${i.line}: ${i.reason}\n`),
    }))
      accounts.set(value.account_id, value);
  } catch (err) {
    throw new CLIError(`--accounts: ${(err as Error).message}`, "E_INPUT_UNREADABLE");
  }
  return accounts;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

export const runGateway = defineCommand({
  usage: GATEWAY_USAGE,
  positionals: "none",
  options: {
    config: { type: "string" },
    demo: { type: "boolean" },
    port: PORT,
    host: { type: "string" },
    "hash-key": { type: "boolean" },
    "new-key": { type: "boolean" },
    "log-dir": { type: "string" },
    accounts: { type: "string" },
    policy: { type: "string" },
    "dry-run": { type: "boolean" },
    db: { type: "string" },
    scoring: { type: "string" },
    nats: { type: "string" },
    pg: { type: "string" },
  },
  async run({ values }, io) {
    if (values["new-key"]) {
      // 32 random bytes: the gateway stores only the hash, so the key cannot be recovered later
      const key = `dg-${randomBytes(32).toString("base64url")}`;
      io.stdout.write(`key: ${key}\nsha256: ${keyDigest(key)}\n`);
      return 0;
    }
    if (values["hash-key"]) {
      const key = await readStdin();
      if (!key) throw new CLIError("--hash-key: no key on standard input", "E_USAGE");
      io.stdout.write(`${keyDigest(key)}\n`);
      return 0;
    }
    const port = values.port;
    const host = stringOption(values.host);
    const scoringMode = stringOption(values.scoring);
    if (scoringMode !== undefined && !["thread", "inline", "off", "shared"].includes(scoringMode))
      throw new CLIError(
        `--scoring: expected thread, inline, off or shared, got "${scoringMode}"`,
        "E_USAGE",
      );
    const mode = scoringMode as ScoringSettings["mode"] | undefined;
    const nats = stringOption(values.nats);
    const pgUrl = stringOption(values.pg);
    if ((nats === undefined) !== (pgUrl === undefined))
      throw new CLIError("--nats and --pg go together (the scale-out stream and its store)", "E_USAGE");
    const sharedFlags =
      nats !== undefined && pgUrl !== undefined
        ? { nats, pg: pgUrl, stream: undefined, prefix: undefined, refreshMs: undefined }
        : undefined;
    const db = stringOption(values.db);
    const configFile = stringOption(values.config);
    if (values.demo === true) {
      if (configFile) throw new CLIError("--demo runs without --config", "E_USAGE");
      const upstreamKey = `mock-${randomBytes(12).toString("hex")}`;
      const apiKey = `dg-demo-${randomBytes(16).toString("hex")}`;
      const adminKey = `dg-admin-${randomBytes(16).toString("hex")}`;
      const protectionSecret = randomBytes(32).toString("hex");
      const upstream = await startMockUpstream({ apiKey: upstreamKey });
      try {
        return await serve(
          {
            upstreams: {
              anthropic: { url: upstream.url, apiKey: upstreamKey },
              openai: { url: upstream.url, apiKey: upstreamKey },
            },
            keys: [{ sha256: keyDigest(apiKey), accountId: "demo", orgId: undefined }],
            adminKeys: [keyDigest(adminKey)],
            forwardHeaders: MOCK_CONTROL_HEADERS,
            protection: new GatewayProtection({
              secret: protectionSecret,
              shield: "summary",
              watermark: true,
              signAll: true,
              window: "week",
            }),
          },
          {
            host: host ?? "127.0.0.1",
            port: port ?? 0,
            accounts: stringOption(values.accounts),
            policy: stringOption(values.policy),
            dryRun: values["dry-run"] === true,
            logDir: stringOption(values["log-dir"]),
            maxFileBytes: undefined,
            scoring: {
              mode: mode ?? "thread",
              checkpointEveryMs: undefined,
              linkEveryMs: undefined,
              shared: sharedFlags,
            },
            store: db === undefined ? undefined : { path: db, saveEveryMs: undefined },
            announce: (url) =>
              io.stdout.write(
                `base_url: ${url}\napi_key: ${apiKey}\nupstream_url: ${upstream.url}\nadmin_key: ${adminKey} (for GET /metrics)\nprotection_secret: ${protectionSecret} (for verify-trace and verify-model: export DISTILLGUARD_PROTECTION_SECRET)\n`,
              ),
          },
          io,
        );
      } finally {
        await upstream.close();
      }
    }
    if (!configFile) throw new CLIError(`expected --config FILE or --demo\n${GATEWAY_USAGE}`, "E_USAGE");
    let loaded: ReturnType<typeof loadGatewayConfig>;
    try {
      loaded = loadGatewayConfig(configFile);
    } catch (err) {
      if (err instanceof GatewayConfigError) throw new CLIError(err.message, "E_CONFIG");
      throw err;
    }
    return serve(
      loaded.gateway,
      {
        host: host ?? loaded.host,
        port: port ?? loaded.port,
        accounts: stringOption(values.accounts) ?? loaded.accounts,
        policy: stringOption(values.policy) ?? loaded.policy,
        dryRun: values["dry-run"] === true,
        logDir: stringOption(values["log-dir"]) ?? loaded.log?.dir,
        maxFileBytes: loaded.log?.maxFileBytes,
        scoring: {
          ...loaded.scoring,
          ...(mode === undefined ? {} : { mode }),
          ...(sharedFlags ? { shared: sharedFlags } : {}),
        },
        store: db === undefined ? loaded.store : { path: db, saveEveryMs: loaded.store?.saveEveryMs },
        announce: () => {},
      },
      io,
    );
  },
});

interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly accounts: string | undefined;
  readonly policy: string | undefined;
  readonly dryRun: boolean;
  readonly logDir: string | undefined;
  readonly maxFileBytes: number | undefined;
  readonly scoring: ScoringSettings;
  readonly store: { readonly path: string; readonly saveEveryMs: number | undefined } | undefined;
  /** tells the user where it listens (the demo prints its keys) */
  readonly announce: (url: string) => void;
}

/**
 * Runs a gateway until SIGINT or SIGTERM: the live scorer (with sign-up metadata), the
 * policy file (watched), the exchange log, and structured logs (pino, JSON lines on
 * stderr: never keys, prompts or answers).
 */
async function serve(config: GatewayConfig, o: ServeOptions, io: Io): Promise<number> {
  const logger = pino(
    { base: null, redact: ["authorization", "x-api-key", "*.authorization", "*.api_key"] },
    io.stderr,
  );
  const accounts = await loadAccounts(o.accounts, io);
  if (o.store && o.scoring.mode === "off")
    throw new CLIError("a store (--db or the config's store) needs scoring: drop --scoring off", "E_USAGE");
  let scorer: Scorer | undefined;
  if (o.scoring.mode === "shared") {
    const sh = o.scoring.shared;
    if (!sh)
      throw new CLIError(
        "--scoring shared needs --nats URL and --pg URL (or the config's scaleout)",
        "E_USAGE",
      );
    if (o.store)
      throw new CLIError("--scoring shared keeps verdicts in the scale-out store: drop --db", "E_USAGE");
    try {
      scorer = await SharedScorer.open({
        bus: {
          servers: sh.nats,
          ...(sh.stream ? { stream: sh.stream } : {}),
          ...(sh.prefix ? { prefix: sh.prefix } : {}),
        },
        pg: sh.pg,
        ...(sh.refreshMs ? { refreshMs: sh.refreshMs } : {}),
        onError: (what, err) =>
          logger.error(
            { step: what, error: err instanceof Error ? err.message : String(err) },
            "scale-out step failed",
          ),
      });
    } catch (err) {
      throw new CLIError(
        `cannot use the scale-out stream and store (${redactUrl(sh.nats)}, ${redactUrl(sh.pg)}): ${(err as Error).message}`,
        "E_CONNECT",
      );
    }
  } else if (o.scoring.mode !== "off") {
    try {
      scorer = await createScorer({
        accounts,
        thread: o.scoring.mode === "thread",
        ...(o.scoring.checkpointEveryMs ? { checkpointEveryMs: o.scoring.checkpointEveryMs } : {}),
        ...(o.scoring.linkEveryMs ? { linkEveryMs: o.scoring.linkEveryMs } : {}),
        ...(o.store
          ? {
              store: {
                path: o.store.path,
                ...(o.store.saveEveryMs ? { saveEveryMs: o.store.saveEveryMs } : {}),
              },
            }
          : {}),
        onError: (what, err) =>
          logger.error(
            { step: what, error: err instanceof Error ? err.message : String(err) },
            "scoring step failed",
          ),
      });
    } catch (err) {
      throw new CLIError(`${o.store ? "--db: " : ""}${(err as Error).message}`, "E_CONFIG");
    }
  }
  let watch: PolicyFileWatch | undefined;
  if (o.policy !== undefined) {
    const file = o.policy;
    try {
      watch = new PolicyFileWatch(file, (err) => {
        if (err) logger.warn({ file, error: err.message }, "policy not reloaded: the last good one stays");
        else logger.info({ file }, "policy reloaded");
      });
    } catch (err) {
      await scorer?.close();
      if (err instanceof PolicyError) throw new CLIError(err.message, "E_CONFIG");
      throw err;
    }
  }
  const log =
    o.logDir === undefined
      ? undefined
      : new JsonlLog({ dir: o.logDir, ...(o.maxFileBytes ? { maxFileBytes: o.maxFileBytes } : {}) });
  // an account's decision is logged when it changes; every decision is counted in /metrics
  const decisions = new DecisionLog();
  const started = startGateway(
    {
      ...config,
      ...(scorer ? { scorer } : {}),
      accounts,
      dryRun: o.dryRun,
      ...(watch ? { policy: watch } : {}),
      ...(log ? { onExchange: (_r: unknown, _c: Caller, line: string) => log.writeLine(line) } : {}),
      onDecision: (d: Decision, c: Caller, acted: boolean) => {
        const line = decisions.note(c.accountId, d, acted);
        if (line) logger.info(line, "decision");
      },
    },
    { host: o.host, port: o.port },
  );
  let gateway: Awaited<typeof started>;
  try {
    gateway = await started;
  } catch (err) {
    // e.g. the port is taken: nothing may keep the process alive
    await scorer?.close();
    watch?.close();
    await log?.close();
    throw err;
  }
  logger.info(
    {
      url: gateway.url,
      upstreams: Object.keys(config.upstreams),
      keys: config.keys.length,
      policy: o.policy ?? null,
      dry_run: o.dryRun,
      log_dir: o.logDir ?? null,
      scoring: o.scoring.mode,
      store: o.store?.path ?? null,
    },
    "gateway listening",
  );
  o.announce(gateway.url);
  await untilStopped();
  await gateway.close();
  await log?.close();
  try {
    await scorer?.close();
  } catch (err) {
    logger.error({ error: (err as Error).message }, "the last save to the store failed");
  }
  watch?.close();
  logger.info("gateway stopped");
  return 0;
}

export const runMockUpstream = defineCommand({
  usage: MOCK_USAGE,
  positionals: "none",
  options: { port: PORT, host: { type: "string" }, "api-key": { type: "string" } },
  async run({ values }, io) {
    const port = values.port;
    const apiKey = stringOption(values["api-key"]) ?? `mock-${randomBytes(12).toString("hex")}`;
    const upstream = await startMockUpstream({
      apiKey,
      host: stringOption(values.host) ?? "127.0.0.1",
      port: port ?? 0,
    });
    io.stdout.write(`upstream_url: ${upstream.url}\napi_key: ${apiKey}\n`);
    await untilStopped();
    await upstream.close();
    return 0;
  },
});
