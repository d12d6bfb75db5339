// The harvest classifier's leave-one-source-out table (src/signals/harvest-train.ts),
// shared by scripts/train-harvest.ts and scripts/eval.ts.
import type { LoadedSource } from "distillguard/datasets";
import { leaveOneSourceOut } from "distillguard/signals/harvest-train";

export function losoSection(
  sources: readonly LoadedSource[],
  log: (message: string) => void = () => undefined,
): string {
  const f4 = (x: number | undefined): string =>
    x !== undefined && Number.isFinite(x) ? x.toFixed(4) : "n/a";
  const t0 = performance.now();
  const rows = leaveOneSourceOut(sources, {
    onSource: (name: string, i: number, n: number) => {
      const el = (performance.now() - t0) / 1000;
      log(
        `loso: ${i + 1}/${n} ${name} (${Math.round(el)} s, ETA ${i === 0 ? "?" : `${Math.round((el / i) * (n - i))} s`})`,
      );
    },
  });
  const harvest = rows.filter((r) => r.label === "harvest");
  const organic = rows.filter((r) => r.label === "organic");
  const trained = harvest.filter((r) => r.trained);
  const worst = trained.reduce<(typeof trained)[number] | undefined>(
    (a, b) => (a && a.auc <= b.auc ? a : b),
    undefined,
  );
  const leakiest = organic.reduce<(typeof organic)[number] | undefined>(
    (a, b) => (a && a.atCut >= b.atCut ? a : b),
    undefined,
  );
  const meanAuc = trained.reduce((t, r) => t + r.auc, 0) / Math.max(1, trained.length);
  let out = `Protocol (src/signals/harvest-train.ts): each source is left out of training whole and scored;
the others train on their 80% parts. A harvest source is scored against the 20% parts of the
organic sources, an organic one against those of the harvest sources; the cut is at 1% false
positives on the other organic sources' parts. Casual phrasing is added to both classes in
training alike. The classifier reads one prompt; it is one feature of an account, not a verdict.

| held-out source | harvest-style prompts | texts | AUC | recall at 1% FPR |
|---|---|---|---|---|
`;
  for (const r of harvest)
    out += `| ${r.source}${r.trained ? "" : " (never trained on)"} | ${r.what} | ${r.texts} | ${f4(r.auc)} | ${f4(r.atCut)} |\n`;
  out += `\n| held-out source | organic turns | texts | AUC | false-positive rate at the 1% cut |\n|---|---|---|---|---|\n`;
  for (const r of organic)
    out += `| ${r.source} | ${r.what} | ${r.texts} | ${f4(r.auc)} | ${f4(r.atCut)} |\n`;
  out += `\nMean AUC over held-out harvest sources ${f4(meanAuc)}; worst ${worst?.source} (AUC ${f4(worst?.auc)}, recall ${f4(worst?.atCut)}); worst organic source's false-positive rate at the cut ${f4(Math.max(...organic.map((r) => r.atCut)))} (${leakiest?.source}).\n`;
  return out;
}
