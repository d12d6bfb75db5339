// Gateway latency benchmark (called by bench.ts --only gateway): the mock upstream, our
// gateway in each scoring mode (config files with a store, a policy and a log), the demo and
// Portkey's open-source gateway (the peer, installed into a temporary folder) run as separate
// processes; an open-loop load generator in this process sends chat completions at a fixed
// rate in alternating slices straight to the upstream and through each gateway, compares the
// latency percentiles, reads our gateways' event-loop delay from /metrics, and climbs a ladder
// of rates to the highest each sustains. Streams: time to first byte.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";

/** A distillguard process and the URL it printed. */
export interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  /** what the process printed up to the match */
  readonly printed: string;
}

/** Load results: sorted latencies (ms), errors and the rate achieved. */
export interface Load {
  readonly lat: number[];
  readonly errors: number;
  readonly achieved: number;
}

export function start(
  root: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  pattern: RegExp,
  script = join(root, "bin/distillguard.js"),
): Promise<Started> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    let found = false;
    const look = (d: unknown): void => {
      // past the match the output is drained and dropped: a reader that kept it (and searched
      // it again on every chunk) would fall behind and block the child on its full pipe
      if (found) return;
      seen += String(d);
      const m = seen.match(pattern);
      if (m?.[1]) {
        found = true;
        resolve({ child, url: m[1], printed: seen });
      }
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`${args[0]} exited ${code}: ${seen}`)));
  });
}

export const pct = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Sends `rate` requests a second for `seconds`, open loop; returns sorted latencies (ms) and errors. */
export async function load(
  url: string,
  key: string,
  rate: number,
  seconds: number,
  stream = false,
  accounts = 0,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<Load> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 256, pipelining: 1 });
  const body = JSON.stringify({
    model: "gpt-4.1-mini",
    stream,
    messages: [{ role: "user", content: "Say something short about rivers, please." }],
  });
  const lat: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(
      pool
        .request({
          path: "/v1/chat/completions",
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${accounts > 0 ? `${key}-${i % accounts}` : key}`,
            ...extraHeaders,
          },
          body,
        })
        .then(async (res) => {
          if (stream) {
            // time to the first body chunk
            for await (const _ of res.body) {
              lat.push(performance.now() - sent);
              break;
            }
            await res.body.dump().catch(() => undefined);
          } else {
            await res.body.text();
            lat.push(performance.now() - sent);
          }
          if (res.statusCode !== 200) errors++;
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - t0) / 1000);
  await pool.close();
  return { lat: lat.sort((a, b) => a - b), errors, achieved };
}

/** Options of a benchmark gateway beyond its scoring mode. */
export interface GatewayExtras {
  /** an admin key (its digest goes in the config) so the bench can read /metrics */
  readonly adminKey?: string;
  /** a DuckDB store the scorer saves to, a policy file and a log directory, as in production */
  readonly production?: boolean;
}

/**
 * The bench's policy: every request passes the policy and a token bucket (a rule that matches
 * any account, with a limit the bench never reaches), and flagged or campaign accounts are
 * protected rather than refused, so that the policy's whole path runs and no answer is lost.
 */
export const BENCH_POLICY = {
  rules: [
    { name: "known campaign", when: { campaign: "*" }, action: "protect" },
    { name: "flagged", when: { flagged: true }, action: "protect" },
    {
      name: "everyone metered",
      when: { risk_at_least: 0 },
      action: "throttle",
      per_account: { requests: 10_000_000, per_seconds: 60 },
      per_campaign: { requests: 10_000_000, per_seconds: 60 },
    },
  ],
  default: "allow",
};

const digest = (key: string): string => createHash("sha256").update(key).digest("hex");

/**
 * A gateway configuration for the benchmarks: the mock upstream, 200 accounts whose keys are
 * `${clientKey}-i`, and the scoring mode; with `production`, a store, a policy and a log
 * directory beside it. Returns its path.
 */
export function writeGatewayConfig(
  dir: string,
  upstream: { readonly url: string },
  clientKey: string,
  mode: string,
  extras: GatewayExtras = {},
): string {
  const config = join(dir, `gateway-${mode}.json`);
  const policy = join(dir, "policy.json");
  if (extras.production) writeFileSync(policy, JSON.stringify(BENCH_POLICY));
  writeFileSync(
    config,
    JSON.stringify({
      listen: { port: 0 },
      upstreams: { openai: { url: upstream.url, api_key_env: "BENCH_UPSTREAM_KEY" } },
      keys: Array.from({ length: 200 }, (_, i) => ({
        sha256: digest(`${clientKey}-${i}`),
        account_id: `bench-${i}`,
      })),
      scoring: { mode },
      ...(extras.adminKey ? { admin_keys: [digest(extras.adminKey)] } : {}),
      ...(extras.production
        ? {
            policy,
            log: { dir: join(dir, `log-${mode}`) },
            ...(mode === "off" ? {} : { store: { path: join(dir, `store-${mode}.duckdb`) } }),
          }
        : {}),
    }),
  );
  return config;
}

/** Concatenated and sorted latencies of several runs. */
export function pooled(runs: readonly Load[]): Load {
  return {
    lat: runs.flatMap((r) => r.lat).sort((a, b) => a - b),
    errors: runs.reduce((t, r) => t + r.errors, 0),
    achieved: runs.reduce((t, r) => t + r.achieved, 0) / runs.length,
  };
}

/** One gateway under test: where its traffic goes, and where its metrics are read. */
interface System {
  readonly name: string;
  readonly url: string;
  readonly key: string;
  readonly accounts: number;
  readonly headers: Readonly<Record<string, string>>;
  /** our gateways: /metrics with an admin key (the event-loop delay) */
  readonly metrics?: { readonly url: string; readonly adminKey: string };
  /** whether it passes streams (Portkey 1.15.2 answers the mock's streams with an error) */
  readonly streams: boolean;
  readonly child: ChildProcess;
}

/** The event-loop delay since the last read (seconds), from the gateway's /metrics. */
async function loopDelay(m: NonNullable<System["metrics"]>): Promise<{ p99: number; max: number }> {
  const res = await fetch(`${m.url}/metrics`, { headers: { authorization: `Bearer ${m.adminKey}` } });
  const text = await res.text();
  const read = (series: string): number => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };
  return {
    p99: read('distillguard_gateway_event_loop_delay_seconds{quantile="0.99"}'),
    max: read('distillguard_gateway_event_loop_delay_seconds{quantile="1"}'),
  };
}

/** What one load measured through one system, slices pooled, with the event-loop delay's worst. */
interface Measured {
  readonly via: Load;
  /** largest per-slice event-loop delay p99 and maximum (ms); NaN where not read */
  readonly loopP99: number;
  readonly loopMax: number;
}

/**
 * Alternates slices straight to the upstream and through each system (direct, A, B, …,
 * direct, A, B, …), so that all sample the same stretches of the machine's time.
 */
async function alternate(
  upstream: { readonly url: string; readonly key: string },
  systems: readonly System[],
  rate: number,
  stream: boolean,
  slice: number,
  rounds: number,
): Promise<{ direct: Load; results: Map<string, Measured> }> {
  const direct: Load[] = [];
  const via = new Map<string, { loads: Load[]; p99: number; max: number }>(
    // NaN for a gateway whose delay is not read (the peer), 0 to grow from otherwise
    systems.map((s) => {
      const start = s.metrics ? 0 : Number.NaN;
      return [s.name, { loads: [], p99: start, max: start }];
    }),
  );
  for (let r = 0; r < rounds; r++) {
    direct.push(await load(upstream.url, upstream.key, rate, slice, stream));
    for (const s of systems) {
      const acc = via.get(s.name);
      if (!acc) continue;
      if (s.metrics) await loopDelay(s.metrics); // resets the window to this slice
      acc.loads.push(await load(s.url, s.key, rate, slice, stream, s.accounts, s.headers));
      if (s.metrics) {
        const d = await loopDelay(s.metrics);
        acc.p99 = Math.max(acc.p99, d.p99 * 1000);
        acc.max = Math.max(acc.max, d.max * 1000);
      }
    }
  }
  const results = new Map<string, Measured>();
  for (const [name, acc] of via)
    results.set(name, { via: pooled(acc.loads), loopP99: acc.p99, loopMax: acc.max });
  return { direct: pooled(direct), results };
}

const added = (via: Load, direct: Load, p: number): number => pct(via.lat, p) - pct(direct.lat, p);

/** Installs Portkey's open-source gateway into a temporary folder (not a dependency); its entry point. */
function installPortkey(version: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "dg-bench-portkey-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-peer", private: true }));
  console.error(`gateway bench: installing @portkey-ai/gateway@${version} into ${dir}`);
  const r = spawnSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--ignore-scripts", `@portkey-ai/gateway@${version}`],
    { cwd: dir, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] },
  );
  const entry = join(dir, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (r.status !== 0 || !existsSync(entry)) {
    console.error(
      `gateway bench: could not install Portkey (${r.stderr.trim().split("\n").pop()}); peer skipped`,
    );
    return undefined;
  }
  return entry;
}

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function stop(child: ChildProcess): Promise<void> {
  // a child ended by a signal has no exit code but a signal code: it is gone either way
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

export interface GatewayBenchOptions {
  /** seconds of one slice (default 5) */
  readonly slice?: number;
  /** slices per side at 1,000 requests/s (default 12: 60 s) and at 500/s and for streams (default 4) */
  readonly rounds?: number;
  readonly shortRounds?: number;
  /** the peer's npm version; "none" to leave it out */
  readonly portkey?: string;
}

/** The rates of the sustained-rate ladder; each step is kept while the added p99 stays ≤ 5 ms. */
const LADDER = [250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000];
const LADDER_P99_MS = 5;

export async function benchGateway(root: string, opts: GatewayBenchOptions = {}): Promise<string> {
  const slice = opts.slice ?? 5;
  const rounds = opts.rounds ?? 12;
  const shortRounds = opts.shortRounds ?? 4;
  const portkeyVersion = opts.portkey ?? "1.15.2";
  const dir = mkdtempSync(join(tmpdir(), "dg-bench-gw-"));
  const upstreamKey = "bench-upstream-key";
  const clientKey = "bench-client-key";
  const adminKey = "bench-admin-key";
  const upstreamProc = await start(
    root,
    ["mock-upstream", "--api-key", upstreamKey],
    {},
    /upstream_url: (\S+)/,
  );
  const upstream = { url: upstreamProc.url, key: upstreamKey };
  const running: System[] = [];
  const f = (x: number): string => (Number.isNaN(x) ? "–" : x.toFixed(3));
  const configured = (mode: string) => async (): Promise<System> => {
    const config = writeGatewayConfig(dir, upstream, clientKey, mode, { adminKey, production: true });
    const g = await start(
      root,
      ["gateway", "--config", config],
      { BENCH_UPSTREAM_KEY: upstreamKey },
      /"url":"([^"]+)"/,
    );
    return {
      name: `${mode} (config)`,
      url: g.url,
      key: clientKey,
      accounts: 200,
      headers: {},
      metrics: { url: g.url, adminKey },
      streams: true,
      child: g.child,
    };
  };
  // the demo as a user starts it, with a store, the same policy and a log directory
  const demo = async (): Promise<System> => {
    const d = await start(
      root,
      [
        "gateway",
        "--demo",
        "--db",
        join(dir, "demo.duckdb"),
        "--policy",
        join(dir, "policy.json"),
        "--log-dir",
        join(dir, "log-demo"),
      ],
      {},
      /base_url: (\S+)[\s\S]*protection_secret:/,
    );
    const field = (name: string): string => {
      const m = d.printed.match(new RegExp(`${name}: (\\S+)`));
      if (!m?.[1]) throw new Error(`the demo did not print ${name}`);
      return m[1];
    };
    return {
      name: "thread (--demo)",
      url: d.url,
      key: field("api_key"),
      accounts: 0,
      headers: {},
      metrics: { url: d.url, adminKey: field("admin_key") },
      streams: true,
      child: d.child,
    };
  };
  const entry = portkeyVersion === "none" ? undefined : installPortkey(portkeyVersion);
  const peer = async (): Promise<System> => {
    if (!entry) throw new Error("no peer");
    const port = await freePort();
    const p = await start(root, [`--port=${port}`, "--headless"], {}, /(http:\/\/localhost:\d+)/, entry);
    return {
      name: `Portkey ${portkeyVersion}`,
      url: `http://127.0.0.1:${port}`,
      key: upstreamKey,
      accounts: 0,
      headers: { "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstream.url}/v1` },
      streams: false,
      child: p.child,
    };
  };
  // each group runs alone (its processes started, measured, stopped), so that no idle
  // gateway's background work (checkpoints, saves) lands in another's slices; the peer runs
  // beside the default mode, in the same alternating slices
  const groups: (() => Promise<System>)[][] = [
    [configured("off")],
    [configured("inline")],
    entry ? [configured("thread"), peer] : [configured("thread")],
    [demo],
  ];
  const rows: string[] = [];
  const ladder: string[] = [];
  try {
    await load(upstream.url, upstreamKey, 500, 2);
    for (const group of groups) {
      const systems: System[] = [];
      for (const launch of group) {
        const s = await launch();
        systems.push(s);
        running.push(s);
      }
      // warm-up: the JIT, the pools, and the scorers' first checkpoints, at a rate every gateway keeps up with
      for (const s of systems) await load(s.url, s.key, 250, 6, false, s.accounts, s.headers);
      // the highest rate each sustains (first, before any load it falls behind on): climb the
      // ladder while the added p99 stays ≤ 5 ms
      for (const s of systems.filter((x) => x.name === "thread (config)" || x.name.startsWith("Portkey"))) {
        let best = 0;
        const steps: string[] = [];
        for (const rate of LADDER) {
          const { direct, results } = await alternate(upstream, [s], rate, false, 3, 2);
          const m = results.get(s.name);
          if (!m) break;
          const p99 = added(m.via, direct, 99);
          const ok =
            p99 <= LADDER_P99_MS &&
            m.via.errors === 0 &&
            m.via.achieved >= rate * 0.97 &&
            direct.errors === 0;
          steps.push(`${rate}/s: ${f(p99)}${ok ? "" : " ✗"}`);
          console.error(
            `gateway bench: ladder ${s.name} ${rate}/s added p99 ${f(p99)} ms ${ok ? "ok" : "over"}`,
          );
          if (!ok) break;
          best = rate;
        }
        ladder.push(`| ${s.name} | ${best > 0 ? best : `< ${LADDER[0]}`} | ${steps.join("; ")} |`);
      }
      const loads = [
        { rate: 500, stream: false, rounds: shortRounds },
        { rate: 1000, stream: false, rounds },
        { rate: 500, stream: true, rounds: shortRounds },
      ];
      for (const l of loads) {
        const taking = systems.filter((s) => !l.stream || s.streams);
        console.error(
          `gateway bench: ${l.stream ? "streams" : "responses"} at ${l.rate}/s, ${l.rounds} × ${slice} s per side: ${taking.map((s) => s.name).join(", ")}`,
        );
        const { direct, results } = await alternate(upstream, taking, l.rate, l.stream, slice, l.rounds);
        for (const s of taking) {
          const m = results.get(s.name);
          if (!m) continue;
          const line = `| ${s.name} | ${l.stream ? "stream, first byte" : "response"} | ${l.rate} (${Math.round(m.via.achieved)} sent) | ${m.via.lat.length} | ${f(pct(direct.lat, 50))} / ${f(pct(direct.lat, 99))} / ${f(pct(direct.lat, 99.9))} | ${f(pct(m.via.lat, 50))} / ${f(pct(m.via.lat, 99))} / ${f(pct(m.via.lat, 99.9))} | **${f(added(m.via, direct, 50))} / ${f(added(m.via, direct, 99))} / ${f(added(m.via, direct, 99.9))}** | ${f(m.loopP99)} / ${f(m.loopMax)} | ${direct.errors + m.via.errors} |`;
          console.error(line);
          rows.push(line);
        }
      }
      for (const s of systems) await stop(s.child);
    }

    return `## Gateway latency

\`npm run bench -- --only gateway\`: the mock upstream (\`distillguard mock-upstream\`), our gateway in each
scoring mode (\`distillguard gateway --config\`, each with a DuckDB store the scorer saves to (not with
\`off\`), the policy below and a log directory, 200 accounts in turn), \`distillguard gateway --demo\` (its
built-in mock upstream in its own process, one key; with \`--db\`, \`--policy\` and \`--log-dir\`) and, as a
peer, Portkey's open-source gateway (npm \`@portkey-ai/gateway@${portkeyVersion}\`, \`--headless\`, installed by the
bench into a temporary folder, routed to the same mock upstream with \`x-portkey-custom-host\`), as separate
processes on this machine. Each of \`off\`, \`inline\`, \`thread\` beside the peer, and the demo runs alone
(started, warmed up for 6 s at 250/s, its ladder climbed, measured, stopped). An open-loop generator (undici, this process) sends small
chat completions at a fixed rate in alternating ${slice}-second slices: straight to the upstream, then through
each running gateway in turn, ${rounds} rounds at 1,000 requests/s (${rounds * slice} s per side) and ${shortRounds} rounds at
500/s and for streams (time to the first body chunk). Latencies of each side are pooled; "added" is the
gateway's percentile minus the direct one. The event-loop delay of our gateways' request thread is
read from their \`/metrics\` before and after each slice (the largest per-slice p99 and the largest delay).
Every process shares the machine's 2 cores. The policy meters every request through a token bucket
and protects flagged accounts:
\`${JSON.stringify(BENCH_POLICY)}\`.

| gateway | requests | rate/s | answers | direct p50 / p99 / p99.9 (ms) | through the gateway p50 / p99 / p99.9 (ms) | added p50 / p99 / p99.9 (ms) | event-loop delay p99 / max (ms) | errors |
|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

The highest rate each sustains with an added p99 ≤ ${LADDER_P99_MS} ms, no errors and ≥ 97% of the rate sent
(2 alternating 3-second slices per side and step, climbing ${LADDER.join(", ")}/s until a step fails;
added p99 in ms per step):

| gateway | sustained rate/s | steps |
|---|---|---|
${ladder.join("\n")}

Issue 21's targets: added p99 ≤ 1 ms and p99.9 ≤ 5 ms at 1,000 requests/s with scoring on a thread,
in the config mode and in \`--demo\`; the largest event-loop delay under 5 ms.
`;
  } finally {
    for (const s of running) await stop(s.child);
    await stop(upstreamProc.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
