// Fits the account model (src/verdicts/fit.ts) on a family of simulated worlds and
// writes models/account-model.json, which the detector reads. The worlds follow a
// balanced design over the tactic families (scripts/_worlds.ts), with seeds kept apart
// from the ones `npm run eval` reports on.
// Usage: npm run fit-detector [-- --worlds 12 --scale 0.2 --prompts ../shared/datasets --work out/worlds --rounds 2]
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { FEATURE_NAMES, fitAccountModel } from "distillguard/verdicts";
import {
  designVariants,
  featureRows,
  fitInRounds,
  root,
  type World,
  type WorldRow,
  world,
} from "./_worlds.js";

const { values } = parseArgs({
  options: {
    worlds: { type: "string", default: "12" },
    scale: { type: "string", default: "0.2" },
    prompts: { type: "string" },
    work: { type: "string", default: "out/worlds" },
    out: { type: "string" },
    rounds: { type: "string", default: "2" },
  },
});
const datasets = values.prompts ?? resolve(root, "../shared/datasets");
const prompts = existsSync(datasets) ? datasets : undefined;
if (!prompts) console.error(`fit-detector: ${datasets} not found; fitting on built-in text`);
const scale = Number(values.scale);
const n = Number(values.worlds);
const t0 = performance.now();
const rows: WorldRow[] = [];
const fitted: number[] = [];
const worlds: World[] = [];
for (let i = 0; i < n; i++) {
  const seed = 101 + i;
  const w = await world({
    out: resolve(values.work),
    seed,
    scale,
    prompts,
    variants: designVariants(i),
    log: (m) => console.error(m),
  });
  worlds.push(w);
  rows.push(...(await featureRows(w)));
  fitted.push(seed);
  const el = (performance.now() - t0) / 1000;
  console.error(
    `fit-detector: world ${i + 1}/${n} (${rows.length} accounts, ${Math.round(el)} s, ETA ${Math.round((el / (i + 1)) * (n - i - 1))} s)`,
  );
}
const rounds = Number(values.rounds);
const model = await fitInRounds(
  worlds,
  (r) =>
    fitAccountModel(r, {
      note: {
        worlds: fitted,
        scale,
        rounds,
        prompts: prompts ? "shared datasets" : "built-in",
        script: "scripts/fit-detector.ts",
      },
    }),
  rounds,
  (m) => console.error(`fit-detector: ${m}`),
);
if (!model) throw new Error("fit-detector: no rounds were fitted (--rounds must be at least 1)");
const out = values.out ?? join(root, "models/account-model.json");
writeFileSync(out, `${JSON.stringify(model, null, 2)}\n`);
console.error(`fit-detector: wrote ${out}`);
for (const name of FEATURE_NAMES) console.log(`${name.padEnd(32)} ${(model.weights[name] ?? 0).toFixed(3)}`);
console.log(`baseline ${model.baseline}`);
