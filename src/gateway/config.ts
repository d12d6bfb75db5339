// The gateway's configuration file (JSON), checked field by field with clear errors.
// Upstream keys come from environment variables named in the file (`api_key_env`), so
// the file itself holds no secret; gateway keys are stored as SHA-256 hashes.
import { type Static, Type } from "@sinclair/typebox";
import { checkAgainst, readJsonFile } from "./_json.js";
import { GatewayProtection, type ProtectionSettings } from "./protect.js";
import type { GatewayConfig, UpstreamConfig } from "./types.js";

const Upstream = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", description: "origin (and optional base path) of the API" }),
    api_key_env: Type.String({ minLength: 1, description: "environment variable holding the upstream key" }),
  },
  { additionalProperties: false },
);

export const GatewayConfigSchema = Type.Object(
  {
    listen: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        },
        { additionalProperties: false },
      ),
    ),
    upstreams: Type.Object(
      { anthropic: Type.Optional(Upstream), openai: Type.Optional(Upstream) },
      { additionalProperties: false },
    ),
    keys: Type.Array(
      Type.Object(
        {
          sha256: Type.String({
            pattern: "^[0-9a-fA-F]{64}$",
            description: "hex SHA-256 of the client's key",
          }),
          account_id: Type.String({ minLength: 1 }),
          org_id: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    trusted_proxies: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    forward_headers: Type.Optional(
      Type.Array(
        Type.String({
          pattern: "^[a-z0-9-]{1,64}$",
          description:
            "request fields to pass on to the upstream beyond the built-in allow-list (lower case; never credentials)",
        }),
      ),
    ),
    admin_keys: Type.Optional(
      Type.Array(
        Type.String({
          pattern: "^[0-9a-fA-F]{64}$",
          description: "hex SHA-256 of a key that may read /metrics",
        }),
      ),
    ),
    accounts: Type.Optional(
      Type.String({ minLength: 1, description: "accounts.jsonl with sign-up metadata" }),
    ),
    policy: Type.Optional(
      Type.String({ minLength: 1, description: "policy file (JSON), reloaded on change" }),
    ),
    log: Type.Optional(
      Type.Object(
        {
          dir: Type.String({
            minLength: 1,
            description: "directory of the rotating exchanges-*.jsonl files",
          }),
          max_file_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
        },
        { additionalProperties: false },
      ),
    ),
    scoring: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(
            Type.Union(
              [Type.Literal("thread"), Type.Literal("inline"), Type.Literal("off"), Type.Literal("shared")],
              {
                description:
                  "thread (default): the detector on a worker thread; inline: on the request thread; off: no scoring; shared: publish to the scale-out stream and read verdicts from its store (needs scaleout)",
              },
            ),
          ),
          checkpoint_every_ms: Type.Optional(Type.Integer({ minimum: 100 })),
          link_every_ms: Type.Optional(Type.Integer({ minimum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
    scaleout: Type.Optional(
      Type.Object(
        {
          nats: Type.String({ minLength: 1, description: "NATS server URL(s) of the scale-out stream" }),
          pg_env: Type.String({
            minLength: 1,
            description: "environment variable holding the PostgreSQL URL of the shared store",
          }),
          stream: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" })),
          prefix: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" })),
          refresh_ms: Type.Optional(Type.Integer({ minimum: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    store: Type.Optional(
      Type.Object(
        {
          path: Type.String({ minLength: 1, description: "DuckDB file, as analyze --db" }),
          save_every_ms: Type.Optional(Type.Integer({ minimum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
    protection: Type.Optional(
      Type.Object(
        {
          secret_env: Type.String({
            minLength: 1,
            description: "environment variable holding the protection secret (at least 32 characters)",
          }),
          shield: Type.Optional(
            Type.Union([Type.Literal("summary"), Type.Literal("withheld"), Type.Literal("full")], {
              description: "what protected clients see of reasoning traces (default summary)",
            }),
          ),
          watermark: Type.Optional(
            Type.Boolean({ description: "watermark protected answers (default true)" }),
          ),
          sign_all: Type.Optional(
            Type.Boolean({
              description: "sign every client's reasoning traces, not only protected ones (default true)",
            }),
          ),
          window: Type.Optional(Type.Union([Type.Literal("week"), Type.Literal("day")])),
          max_changed_share: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              maximum: 1,
              description:
                "the largest share of an answer's words the watermark may change (default 0.03; 1 for no bound). Under a bound a stream is held back about 240 characters while the marker reads ahead (docs/protection.md)",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    upstream_timeout_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    max_body_bytes: Type.Optional(Type.Integer({ minimum: 1 })),
    max_buffered_bytes: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type GatewayConfigFile = Static<typeof GatewayConfigSchema>;

/** A configuration the user can fix: the message names the file and the field. */
export class GatewayConfigError extends Error {
  override readonly name = "GatewayConfigError";
}

export interface LoadedConfig {
  readonly gateway: GatewayConfig;
  readonly host: string;
  readonly port: number;
  /** the policy file, if given */
  readonly policy: string | undefined;
  /** sign-up metadata of the accounts (contract accounts.jsonl), if given */
  readonly accounts: string | undefined;
  /** where to log exchanges, if anywhere */
  readonly log: { readonly dir: string; readonly maxFileBytes: number | undefined } | undefined;
  readonly scoring: ScoringSettings;
  /** the DuckDB store the scorer saves to and continues from, if any */
  readonly store: { readonly path: string; readonly saveEveryMs: number | undefined } | undefined;
}

export type ScoringMode = "thread" | "inline" | "off" | "shared";

export interface ScoringSettings {
  readonly mode: ScoringMode;
  readonly checkpointEveryMs: number | undefined;
  readonly linkEveryMs: number | undefined;
  /** the scale-out stream and store (mode shared) */
  readonly shared?: SharedSettings | undefined;
}

export interface SharedSettings {
  readonly nats: string;
  readonly pg: string;
  readonly stream: string | undefined;
  readonly prefix: string | undefined;
  readonly refreshMs: number | undefined;
}

/** Checks a parsed configuration and resolves its upstream keys from `env`. */
export function checkGatewayConfig(file: string, raw: unknown, env: NodeJS.ProcessEnv): LoadedConfig {
  checkAgainst(GatewayConfigSchema, file, raw, (m) => new GatewayConfigError(m));
  const c: GatewayConfigFile = raw;
  const upstreams: Partial<Record<"anthropic" | "openai", UpstreamConfig>> = {};
  for (const kind of ["anthropic", "openai"] as const) {
    const u = c.upstreams[kind];
    if (!u) continue;
    const apiKey = env[u.api_key_env];
    if (!apiKey)
      throw new GatewayConfigError(
        `${file}: /upstreams/${kind}: environment variable ${u.api_key_env} is not set`,
      );
    upstreams[kind] = { url: u.url, apiKey };
  }
  let protection: ProtectionSettings | undefined;
  if (c.protection) {
    const secret = env[c.protection.secret_env];
    if (!secret)
      throw new GatewayConfigError(
        `${file}: /protection: environment variable ${c.protection.secret_env} is not set`,
      );
    if (secret.length < 32)
      throw new GatewayConfigError(
        `${file}: /protection: the secret in ${c.protection.secret_env} is too short (at least 32 characters)`,
      );
    protection = {
      secret,
      shield: c.protection.shield ?? "summary",
      watermark: c.protection.watermark ?? true,
      signAll: c.protection.sign_all ?? true,
      window: c.protection.window ?? "week",
      ...(c.protection.max_changed_share !== undefined
        ? { maxChangedShare: c.protection.max_changed_share }
        : {}),
    };
  }
  let shared: SharedSettings | undefined;
  if (c.scaleout) {
    const pg = env[c.scaleout.pg_env];
    if (!pg)
      throw new GatewayConfigError(
        `${file}: /scaleout: environment variable ${c.scaleout.pg_env} is not set`,
      );
    shared = {
      nats: c.scaleout.nats,
      pg,
      stream: c.scaleout.stream,
      prefix: c.scaleout.prefix,
      refreshMs: c.scaleout.refresh_ms,
    };
  }
  if (c.scoring?.mode === "shared" && !shared)
    throw new GatewayConfigError(`${file}: /scoring/mode: shared needs /scaleout (nats, pg_env)`);
  if (!upstreams.anthropic && !upstreams.openai)
    throw new GatewayConfigError(`${file}: /upstreams: name at least one upstream (anthropic or openai)`);
  return {
    host: c.listen?.host ?? "127.0.0.1",
    port: c.listen?.port ?? 8080,
    log: c.log === undefined ? undefined : { dir: c.log.dir, maxFileBytes: c.log.max_file_bytes },
    accounts: c.accounts,
    policy: c.policy,
    scoring: {
      mode: c.scoring?.mode ?? "thread",
      checkpointEveryMs: c.scoring?.checkpoint_every_ms,
      linkEveryMs: c.scoring?.link_every_ms,
      shared,
    },
    store: c.store === undefined ? undefined : { path: c.store.path, saveEveryMs: c.store.save_every_ms },
    gateway: {
      upstreams,
      ...(protection ? { protection: new GatewayProtection(protection) } : {}),
      keys: c.keys.map((k) => ({ sha256: k.sha256.toLowerCase(), accountId: k.account_id, orgId: k.org_id })),
      trustedProxies: c.trusted_proxies ?? [],
      ...(c.forward_headers === undefined ? {} : { forwardHeaders: c.forward_headers }),
      adminKeys: (c.admin_keys ?? []).map((k) => k.toLowerCase()),
      ...(c.upstream_timeout_ms === undefined ? {} : { upstreamTimeoutMs: c.upstream_timeout_ms }),
      ...(c.max_body_bytes === undefined ? {} : { maxBodyBytes: c.max_body_bytes }),
      ...(c.max_buffered_bytes === undefined ? {} : { maxBufferedBytes: c.max_buffered_bytes }),
    },
  };
}

export function loadGatewayConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return checkGatewayConfig(
    file,
    readJsonFile(file, (m) => new GatewayConfigError(m)),
    env,
  );
}
