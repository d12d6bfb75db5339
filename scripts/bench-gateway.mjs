// Gateway latency benchmark (called by bench.mjs --only gateway): the mock upstream and
// the gateway each run as `distillguard` processes (scoring on, as in production); an
// open-loop load generator in this process sends chat completions at a fixed rate, first
// straight to the upstream, then through the gateway, and compares the latency
// percentiles. Streams: time to first byte, direct and through the gateway.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";

function start(root, args, env, pattern) {
  const child = spawn(process.execPath, [join(root, "bin/distillguard.js"), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    const look = (d) => {
      seen += String(d);
      const m = seen.match(pattern);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`${args[0]} exited ${code}: ${seen}`)));
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Sends `rate` requests a second for `seconds`, open loop; returns sorted latencies (ms) and errors. */
async function load(url, key, rate, seconds, stream = false) {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 256, pipelining: 1 });
  const body = JSON.stringify({
    model: "gpt-4.1-mini",
    stream,
    messages: [{ role: "user", content: "Say something short about rivers, please." }],
  });
  const lat = [];
  let errors = 0;
  const pending = [];
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
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body,
        })
        .then(async (res) => {
          if (stream) {
            // time to the first body chunk
            for await (const _ of res.body) {
              lat.push(performance.now() - sent);
              break;
            }
            await res.body.dump?.().catch(() => {});
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

export async function benchGateway(root, opts = {}) {
  const seconds = opts.seconds ?? 10;
  const rates = opts.rates ?? [1000, 2000];
  const dir = mkdtempSync(join(tmpdir(), "dg-bench-gw-"));
  const upstreamKey = "bench-upstream-key";
  const clientKey = "bench-client-key";
  const upstream = await start(root, ["mock-upstream", "--api-key", upstreamKey], {}, /upstream_url: (\S+)/);
  writeFileSync(
    join(dir, "gateway.json"),
    JSON.stringify({
      listen: { port: 0 },
      upstreams: { openai: { url: upstream.url, api_key_env: "BENCH_UPSTREAM_KEY" } },
      keys: [{ sha256: createHash("sha256").update(clientKey).digest("hex"), account_id: "bench" }],
    }),
  );
  const gateway = await start(
    root,
    ["gateway", "--config", join(dir, "gateway.json")],
    { BENCH_UPSTREAM_KEY: upstreamKey },
    /"url":"([^"]+)"/,
  );
  const rows = [];
  try {
    // warm up both paths
    await load(upstream.url, upstreamKey, 500, 2);
    await load(gateway.url, clientKey, 500, 2);
    for (const rate of rates) {
      const direct = await load(upstream.url, upstreamKey, rate, seconds);
      const via = await load(gateway.url, clientKey, rate, seconds);
      rows.push({ rate, kind: "response", direct, via });
      console.error(
        `gateway bench ${rate}/s: direct p50 ${pct(direct.lat, 50).toFixed(3)} p99 ${pct(direct.lat, 99).toFixed(3)}; via p50 ${pct(via.lat, 50).toFixed(3)} p99 ${pct(via.lat, 99).toFixed(3)} ms`,
      );
    }
    const sDirect = await load(upstream.url, upstreamKey, 500, seconds, true);
    const sVia = await load(gateway.url, clientKey, 500, seconds, true);
    rows.push({ rate: 500, kind: "stream, first byte", direct: sDirect, via: sVia });
  } finally {
    gateway.child.kill("SIGTERM");
    upstream.child.kill("SIGTERM");
  }
  const f = (x) => x.toFixed(3);
  const table = rows
    .map(
      (r) =>
        `| ${r.kind} | ${r.rate} (${Math.round(r.via.achieved)} sent) | ${f(pct(r.direct.lat, 50))} / ${f(pct(r.direct.lat, 99))} | ${f(pct(r.via.lat, 50))} / ${f(pct(r.via.lat, 99))} | **${f(pct(r.via.lat, 50) - pct(r.direct.lat, 50))} / ${f(pct(r.via.lat, 99) - pct(r.direct.lat, 99))}** | ${r.direct.errors + r.via.errors} |`,
    )
    .join("\n");
  return `## Gateway latency

\`npm run bench -- --only gateway\`: the mock upstream (\`distillguard mock-upstream\`) and the gateway
(\`distillguard gateway --config\`, scoring on, exchanges observed by the live detector) as separate
processes on this machine; an open-loop generator (undici, this process) sends small non-streaming chat
completions at a fixed rate for ${seconds} s, first to the upstream directly, then through the gateway.
All three share the machine's 2 cores, so the added latency includes the gateway's share of CPU.

| requests | rate/s | direct p50 / p99 (ms) | through the gateway p50 / p99 (ms) | added p50 / p99 (ms) | errors |
|---|---|---|---|---|---|
${table}

Issue 5's targets: p50 ≤ 0.3 ms and p99 ≤ 1 ms added. The p99 of a ${seconds}-second run is set by the
slowest 1% of requests, that is by a few pauses: garbage collection in any of the three processes, the
generator's own timer slips, the gateway's checkpoint every 5 s. A negative "added p99" means the direct
run had the longer pause; compare p99s across repeated runs, not within one.
`;
}
