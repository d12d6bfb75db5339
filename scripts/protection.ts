// The output-protection experiment in full (npm run protection): students of order 2, 3
// and 4, five fractions, three ways of sampling, four token budgets, 1,000 random keys
// for the null and 200 wrong keys; and the watermark's quality cost on the real answers.
// Writes the measured section of docs/protection.md (the hand-written part above the
// marker is kept) and the raw rows to docs/protection-results.json.
//
//   npm run protection [-- --datasets ../shared/datasets]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type ExperimentResult, runExperiment } from "distillguard/protection";

type Row = ExperimentResult["rows"][number];

// dist/scripts/protection.js: the repository is two folders up
const root = resolve(import.meta.dirname, "../..");
const { values } = parseArgs({ options: { datasets: { type: "string" } } });
const datasets = resolve(values.datasets ?? join(root, "../shared/datasets"));
if (!existsSync(datasets)) {
  console.error(`protection: ${datasets} not found; the experiment needs the shared datasets (skipped)`);
  process.exit(0);
}

const t0 = performance.now();
const result = runExperiment({
  datasets,
  orders: [2, 3, 4],
  budgets: [5_000, 10_000, 25_000, 50_000],
  randomKeys: 1000,
  wrongKeys: 200,
  onProgress: (m) => console.error(`protection: ${m}`),
});
const minutes = (performance.now() - t0) / 60_000;

// the quick run, timed as `distillguard protect-experiment --quick` runs it
const q0 = performance.now();
const quick = runExperiment({
  datasets,
  orders: [3],
  budgets: [50_000],
  modes: ["cohort"],
  randomKeys: 300,
  wrongKeys: 200,
});
const quickSeconds = (performance.now() - q0) / 1000;

const e = (p: number): string => (p < 1e-300 ? "< 1e-300" : p.toExponential(1));
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const q = result.quality;
const rowsFor = (mode: Row["mode"], order: number): Row[] =>
  result.rows.filter((r) => r.mode === mode && r.order === order);
const fractions = [...new Set(result.rows.map((r) => r.fraction))];
const table = (mode: Row["mode"], order: number): string => {
  const rows = rowsFor(mode, order);
  const bs = [...new Set(rows.map((r) => Math.round(r.sampled_tokens / 1000) * 1000))].sort((a, b) => a - b);
  const head = `| fraction marked | ${bs.map((b) => `${b / 1000}k tokens: p (z)`).join(" | ")} | occurrences at ${(bs.at(-1) ?? 0) / 1000}k | FPR at α = ${rows[0]?.alpha} (200 wrong keys) |`;
  const sep = `|${"---|".repeat(bs.length + 3)}`;
  const body = fractions
    .map((f) => {
      const rs = rows.filter((r) => r.fraction === f).sort((a, b) => a.sampled_tokens - b.sampled_tokens);
      const last = rs.at(-1);
      return `| ${pct(f)} | ${rs.map((r) => `${e(r.p_value)} (${r.z.toFixed(1)})`).join(" | ")} | ${last?.occurrences} in ${last?.contexts} contexts | ${rs.map((r) => r.false_positive_rate.toFixed(3)).join(", ")} |`;
    })
    .join("\n");
  return `${head}\n${sep}\n${body}`;
};
const fprs = result.rows.map((r) => r.false_positive_rate);
const meanFpr = fprs.reduce((a, b) => a + b, 0) / fprs.length;

const section = `<!-- measured: everything below is written by scripts/protection.ts -->
## Measured

_Measured ${new Date().toISOString().slice(0, 10)} by \`npm run protection\` (scripts/protection.ts) on ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}: ${minutes.toFixed(1)} min for everything below; \`protect-experiment --quick\` took ${quickSeconds.toFixed(0)} s._

**Teacher**: ${result.teacher.answers} real model answers from ../shared/datasets (ShareGPT assistant turns,
Alpaca GPT-4 and text-davinci-003 answers, GPTeacher roleplay, code and tool-use answers); ${result.teacher.pool}
in the pool students train on (${result.teacher.tokens} tokens), ${result.teacher.reference} held out as the provider's unmarked reference.

**Quality cost** of the watermark on all ${q.answers} answers (${q.words} words of prose): ${q.candidates_per_100_words.toFixed(2)}
synonym-group words per 100 words; **${pct(q.words_changed_share)} of words changed** (${pct(q.tokens_changed_share)} of
whitespace-separated tokens); ${q.answers_with_code} answers hold fenced code, and in **${q.code_blocks_altered}** of them a code block differs
after marking (byte comparison).

**Detection.** p-values of the true key (from the normal fitted to 1,000 random keys' z on the same
samples; z standardised by that fit), by fraction of the pool marked and sampled-token budget. The
false-positive rate is the share of 200 wrong keys (never used) with p < α = 0.01, at each budget;
over all ${result.rows.length} measured cells it averages ${meanFpr.toFixed(4)} (nominal 0.01).

### Probes from the cohort's answers (order 3): the main setting

${table("cohort", 3)}

### Probes from held-out answers (order 3)

${table("held_out", 3)}

### Free sampling (order 3)

${table("free", 3)}

### Student order 2 and 4, probes from the cohort's answers

Order 2:

${table("cohort", 2)}

Order 4:

${table("cohort", 4)}

### The quick run (\`distillguard protect-experiment --quick\`)

${quick.rows.map((r) => `    ${JSON.stringify({ fraction: r.fraction, sampled_tokens: r.sampled_tokens, p_value: r.p_value, false_positive_rate: r.false_positive_rate, alpha: r.alpha })}`).join("\n")}
`;

const path = join(root, "docs/protection.md");
const previous = existsSync(path) ? readFileSync(path, "utf8") : "# Output protection\n";
const marker = previous.indexOf("<!-- measured:");
writeFileSync(path, `${marker >= 0 ? previous.slice(0, marker) : `${previous.trimEnd()}\n\n`}${section}`);
writeFileSync(
  join(root, "docs/protection-results.json"),
  `${JSON.stringify({ ...result, quick: quick.rows }, null, 2)}\n`,
);
console.error(`protection: wrote ${path} (${minutes.toFixed(1)} min)`);
