// The main job end to end on embedded defaults: simulate a traffic log, analyse it into a
// store, score the verdicts against the ground truth, say where the report is, and open the
// analyst dashboard on the store (its one-time login link is the last line; Ctrl-C stops it).
// Usage: npm run demo [-- --scale X --seed N --prompts DIR --out DIR --no-dashboard]
// (compiled to dist/scripts/demo.js by `npm run build`, which `npm install` runs)
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "0.1" },
    seed: { type: "string", default: "1" },
    prompts: { type: "string" },
    out: { type: "string", default: "out/demo" },
    "no-dashboard": { type: "boolean" },
  },
});
// dist/scripts/demo.js: the repository is two folders up
const bin = resolve(import.meta.dirname, "../../bin/distillguard.js");
const scenario = resolve(values.out, "scenario");
const verdicts = resolve(values.out, "verdicts");

function run(args: readonly string[]): void {
  console.error(`\n$ npx distillguard ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run([
  "simulate",
  "--out",
  scenario,
  "--scale",
  values.scale,
  "--seed",
  values.seed,
  ...(values.prompts ? ["--prompts", values.prompts] : []),
]);
const db = resolve(values.out, "demo.duckdb");
rmSync(db, { force: true });
run(["analyze", scenario, "--out", verdicts, "--db", db]);
run(["eval", scenario, "--pred", verdicts]);
console.error(`\nreport: ${resolve(verdicts, "report.html")}`);
if (!values["no-dashboard"]) {
  console.error(`\n$ npx distillguard serve --db ${db}   (Ctrl-C stops it)`);
  const child = spawn(process.execPath, [bin, "serve", "--db", db, "--port", "0"], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const stop = (): void => {
    child.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  child.on("exit", (code) => process.exit(code ?? 0));
}
