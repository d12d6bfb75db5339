// Dashboard page times (called by bench.ts --only dashboard): a store from
// `simulate --scale S` + `analyze --db`, the dashboard in this process, and each page
// fetched 5 times with a signed-in session; median and slowest, server time included.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryStore } from "distillguard/store";
import { startDashboard } from "distillguard/ui";

export async function benchDashboard(
  root: string,
  scale: number,
  keptStore: string | undefined,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "dg-bench-ui-"));
  const bin = join(root, "bin/distillguard.js");
  // V8's default heap limit (about 4 GiB here) is too tight for analyses above scale 8
  const run = (args: readonly string[]): void => {
    const r = spawnSync(process.execPath, ["--max-old-space-size=8192", bin, ...args], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error(`distillguard ${args[0]} failed`);
  };
  const db = keptStore ?? join(dir, "run.duckdb");
  const built = !(keptStore && existsSync(keptStore));
  if (built) {
    run(["simulate", "--out", join(dir, "s"), "--seed", "1", "--scale", String(scale)]);
    run(["analyze", join(dir, "s"), "--out", join(dir, "a"), "--db", db]);
    rmSync(join(dir, "s"), { recursive: true, force: true });
  }
  const facts = {
    n: (await queryStore(db, "select (select count(*) from exchanges) e, (select count(*) from accounts) a"))
      .rows,
    c: (await queryStore(db, "select campaign_id, accounts from campaigns order by accounts desc limit 1"))
      .rows,
    acct: (
      await queryStore(db, "select account_id from accounts where flagged order by exchanges desc limit 1")
    ).rows,
  };
  const dash = await startDashboard({ db });
  const login = await fetch(dash.loginUrl, { redirect: "manual" });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const campaign = String(facts.c[0]?.campaign_id ?? "");
  const account = String(facts.acct[0]?.account_id ?? "");
  const pages = [
    ["overview", "/"],
    [`campaign ${campaign} (${String(facts.c[0]?.accounts)} accounts)`, `/campaigns/${campaign}`],
    ["its linkage graph (JSON)", `/campaigns/${campaign}/graph.json`],
    ["account table, by risk", "/accounts"],
    ["account table, by exchanges, page 20", "/accounts?sort=exchanges&page=20"],
    ["account table, search", "/accounts?q=ab&flagged=1"],
    ["an account", `/accounts/${account}`],
  ];
  const rows: string[] = [];
  for (const [name, path] of pages) {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await fetch(`${dash.url}${path}`, { headers: { cookie } });
      const body = await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      ms.push(performance.now() - t);
      bytes = body.byteLength;
    }
    ms.sort((a, b) => a - b);
    const median = ms[2] ?? Number.NaN;
    const slowest = ms[4] ?? Number.NaN;
    rows.push(
      `| ${name} | ${median.toFixed(0)} | ${slowest.toFixed(0)} | ${(bytes / 1024).toFixed(0)} KiB |`,
    );
    console.error(`dashboard bench ${name}: median ${median.toFixed(0)} ms`);
  }
  await dash.close();
  const size = statSync(db).size;
  rmSync(dir, { recursive: true, force: true });
  return `## Dashboard pages

\`npm run bench -- --only dashboard [--scale S] [--dashboard-store FILE]\`: \`simulate --seed 1 --scale ${scale}\`, \`analyze --db\` (a store of
${Number(facts.n[0]?.e).toLocaleString("en-US")} exchanges and ${Number(facts.n[0]?.a).toLocaleString("en-US")} accounts, ${(size / 2 ** 20).toFixed(0)} MiB), then \`distillguard serve\`'s pages fetched 5 times
each by a signed-in client on this machine (time to the whole body; each page opens the store read-only once).

| page | median (ms) | slowest (ms) | size |
|---|---|---|---|
${rows.join("\n")}

Issue 8's target: pages render in under a second on a store holding a report-scale analysis (16 M
exchanges). ${Number(facts.n[0]?.e) >= 16e6 ? "This run is at report scale." : "This run is below report scale."}
`;
}
