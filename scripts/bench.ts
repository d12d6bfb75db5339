// Benchmarks (not tests): measures and writes docs/performance.md.
// Usage: npm run bench [-- --only simulate|roundtrip|analyze|report|gateway|dashboard|scaleout] [--scale X]
//        [--dashboard-store FILE]   (dashboard: reuse this store when present, else build and keep it)
//        [--report-scale 16] [--report-dir DIR] [--report-prompts PATH]   (report: ~30 GB of disk, tens of minutes)
//        [--gateway-slice 5] [--gateway-rounds 12] [--gateway-short-rounds 4] [--portkey 1.15.2|none]
import { spawnSync } from "node:child_process";
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, freemem, platform, release, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { DuckDBInstance } from "@duckdb/node-api";
import { evaluate } from "distillguard/eval";
import { type AnalyzeOptions, type AnalyzeSummary, analyze } from "distillguard/pipeline";
import { type SimulationSummary, simulate } from "distillguard/simulate";
import { benchDashboard } from "./bench-dashboard.js";
import { benchGateway } from "./bench-gateway.js";
import { benchScaleout } from "./bench-scaleout.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    scale: { type: "string", default: "1" },
    keep: { type: "boolean" },
    // the report-scale run: scale of the simulated log and where it lives (reused when present)
    "report-scale": { type: "string", default: "16" },
    "report-dir": { type: "string" },
    "report-db": { type: "boolean" },
    // the report-scale log's prompts drawn from the real datasets here (simulate --prompts)
    "report-prompts": { type: "string" },
    // the analysis child's heap limit in MiB (default: Node's own)
    "report-heap": { type: "string" },
    // the dashboard run: a store file to reuse when present (built there and kept otherwise)
    "dashboard-store": { type: "string" },
    // the gateway run: slice length (s), rounds at 1,000/s and at 500/s, the peer's version ("none": no peer)
    "gateway-slice": { type: "string", default: "5" },
    "gateway-rounds": { type: "string", default: "12" },
    "gateway-short-rounds": { type: "string", default: "4" },
    portkey: { type: "string", default: "1.15.2" },
  },
});
// dist/scripts/bench.js: the repository is two folders up
const root = resolve(import.meta.dirname, "../..");
const child = join(import.meta.dirname, "_child.js");

function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), ${platform()} ${release()}, Node ${process.version}`;
}

const sections: string[] = [];

/** Peak RSS of a simulate run in a fresh process (workers are threads of that process). */
function simulateRss(scale: number): number {
  const out = mkdtempSync(join(tmpdir(), "dg-bench-rss-"));
  const r = spawnSync(process.execPath, [child, "simulate", JSON.stringify({ out, seed: 1, scale })], {
    encoding: "utf8",
  });
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`simulate at scale ${scale} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { rss: number }).rss;
}

async function benchSimulate(): Promise<void> {
  const scale = Number(values.scale);
  const small = Math.round(scale * 30) / 100;
  const smallRss = simulateRss(small);
  const out = mkdtempSync(join(tmpdir(), "dg-bench-sim-"));
  let firstHourAt = 0;
  let firstHourCount = 0;
  const t0 = performance.now();
  const s = await simulate({
    out,
    seed: 1,
    scale,
    onProgress: (p) => {
      if (p.hoursDone === 1) {
        firstHourAt = performance.now();
        firstHourCount = p.exchanges;
      }
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const steady = (s.exchanges - firstHourCount) / ((performance.now() - firstHourAt) / 1000);
  const bytes = statSync(join(out, "exchanges.jsonl")).size;
  const rss = process.resourceUsage().maxRSS / 1024;
  const pops = Object.entries(s.populations)
    .map(([name, p]) => `| ${name} | ${p.campaign ?? "benign"} | ${p.accounts} | ${p.exchanges} |`)
    .join("\n");
  if (!values.keep) rmSync(out, { recursive: true, force: true });
  const result = {
    scale,
    exchanges: s.exchanges,
    accounts: s.accounts,
    wall,
    rate: s.exchanges / wall,
    steady,
    bytes,
    rss,
    workers: s.workers,
  };
  console.error(JSON.stringify(result));
  sections.push(`## Simulator

\`npm run bench -- --only simulate --scale ${scale}\`: \`simulate --seed 1 --scale ${scale}\` (built-in text, ${s.workers ? "two worker threads" : "in-process"}), output on local disk.

| figure | value |
|---|---|
| exchanges | ${s.exchanges} |
| accounts | ${s.accounts} |
| exchanges.jsonl | ${(bytes / 2 ** 20).toFixed(0)} MiB (${(bytes / s.exchanges).toFixed(0)} bytes a line) |
| wall time, start to finish | ${wall.toFixed(1)} s |
| exchanges/s, start to finish | ${Math.round(result.rate)} |
| exchanges/s, after the first simulated hour (start-up excluded) | ${Math.round(steady)} |
| peak RSS (process, both workers included) | ${rss.toFixed(0)} MiB |
| peak RSS of a separate run at scale ${small} (memory growth with scale) | ${smallRss.toFixed(0)} MiB |

Counts per population and campaign at this scale and seed:

| population | campaign | accounts | exchanges |
|---|---|---|---|
${pops}
`);
}

async function benchAnalyze(): Promise<void> {
  const dir = join(tmpdir(), "dg-bench-analyze-1m");
  const file = join(dir, "exchanges.jsonl");
  let sim: SimulationSummary;
  try {
    sim = JSON.parse(readFileSync(join(dir, "simulation.json"), "utf8")) as SimulationSummary;
    if (sim.exchanges < 1_000_000) throw new Error("an older, smaller file");
  } catch {
    rmSync(dir, { recursive: true, force: true });
    // scale 1 is just over 1,000,000 exchanges (seed 1)
    sim = await simulate({ out: dir, seed: 1, scale: 1 });
  }
  const bytes = statSync(file).size;
  // the floor: read every line and JSON.parse it, nothing else
  const t0 = performance.now();
  let lines = 0;
  let rest = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const l of parts)
      if (l) {
        JSON.parse(l);
        lines++;
      }
  }
  if (rest) {
    JSON.parse(rest);
    lines++;
  }
  const floorS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const summary = await analyze({
    inputs: { exchanges: file, accounts: join(dir, "accounts.jsonl"), events: join(dir, "events.jsonl") },
    out: join(dir, "pred"),
    report: false,
  });
  const analyzeS = (performance.now() - t1) / 1000;
  // the same with the DuckDB store filled as it goes
  const dbFile = join(dir, "bench.duckdb");
  rmSync(dbFile, { force: true });
  const tdb = performance.now();
  await analyze({
    inputs: { exchanges: file, accounts: join(dir, "accounts.jsonl"), events: join(dir, "events.jsonl") },
    out: join(dir, "pred-db"),
    report: false,
    db: dbFile,
  });
  const dbS = (performance.now() - tdb) / 1000;
  const dbBytes = statSync(dbFile).size;
  rmSync(dbFile, { force: true });
  const t2 = performance.now();
  const inst = await DuckDBInstance.create(":memory:");
  const conn = await inst.connect();
  const r = await conn.runAndReadAll(
    `select count(*) as accounts from (select account_id, count(*) from read_json('${file}', format = 'newline_delimited', columns = {account_id: 'VARCHAR'}) group by 1)`,
  );
  const duckS = (performance.now() - t2) / 1000;
  const duckAccounts = r.getRowObjectsJson()[0]?.accounts;
  conn.closeSync();
  inst.closeSync();
  const rss = process.resourceUsage().maxRSS / 1024;
  console.error(JSON.stringify({ lines, floorS, analyzeS, dbS, duckS, rss }));
  sections.push(`## Analysis throughput on a ${(sim.exchanges / 1e6).toFixed(2)}M-exchange file

\`npm run bench -- --only analyze\`: \`simulate --seed 1 --scale 1\` (${lines} lines, ${(bytes / 2 ** 30).toFixed(2)} GiB), then, in one process:

| step | time | exchanges/s |
|---|---|---|
| read every line and \`JSON.parse\` it (the floor) | ${floorS.toFixed(1)} s | ${Math.round(lines / floorS)} |
| \`analyze\` (report off; ${summary.accounts} accounts, ${summary.flagged} flagged) | ${analyzeS.toFixed(1)} s | ${Math.round(summary.exchanges / analyzeS)} |
| \`analyze --db\` (the same, and the DuckDB store filled: ${(dbBytes / 2 ** 20).toFixed(0)} MiB) | ${dbS.toFixed(1)} s | ${Math.round(summary.exchanges / dbS)} |
| DuckDB \`read_json\` group by account (reference; ${duckAccounts} accounts) | ${duckS.toFixed(1)} s | ${Math.round(lines / duckS)} |

analyze runs at **${((floorS / analyzeS) * 100).toFixed(0)}%** of the read-and-parse floor (issue 4's target: 25%). Peak RSS of the
process after all four: ${rss.toFixed(0)} MiB. analyze parses lines and computes per-exchange signals on
${summary.threads ?? "the default number of"} worker threads while the main thread keeps the profiles and groups.
`);
}

/** The analysis child's V8 heap limit (MiB) if one is asked for; Node's default otherwise. */
const HEAP_MB = values["report-heap"] === undefined ? undefined : Number(values["report-heap"]);

/** Runs analyze in a fresh process (threads included) and returns its wall time and peak RSS. */
function analyzeInChild(
  dir: string,
  extra: Partial<AnalyzeOptions> = {},
): AnalyzeSummary & { seconds: number; rss: number } {
  const options: AnalyzeOptions = {
    inputs: {
      exchanges: join(dir, "exchanges.jsonl"),
      accounts: join(dir, "accounts.jsonl"),
      events: join(dir, "events.jsonl"),
    },
    out: join(dir, "pred"),
    report: false,
    ...extra,
  };
  // Node's default heap limit (about 4 GiB on this machine) unless --report-heap says otherwise
  const r = spawnSync(
    process.execPath,
    [...(HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : []), child, "analyze", JSON.stringify(options)],
    {
      encoding: "utf8",
      maxBuffer: 1 << 26,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  if (r.status !== 0) throw new Error(`analyze failed (exit status ${r.status})`);
  return JSON.parse(r.stdout) as AnalyzeSummary & { seconds: number; rss: number };
}

/** Issue 4's report-scale run: ≥ 16M exchanges, ≥ 24,000 campaign accounts among more benign ones. */
async function benchReport(): Promise<void> {
  const scale = Number(values["report-scale"]);
  const dir = values["report-dir"] ?? join(tmpdir(), `dg-bench-report-${scale}`);
  let sim: SimulationSummary;
  let simSeconds: number | undefined;
  try {
    sim = JSON.parse(readFileSync(join(dir, "simulation.json"), "utf8")) as SimulationSummary;
  } catch {
    console.error(`report: simulating scale ${scale} into ${dir} (about ${Math.round(scale * 1.8)} GB)`);
    const t0 = performance.now();
    const prompts = values["report-prompts"];
    sim = await simulate({ out: dir, seed: 1, scale, ...(prompts ? { prompts } : {}) });
    simSeconds = (performance.now() - t0) / 1000;
  }
  const campaignAccounts = Object.values(sim.populations)
    .filter((p) => p.campaign)
    .reduce((t, p) => t + p.accounts, 0);
  const bytes = statSync(join(dir, "exchanges.jsonl")).size;
  const runs: string[] = [];
  // the analysis (verdict files); --report-db adds a run that also fills the DuckDB store
  const variants: [string, Partial<AnalyzeOptions>][] = [["`analyze` (verdict files)", {}]];
  if (values["report-db"])
    variants.push(["`analyze --db` (verdict files and the DuckDB store)", { db: join(dir, "run.duckdb") }]);
  for (const [label, extra] of variants) {
    rmSync(join(dir, "run.duckdb"), { force: true });
    rmSync(join(dir, "run.duckdb.wal"), { force: true });
    console.error(`report: ${label} over ${sim.exchanges} exchanges`);
    const r = analyzeInChild(dir, extra);
    console.error(JSON.stringify(r));
    runs.push(
      `| ${label} | ${(r.seconds / 60).toFixed(1)} min | ${Math.round(r.exchanges / r.seconds)} | ${(r.rss / 1024).toFixed(2)} GiB | ${r.accounts} | ${r.flagged} | ${r.campaigns} |`,
    );
  }
  const q = await evaluate(dir, join(dir, "pred"), () => undefined);
  const text = sim.text === "builtin" ? "built-in text" : "real prompts";
  sections.push(`## Report scale: ${(sim.exchanges / 1e6).toFixed(1)} million exchanges, ${text}

\`npm run bench -- --only report --report-scale ${sim.scale}${sim.text === "builtin" ? "" : " --report-prompts ../shared/datasets"}\`: \`simulate --seed ${sim.seed} --scale ${sim.scale}${sim.text === "builtin" ? "" : " --prompts ../shared/datasets"}\` (${text}): ${sim.exchanges} exchanges
(${(bytes / 2 ** 30).toFixed(1)} GiB) from ${sim.accounts} accounts, of which ${campaignAccounts} in the campaign populations${simSeconds ? `; simulated in ${(simSeconds / 60).toFixed(1)} min (${Math.round(sim.exchanges / simSeconds)}/s)` : ""}.
Each analysis runs in a fresh process (${HEAP_MB ? `\`node --max-old-space-size=${HEAP_MB}\`` : `Node's default heap limit, ${Math.round(getHeapStatistics().heap_size_limit / 2 ** 20)} MiB here`}); peak RSS is the whole process's, worker threads included.

| run | wall time | exchanges/s | peak RSS | accounts | flagged | campaigns |
|---|---|---|---|---|---|---|
${runs.join("\n")}

Quality of the last run against the ground truth: precision ${q.precision.toFixed(4)}, recall ${q.recall.toFixed(4)},
exchange-weighted recall ${q.exchangeRecall.toFixed(4)}, prevented share ${q.preventedShare.toFixed(4)}, ARI ${q.ari.toFixed(4)}.
Targets (issues 4 and 21): ≤ 10 minutes and ≤ 3 GB peak RSS for 16M exchanges on 2 cores, with Node's default heap limit.
`);
}

/** simulate → analyze → eval at scale 0.05, three seeds, with and without real prompts. */
async function benchRoundTrip(): Promise<void> {
  const datasets = resolve(root, "../shared/datasets");
  const modes: [string, string | undefined][] = [
    ["built-in text", undefined],
    ...(existsSync(datasets) ? [["real prompts", datasets] as [string, string]] : []),
  ];
  const rows: string[] = [];
  for (const [label, prompts] of modes)
    for (const seed of [1, 2, 3]) {
      const dir = mkdtempSync(join(tmpdir(), "dg-bench-rt-"));
      const t0 = performance.now();
      const sim = await simulate({ out: dir, seed, scale: 0.05, ...(prompts ? { prompts } : {}) });
      await analyze({
        inputs: {
          exchanges: join(dir, "exchanges.jsonl"),
          accounts: join(dir, "accounts.jsonl"),
          events: join(dir, "events.jsonl"),
        },
        out: join(dir, "pred"),
      });
      const r = await evaluate(dir, join(dir, "pred"), () => undefined);
      const seconds = (performance.now() - t0) / 1000;
      rmSync(dir, { recursive: true, force: true });
      rows.push(
        `| ${label} | ${seed} | ${sim.exchanges} | ${seconds.toFixed(1)} s | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} |`,
      );
      console.error(`round trip ${label} seed ${seed}: ${seconds.toFixed(1)} s`);
    }
  sections.push(`## Round trip at scale 0.05

\`npm run bench -- --only roundtrip\`: \`simulate --scale 0.05\` → \`analyze\` → \`eval\` in one process, each run timed start to finish.

| text | seed | exchanges | simulate + analyze + eval | precision | recall |
|---|---|---|---|---|---|
${rows.join("\n")}
`);
}

if (!values.only || values.only === "simulate") await benchSimulate();
if (!values.only || values.only === "roundtrip") await benchRoundTrip();
if (!values.only || values.only === "analyze") await benchAnalyze();
if (values.only === "report") await benchReport();
if (!values.only || values.only === "dashboard") {
  sections.push(await benchDashboard(root, Number(values.scale), values["dashboard-store"]));
}
// needs NATS (JetStream) and PostgreSQL on 127.0.0.1: only when asked for
if (values.only === "scaleout") {
  sections.push(await benchScaleout(root, Number(values.scale)));
}
if (!values.only || values.only === "gateway") {
  sections.push(
    await benchGateway(root, {
      slice: Number(values["gateway-slice"]),
      rounds: Number(values["gateway-rounds"]),
      shortRounds: Number(values["gateway-short-rounds"]),
      portkey: values.portkey,
    }),
  );
}

const path = join(root, "docs/performance.md");
let previous = "";
try {
  previous = readFileSync(path, "utf8");
} catch {
  // no page yet
}
const header = `# Performance

Measured by \`npm run bench\` (scripts/bench.ts); each section is replaced when its benchmark runs again
and says when and on what it was measured. Machines of the same kind here have differed by a factor of
two in speed from one day to the next: compare figures within a section, or against the read-and-parse
floor measured in the same run.
`;
// keep sections of benchmarks that did not run this time; a section is the same benchmark
// whatever figures its heading carries ("on a 0.98M-exchange file" replaces "on a 1.00M-...")
const heading = (s: string): string => (s.split("\n")[0] ?? "").replace(/[\d.,]+/g, "#");
const kept = previous
  .split(/^(?=## )/m)
  .slice(1)
  .filter((s) => !sections.some((n) => heading(n) === heading(s)));
// each new section says when and where it was measured (machines of one kind differ in speed)
const stamp = `_Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}._`;
const dated = sections.map((s) => s.replace(/\n/, `\n\n${stamp}\n`));
writeFileSync(path, `${header}\n${[...dated, ...kept].map((s) => s.trimEnd()).join("\n\n")}\n`);
console.error(`wrote ${path}`);
