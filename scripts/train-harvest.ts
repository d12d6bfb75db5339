// Rebuilds the harvest classifier (models/harvest.bin) from ../shared/datasets and writes
// its leave-one-source-out table (docs/harvest-classifier.md, included in docs/quality.md).
// Usage: npm run train-harvest [-- --datasets DIR] [--no-loso] [--out FILE]
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadPromptSources } from "distillguard/datasets";
import { HarvestModel, harvestFeatures } from "distillguard/signals";
import { auc, cutAt, fitHarvest, isTestPart } from "distillguard/signals/harvest-train";
import { losoSection } from "./_loso.js";

// dist/scripts/train-harvest.js: the repository is two folders up
const root = resolve(import.meta.dirname, "../..");
const { values } = parseArgs({
  options: {
    datasets: { type: "string" },
    "no-loso": { type: "boolean" },
    out: { type: "string" },
    table: { type: "string" },
  },
});
const dir = values.datasets ?? resolve(root, "../shared/datasets");
if (!existsSync(dir)) {
  console.error(`train-harvest: ${dir} not found; the shipped model stays as it is`);
  process.exit(0);
}
const sources = loadPromptSources(dir, (m) => console.error(m));
const t0 = performance.now();
const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : "n/a");

const table = values["no-loso"] ? "" : losoSection(sources, (m) => console.error(m));
// the shipped model: every trainable source whole; checked on the 20% parts after quantisation
const model = fitHarvest(sources);
const bytes = model.encode();
const back = HarvestModel.decode(bytes);
const test = (label: "harvest" | "organic"): number[] =>
  sources
    .filter((s) => s.source.label === label && s.source.train)
    .flatMap((s) => s.texts.filter(isTestPart))
    .map((t) => back.logitOf(harvestFeatures(t)));
const pos = test("harvest");
const neg = test("organic");
const cut = cutAt(neg, 0.01);
const inDist = `The shipped model (every trainable source whole, ${bytes.length} bytes, weights in signed bytes), on the 20% parts it was also trained on (a fit figure, not a generalisation one): AUC ${f4(auc(pos, neg))}, recall ${f4(pos.filter((v) => v > cut).length / pos.length)} at 1% false positives.\n`;
const out = values.out ?? join(root, "models/harvest.bin");
writeFileSync(out, bytes);
console.error(
  `train-harvest: wrote ${out} (${bytes.length} bytes) in ${Math.round((performance.now() - t0) / 1000)} s`,
);
const doc = `# The harvest classifier, leave-one-source-out

Written by \`npm run train-harvest\` (scripts/train-harvest.ts) from \`../shared/datasets\`.

${table}
${inDist}`;
writeFileSync(values.table ?? join(root, "docs/harvest-classifier.md"), doc);
console.log(doc);
