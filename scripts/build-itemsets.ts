// Rebuilds the index of known item sets (models/itemsets.bin) from ../shared/datasets: every
// harvest-labelled source of src/datasets (problem, benchmark, exam and instruction sets) is
// a set, the organic sources are the background whose wording never anchors an item.
// Usage: npm run build-itemsets [-- --datasets DIR] [--out FILE] [--key-env NAME]
// With --key-env, the anchors are hashed under that environment variable's key: keep the
// file private and set DISTILLGUARD_ITEMSETS (its path) and DISTILLGUARD_ITEMSET_KEY when
// analysing. The shipped file is built without a key (anyone can recompute its anchors).
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadPromptSources } from "distillguard/datasets";
import { buildItemIndex } from "distillguard/signals";

// dist/scripts/build-itemsets.js: the repository is two folders up
const root = resolve(import.meta.dirname, "../..");
const { values } = parseArgs({
  options: { datasets: { type: "string" }, out: { type: "string" }, "key-env": { type: "string" } },
});
const dir = values.datasets ?? resolve(root, "../shared/datasets");
if (!existsSync(dir)) {
  console.error(`build-itemsets: ${dir} not found; the shipped index stays as it is`);
  process.exit(0);
}
let key: string | undefined;
if (values["key-env"] !== undefined) {
  key = process.env[values["key-env"]];
  if (!key) {
    console.error(`build-itemsets: environment variable ${values["key-env"]} is empty`);
    process.exit(2);
  }
}
const sources = loadPromptSources(dir, (m) => console.error(m));
const t0 = performance.now();
const sets = sources
  .filter((s) => s.source.label === "harvest")
  .map((s) => ({ name: s.source.name, items: s.texts }));
const background = sources.filter((s) => s.source.label === "organic").flatMap((s) => s.texts);
const { index, skipped } = buildItemIndex(sets, background, key);
const out = values.out ?? join(root, "models/itemsets.bin");
const bytes = index.encode();
writeFileSync(out, bytes);
const per = sets
  .map((s, i) => `${s.name} ${[...index.itemSet].filter((x) => x === i).length}/${s.items.length}`)
  .join(", ");
console.error(
  `build-itemsets: ${index.size} items in ${sets.length} sets (${per}); ${skipped} too short or not distinct to anchor; ${background.length} background texts; ${(bytes.length / 1024).toFixed(0)} KiB → ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// What rewording costs an attacker: the share of indexed items still found when a share of
// their words is replaced at random by words no item uses, the item wrapped in a request of
// someone's own words; once keeping the numbers (a paraphrase that keeps the problem: its
// answer depends on them), once replacing numbers too. Deterministic (a fixed LCG).
let x = 12345;
const rand = (): number => {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  return x / 2 ** 32;
};
const sample: string[] = [];
for (const s of sets) for (const t of s.items.slice(0, 200)) if (index.match(t)) sample.push(t);
const found = (rate: number, numbersToo: boolean): string => {
  let n = 0;
  for (const t of sample) {
    const words = t
      .split(/(\s+)/)
      .map((w) =>
        /\S/.test(w) && (numbersToo || !/\d/.test(w)) && rand() < rate ? `qx${Math.floor(rand() * 1e6)}` : w,
      );
    if (index.match(`ok so can you solve this and explain how you got it: ${words.join("")}`)) n++;
  }
  return ((100 * n) / sample.length).toFixed(1);
};
const rates = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
console.error(
  `build-itemsets: on ${sample.length} indexed items wrapped in a request, % found with a share of words replaced (${rates.map((r) => `${Math.round(r * 100)}%`).join(", ")}): numbers kept ${rates.map((r) => found(r, false)).join(", ")}; numbers replaced too ${rates.map((r) => found(r, true)).join(", ")}`,
);
