// Before/after comparison of the gateway's request path: two builds of distillguard (two
// checkouts, each built) run in turn against one mock upstream, in the order A B B A …,
// each under the same open-loop load; reports, per run, the added p50 latency and the
// gateway process's CPU time per request (user + system, from /proc; Linux only), which
// is much less noisy than latency on a shared machine.
// Usage: node dist/scripts/bench-gateway-ab.js --a <checkout> --b <checkout> [--runs 6 --mode off,thread
//        --rate 1000 --seconds 10]
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Load, load, pct, pooled, start, writeGatewayConfig } from "./bench-gateway.js";

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string" },
    runs: { type: "string", default: "6" },
    mode: { type: "string", default: "off,thread" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
  },
});
if (!values.a || !values.b) {
  console.error("bench-gateway-ab: give two built checkouts, --a DIR --b DIR");
  process.exit(2);
}
const roots = { A: resolve(values.a), B: resolve(values.b) };
const runs = Number(values.runs);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const modes = values.mode.split(",");
const TICK = 100; // clock ticks per second (USER_HZ)

/** user + system CPU seconds of a process and its threads so far */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
}

const dir = mkdtempSync(join(tmpdir(), "dg-bench-ab-"));
const upstreamKey = "bench-upstream-key";
const clientKey = "bench-client-key";
const upstream = await start(roots.A, ["mock-upstream", "--api-key", upstreamKey], {}, /upstream_url: (\S+)/);
const results: {
  mode: string;
  side: "A" | "B";
  run: number;
  added: number;
  cpuUs: number;
  errors: number;
}[] = [];
try {
  await load(upstream.url, upstreamKey, 500, 2);
  for (const mode of modes) {
    const config = writeGatewayConfig(dir, upstream, clientKey, mode);
    for (let r = 0; r < runs; r++) {
      // A B B A: each side as often first as second
      const order: ("A" | "B")[] = r % 2 === 0 ? ["A", "B"] : ["B", "A"];
      for (const side of order) {
        const gw = await start(
          roots[side],
          ["gateway", "--config", config],
          { BENCH_UPSTREAM_KEY: upstreamKey },
          /"url":"([^"]+)"/,
        );
        try {
          await load(gw.url, clientKey, rate, 4, false, 200); // warm-up
          const direct: Load[] = [];
          const via: Load[] = [];
          let cpu = 0;
          let requests = 0;
          for (let s = 0; s < seconds / 2; s++) {
            direct.push(await load(upstream.url, upstreamKey, rate, 2));
            const c0 = cpuSeconds(gw.child.pid);
            via.push(await load(gw.url, clientKey, rate, 2, false, 200));
            cpu += cpuSeconds(gw.child.pid) - c0;
            requests += rate * 2;
          }
          const d = pooled(direct);
          const v = pooled(via);
          const row = {
            mode,
            side,
            run: r + 1,
            added: pct(v.lat, 50) - pct(d.lat, 50),
            cpuUs: (cpu / requests) * 1e6,
            errors: d.errors + v.errors,
          };
          results.push(row);
          console.error(
            `ab [${mode}] run ${row.run} ${side}: added p50 ${row.added.toFixed(3)} ms, gateway CPU ${row.cpuUs.toFixed(0)} µs/request, errors ${row.errors}`,
          );
        } finally {
          gw.child.kill("SIGTERM");
          await new Promise((res) => gw.child.once("exit", res));
        }
      }
    }
  }
} finally {
  upstream.child.kill("SIGTERM");
}
const mean = (xs: readonly number[]): number => xs.reduce((t, x) => t + x, 0) / xs.length;
const sd = (xs: readonly number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const lines = [
  `| scoring | side | added p50 (ms) per run | mean ± sd | gateway CPU (µs/request) per run | mean ± sd |`,
  `|---|---|---|---|---|---|`,
];
for (const mode of modes)
  for (const side of ["A", "B"] as const) {
    const rs = results.filter((x) => x.mode === mode && x.side === side);
    const a = rs.map((x) => x.added);
    const c = rs.map((x) => x.cpuUs);
    lines.push(
      `| ${mode} | ${side} | ${a.map((x) => x.toFixed(3)).join(", ")} | ${mean(a).toFixed(3)} ± ${sd(a).toFixed(3)} | ${c.map((x) => x.toFixed(0)).join(", ")} | ${mean(c).toFixed(0)} ± ${sd(c).toFixed(0)} |`,
    );
  }
console.log(`A = ${roots.A}\nB = ${roots.B}\n${rate} requests/s, ${seconds} s per run through the gateway\n`);
console.log(lines.join("\n"));
