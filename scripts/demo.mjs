#!/usr/bin/env node
// The main job end to end on embedded defaults: simulate a traffic log, analyse it,
// score the verdicts against the ground truth, and say where the report is.
// Usage: npm run demo [-- --scale X --seed N --prompts DIR --out DIR]
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "0.1" },
    seed: { type: "string", default: "1" },
    prompts: { type: "string" },
    out: { type: "string", default: "out/demo" },
  },
});
const bin = resolve(import.meta.dirname, "../bin/distillguard.js");
const scenario = resolve(values.out, "scenario");
const verdicts = resolve(values.out, "verdicts");

function run(args) {
  console.error(`\n$ distillguard ${args.join(" ")}`);
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
run(["analyze", scenario, "--out", verdicts]);
run(["eval", scenario, "--pred", verdicts]);
console.error(`\nreport: ${resolve(verdicts, "report.html")}`);
