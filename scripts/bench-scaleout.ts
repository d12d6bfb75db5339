// Scale-out throughput (called by bench.ts --only scaleout): one simulated log published
// once to a fresh stream on the local NATS; then, for 1, 2 and 4 workers (separate
// processes, `distillguard worker --until-idle`) against a fresh PostgreSQL database each,
// the time from start until every worker has exited (stream drained, linkage run), and each
// worker's CPU time. Needs NATS (JetStream) and PostgreSQL on 127.0.0.1.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Bus } from "distillguard/scaleout";
import postgres from "postgres";

const NATS = process.env.DISTILLGUARD_TEST_NATS ?? "nats://127.0.0.1:4222";
const PG_ADMIN = process.env.DISTILLGUARD_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait). */
function machineBusy(): number {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return (total - (f[3] ?? 0) - (f[4] ?? 0)) / 100;
}

export async function benchScaleout(
  root: string,
  scale: number,
  counts: readonly number[] = [1, 2, 4],
): Promise<string> {
  const bin = join(root, "bin/distillguard.js");
  const dir = mkdtempSync(join(tmpdir(), "dg-bench-scaleout-"));
  const tag = `B${Date.now().toString(36).toUpperCase()}`;
  const stream = `DGBENCH${tag}`;
  const prefix = `dgbench${tag.toLowerCase()}`;
  const busArgs = ["--nats", NATS, "--stream", stream, "--prefix", prefix, "--partitions", "16"];
  const sim = spawnSync(
    process.execPath,
    [bin, "simulate", "--out", join(dir, "s"), "--seed", "1", "--scale", String(scale)],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  if (sim.status !== 0) throw new Error("simulate failed");
  let t = performance.now();
  const pub = spawnSync(process.execPath, [bin, "publish", join(dir, "s"), ...busArgs, "--quiet"], {
    encoding: "utf8",
  });
  if (pub.status !== 0) throw new Error(`publish failed: ${pub.stderr}`);
  const publishS = (performance.now() - t) / 1000;
  const exchanges = Number(/published (\d+) exchanges/.exec(pub.stdout)?.[1]);
  console.error(`scaleout bench: published ${exchanges} exchanges in ${publishS.toFixed(1)} s`);

  const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => undefined });
  const rows: string[] = [];
  for (const n of counts) {
    const db = `dg_bench_${tag.toLowerCase()}_${n}`;
    await admin.unsafe(`create database ${db}`);
    const url = new URL(PG_ADMIN);
    url.pathname = `/${db}`;
    t = performance.now();
    const busy0 = machineBusy();
    const results = await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<string>((resolve, reject) => {
            const p = spawn(
              process.execPath,
              [
                bin,
                "worker",
                ...busArgs,
                "--pg",
                url.toString(),
                "--until-idle",
                "--id",
                `b${n}-${i}`,
                "--lease-ms",
                "4000",
              ],
              { stdio: ["ignore", "pipe", "pipe"] },
            );
            let out = "";
            p.stdout.setEncoding("utf8").on("data", (d: string) => {
              out += d;
            });
            p.stderr.resume();
            p.once("exit", (code) =>
              code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}`)),
            );
          }),
      ),
    );
    const wall = (performance.now() - t) / 1000;
    const busy = machineBusy() - busy0;
    const cpu = results.map((o) => Number(/cpu ([\d.]+) s/.exec(o)?.[1] ?? Number.NaN));
    const applied = results.map((o) => Number(/(\d+) messages applied/.exec(o)?.[1] ?? 0));
    const sql = postgres(url.toString(), { max: 1, onnotice: () => undefined });
    const [run] = await sql<{ s: number; flagged: number; campaigns: number; e: number }[]>`
      select extract(epoch from finished_at - started_at)::float s, flagged, campaigns, exchanges::int e
      from linkage_runs order by id desc limit 1`;
    const [runs] = await sql<{ n: number }[]>`select count(*)::int n from linkage_runs`;
    await sql.end();
    await admin.unsafe(`drop database ${db} with (force)`);
    const cpuTotal = cpu.reduce((a, b) => a + b, 0);
    rows.push(
      `| ${n} | ${wall.toFixed(1)} | ${Math.round(exchanges / wall)} | ${cpu.map((c) => c.toFixed(1)).join(" / ")} | ${((cpuTotal * 1e6) / exchanges).toFixed(0)} | ${(((busy - cpuTotal) * 1e6) / exchanges).toFixed(0)} | ${applied.join(" / ")} | ${runs?.n} | ${Number(run?.s ?? Number.NaN).toFixed(1)} | ${run?.flagged} | ${run?.campaigns} |`,
    );
    console.error(
      `scaleout bench: ${n} workers: ${wall.toFixed(1)} s (${Math.round(exchanges / wall)} exchanges/s)`,
    );
  }
  await admin.end();
  // the benchmark's stream is removed from NATS
  const bus = await Bus.open({ servers: NATS, stream, prefix });
  await bus.jsm.streams.delete(bus.stream);
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
  return `## Scale-out: workers on NATS JetStream and PostgreSQL

\`npm run bench -- --only scaleout [--scale S]\`: \`simulate --seed 1 --scale ${scale}\` (${exchanges} exchanges),
\`distillguard publish\` to a fresh stream of 16 partitions on the local NATS (${publishS.toFixed(1)} s, ${Math.round(exchanges / publishS)} exchanges/s),
then for each row \`distillguard worker --until-idle\` × N as separate processes against a fresh PostgreSQL database,
timed from start until every worker has exited (stream drained, last linkage run written). This machine has
${cpus().length} cores shared by the workers, NATS and PostgreSQL, so wall time stops improving once the cores are
busy: read the scaling from the CPU each worker spent (process CPU time, user + system) and the
rest of the machine's busy CPU over the same run (/proc/stat, less the workers': mostly PostgreSQL and NATS).

| workers | wall (s) | exchanges/s | CPU per worker (s) | worker CPU ms per 1,000 exchanges | rest of the machine (PostgreSQL, NATS, other) CPU ms per 1,000 | messages applied per worker | linkage runs | last linkage (s) | flagged | campaigns |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
}
