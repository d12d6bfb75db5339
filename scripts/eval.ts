// Detection quality: simulate → analyze → eval at several seeds with real prompts (the
// shipped account model, fitted on other seeds), leave-one-family-out over a designed
// family of worlds (models fitted without the family, measured on worlds with it), an
// ablation (each signal family removed in turn), the harvest classifier's
// leave-one-source-out table and the cue classifiers on the real prompt sets.
// Writes docs/quality.md.
// Usage: npm run eval [-- --scale 0.3 --seeds 1,2,3 --prompts ../shared/datasets --no-ablation
//                        --lofo-worlds 12 --lofo-scale 0.2 --lofo-families F,G --no-lofo --no-loso
//                        --ladder-seeds 1,2 --ladder-scale 0.2 --no-ladder]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { normaliseExchange } from "distillguard/contract";
import { loadPromptSources, json as readJson, jsonl as readJsonl } from "distillguard/datasets";
import { type EvalResult, evaluate } from "distillguard/eval";
import { analyze } from "distillguard/pipeline";
import { capabilityList, classifyCapabilities } from "distillguard/signals";
import { type Family, simulate } from "distillguard/simulate";
import { type DetectorOptions, FEATURES, fitAccountModel } from "distillguard/verdicts";
import { ladder } from "./_ladder.js";
import { losoSection } from "./_loso.js";
import * as W from "./_worlds.js";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "0.3" },
    seeds: { type: "string", default: "1,2,3" },
    prompts: { type: "string" },
    out: { type: "string", default: "out/eval" },
    "no-ablation": { type: "boolean" },
    "further-seeds": { type: "string", default: "4,5,6,7,8" },
    "lofo-worlds": { type: "string", default: "12" },
    // investigation only: leave out these families alone (docs/quality.md wants them all)
    "lofo-families": { type: "string" },
    "lofo-scale": { type: "string", default: "0.2" },
    "no-lofo": { type: "boolean" },
    "no-loso": { type: "boolean" },
    "ladder-seeds": { type: "string", default: "1,2" },
    "ladder-scale": { type: "string", default: "0.2" },
    "no-ladder": { type: "boolean" },
  },
});
// dist/scripts/eval.js: the repository is two folders up
const root = resolve(import.meta.dirname, "../..");

const scale = Number(values.scale);
const seeds = values.seeds.split(",").map(Number);
const datasets = values.prompts ?? resolve(root, "../shared/datasets");
const havePrompts = existsSync(datasets);
if (!havePrompts)
  console.error(
    `eval: ${datasets} not found; simulating with built-in text (the targets are defined with real prompts)`,
  );
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const log = (m: string): void => console.error(m);

// the ablation: each family of own-evidence features (src/verdicts/features.ts), and the links
const featureFamilies: Record<string, string[]> = {};
for (const f of FEATURES) featureFamilies[f.family] = [...(featureFamilies[f.family] ?? []), f.name];
const FAMILIES: Record<string, { readonly signals?: readonly string[]; readonly kinds?: readonly string[] }> =
  {
    ...Object.fromEntries(Object.entries(featureFamilies).map(([fam, signals]) => [fam, { signals }])),
    // the population-level signs of issue 18, each on its own
    "known item sets (exclusive_items)": { signals: ["exclusive_items"] },
    "items pasted as follow-ups (items_in_conversations)": { signals: ["items_in_conversations"] },
    "answers sent in pairs (answer_pairs)": { signals: ["answer_pairs"] },
    "fleet timing by content (fleet_pivot_by_content)": { signals: ["fleet_pivot_by_content"] },
    "shared templates (content links)": { kinds: ["scaffold", "near_scaffold"] },
    "shared infrastructure (links)": {
      kinds: [
        "payment_fingerprint",
        "signup_ip",
        "ip",
        "residential_ip",
        "user_agent",
        "email_domain",
        "org",
      ],
    },
  };

async function scenario(seed: number): Promise<string> {
  const dir = join(out, `seed-${seed}-scale-${scale}${havePrompts ? "-prompts" : ""}`);
  const marker = join(dir, "simulation.json");
  if (!existsSync(marker)) {
    log(`eval: simulating seed ${seed} at scale ${scale}`);
    await simulate({ out: dir, seed, scale, ...(havePrompts ? { prompts: datasets } : {}), log });
  }
  return dir;
}

type Run = EvalResult & { readonly seconds: number; readonly exchanges: number };

async function run(dir: string, name: string, detector: DetectorOptions = {}): Promise<Run> {
  const pred = join(dir, `pred-${name}`);
  const t0 = performance.now();
  const summary = await analyze({
    inputs: {
      exchanges: join(dir, "exchanges.jsonl"),
      accounts: join(dir, "accounts.jsonl"),
      events: join(dir, "events.jsonl"),
    },
    out: pred,
    detector,
    report: name === "full",
  });
  const seconds = (performance.now() - t0) / 1000;
  const r = await evaluate(dir, pred, () => undefined);
  return { ...r, seconds, exchanges: summary.exchanges };
}

type Target = readonly [string, (r: EvalResult) => number, ">=" | "<=", number];
const TARGETS: readonly Target[] = [
  ["account precision", (r) => r.precision, ">=", 0.99],
  ["account recall", (r) => r.recall, ">=", 0.95],
  [
    "lowest campaign recall",
    (r) => Math.min(...Object.values(r.recallByCampaign).map((c) => c.recall)),
    ">=",
    0.9,
  ],
  [
    "max benign false-positive rate",
    (r) => Math.max(...Object.values(r.fprByPopulation).map((p) => p.fpr)),
    "<=",
    0.002,
  ],
  ["exchange-weighted recall", (r) => r.exchangeRecall, ">=", 0.99],
  ["prevented share", (r) => r.preventedShare, ">=", 0.85],
  ["adjusted Rand index", (r) => r.ari, ">=", 0.9],
];
const ok = (v: number, op: ">=" | "<=", t: number): boolean => (op === ">=" ? v >= t : v <= t);
const f4 = (x: number): string => x.toFixed(4);

const results: { seed: number; dir: string; full: Run; ablation: Record<string, Run> }[] = [];
for (const seed of seeds) {
  const dir = await scenario(seed);
  log(`eval: analysing seed ${seed}`);
  const full = await run(dir, "full");
  const ablation: Record<string, Run> = {};
  if (!values["no-ablation"])
    for (const [family, spec] of Object.entries(FAMILIES)) {
      log(`eval: seed ${seed} without ${family}`);
      ablation[family] = await run(dir, `without-${family.replace(/[^a-z]+/g, "-")}`, {
        disabledSignals: new Set(spec.signals ?? []),
        disabledKinds: new Set(spec.kinds ?? []),
      });
    }
  results.push({ seed, dir, full, ablation });
}

// --- further seeds: the same figures without the ablation, to see how far they hold
const further: { seed: number; r: Run }[] = [];
for (const seed of values["further-seeds"].split(",").filter(Boolean).map(Number)) {
  const dir = await scenario(seed);
  log(`eval: analysing further seed ${seed}`);
  further.push({ seed, r: await run(dir, "full") });
}

// --- the red team's ladder (issue 18)
let ladderSection = "";
if (!values["no-ladder"]) {
  const l = await ladder({
    root,
    seeds: values["ladder-seeds"].split(",").filter(Boolean).map(Number),
    scale: Number(values["ladder-scale"]),
    prompts: havePrompts ? datasets : undefined,
    log,
  });
  ladderSection = l.section;
}

// --- leave-one-family-out: for each tactic family, an account model fitted on the worlds
// without it, measured on the worlds with it
let lofo = "";
if (!values["no-lofo"]) {
  const lofoScale = Number(values["lofo-scale"]);
  const worlds: W.World[] = [];
  const rows = new Map<number, W.WorldRow[]>();
  const nWorlds = Number(values["lofo-worlds"]);
  for (let i = 0; i < nWorlds; i++) {
    // the designed worlds are shared with npm run fit-detector (same seeds, same folder)
    const w = await W.world({
      out: resolve(root, "out/worlds"),
      seed: 101 + i,
      scale: lofoScale,
      prompts: havePrompts ? datasets : undefined,
      variants: W.designVariants(i),
      log,
    });
    worlds.push(w);
    rows.set(w.seed, await W.featureRows(w));
    log(`eval: lofo world ${i + 1}/${nWorlds} ready`);
  }
  const lines: string[] = [];
  let worst: (W.Pooled & { family: Family }) | undefined;
  let maxFprAll = 0;
  const only = values["lofo-families"]?.split(",").filter(Boolean);
  for (const f of W.FAMILY_NAMES.filter((n) => !only || only.includes(n))) {
    const train = worlds.filter((w) => !W.familyOn(w.variants, f));
    const test = worlds.filter((w) => W.familyOn(w.variants, f));
    if (train.length === 0 || test.length === 0) continue;
    // fitted in rounds as npm run fit-detector does, starting from the rows read with the
    // shipped model (whose ranks saw every family) and then with the model without F
    const model = await W.fitInRounds(
      train,
      (r) => fitAccountModel(r, { note: { lofo: f, worlds: train.map((w) => w.seed) } }),
      2,
      log,
    );
    const results: EvalResult[] = [];
    for (const w of test) {
      log(`eval: lofo ${f}: world ${w.seed}`);
      results.push(await W.analyseAndScore(w, `lofo-${f}`, model ? { model } : {}));
    }
    const p = W.pool(results);
    const weakest = Object.entries(p.byCampaign).sort((a, b) => a[1].recall - b[1].recall)[0];
    const noisiest = Object.entries(p.byPopulation).sort((a, b) => b[1].fpr - a[1].fpr)[0];
    lines.push(
      `| ${f} (${W.FAMILIES[f][1]}) | ${train.length} | ${test.length} | ${f4(p.precision)} | ${f4(p.recall)} | ${weakest ? `${f4(weakest[1].recall)} ${weakest[0]}` : "-"} | ${noisiest ? `${f4(noisiest[1].fpr)} ${noisiest[0]} (${noisiest[1].fp}/${noisiest[1].n})` : "-"} | ${f4(p.preventedShare)} | ${f4(p.ari)} |`,
    );
    if (!worst || p.minCampaignRecall < worst.minCampaignRecall) worst = { family: f, ...p };
    maxFprAll = Math.max(maxFprAll, p.maxFpr);
  }
  const holds = worst && worst.minCampaignRecall >= 0.9 && worst.recall >= 0.9 && maxFprAll <= 0.002;
  lofo = `## Leave one family out

The simulator is a family of worlds (\`simulate --family\`, src/simulate/_families.ts): each
tactic family has a plain implementation and another, and ${nWorlds} worlds at scale ${lofoScale}
(seeds 101-${100 + nWorlds}, ${havePrompts ? "real prompts" : "built-in text"}) follow a Plackett-Burman design, so each family
is on in half of them. For each family F the account model is fitted (src/verdicts/fit.ts) on
the worlds without F only, with its cut at 0.1% false positives in every benign population of
those worlds, and measured on the worlds with F (their verdicts pooled). The fit runs in two
rounds as \`npm run fit-detector\` does (rows read with the shipped model, a fit, rows read again
with that fit, the final fit: ranks in the population depend on the model), so the final model's
rows were read by a model that never saw F; its reference population is that of the worlds without
F. The harvest classifier is the shipped one throughout (its own generalisation is the
leave-one-source-out table below).

| family left out (implementation) | fitted on worlds | measured on worlds | precision | recall | lowest campaign recall | highest benign FPR | prevented share | ARI |
|---|---|---|---|---|---|---|---|---|
${lines.join("\n")}

**Worst family: ${worst?.family ?? "n/a"}** (lowest campaign recall ${f4(worst?.minCampaignRecall ?? Number.NaN)}, recall ${f4(worst?.recall ?? Number.NaN)}, highest benign FPR ${f4(worst?.maxFpr ?? Number.NaN)}; over every family ${f4(maxFprAll)}). Target: worst-family recall ≥ 0.9 at benign FPR ≤ 0.2% in every family: ${holds ? "met" : "not met"}.
`;
}

// --- the harvest classifier, leave-one-source-out
let loso = "";
if (!values["no-loso"] && havePrompts) {
  const sources = loadPromptSources(datasets, log);
  loso = `## The harvest classifier, leave one source out

${losoSection(sources, log)}`;
}

// --- per-exchange classifiers on the real prompt sets
function exchange(prompt: string, system?: string): ReturnType<typeof normaliseExchange> {
  return normaliseExchange(
    {
      id: "x",
      ts: "2026-01-01T00:00:00Z",
      account_id: "a",
      request: {
        model: "m",
        max_tokens: 1024,
        ...(system ? { system } : {}),
        messages: [{ role: "user", content: prompt }],
      },
    },
    0,
  );
}
function classes(prompt: string, system?: string): Set<string> {
  const ev = classifyCapabilities(exchange(prompt, system));
  const list: string[] = capabilityList(ev.mask);
  if (ev.instructionFormat) list.push("instruction_format");
  return new Set(list);
}

/** Reads the datasets' files in the shapes these sets have (documented in ../shared/datasets). */
const rowsOf = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const field = (v: unknown, k: string): string =>
  v !== null && typeof v === "object" && typeof (v as Record<string, unknown>)[k] === "string"
    ? ((v as Record<string, unknown>)[k] as string)
    : "";

function classifierSection(): string {
  if (!havePrompts) return "Skipped: ../shared/datasets not found.\n";
  const d = (p: string): string => join(datasets, p);
  const users: string[] = [];
  for (const c of rowsOf<{ conversations?: { from: string; value: string }[] }>(
    readJsonl(d("sharegpt-sample/conversations.jsonl")),
  )) {
    const first = c.conversations?.find((t) => t.from === "human");
    if (first?.value) users.push(first.value);
  }
  for (const s of readJsonl(d("oasst-eval-samples/prompt_lottery_en_250_text.jsonl"))) users.push(String(s));
  for (const s of readJsonl(d("oasst-eval-samples/en_100_text.jsonl"))) users.push(String(s));
  for (const r of rowsOf(readJson(d("alpaca-eval/model_outputs.json")))) users.push(field(r, "instruction"));
  const personas: string[] = [];
  const csv = readFileSync(d("awesome-chatgpt-prompts/prompts.csv"), "utf8");
  for (const m of csv.matchAll(/^"?[^",\n]*"?,"((?:[^"]|"")*)"/gm))
    personas.push((m[1] ?? "").replaceAll('""', '"'));
  const harmful: string[] = [];
  for (const r of readJsonl(d("hh-rlhf/harmless-base/test.jsonl.gz"))) {
    const m = /Human: ([^\n]+)/.exec(field(r, "chosen"));
    if (m?.[1]) harmful.push(m[1]);
  }
  const orca = rowsOf<string>(
    (readJson(d("orca-system-prompts/orca_system_prompts.derived.json")) as { system_messages?: unknown })
      .system_messages,
  ).filter((s) => s.trim());
  const sensei = Object.values(
    (readJson(d("orca-system-prompts/system_messages.derived.json")) as { lists: Record<string, string[]> })
      .lists,
  ).flat();
  const math = [
    ...readJsonl(d("gsm8k/test.jsonl")).map((r) => field(r, "question")),
    ...readJsonl(d("math500/test.jsonl")).map((r) => field(r, "problem")),
    ...rowsOf(readJson(d("reasoning-rl-prompts/aime.json"))).map((r) => field(r, "problem")),
  ];
  const code = [
    ...readJsonl(d("humaneval/HumanEval.jsonl.gz")).map((r) => field(r, "prompt")),
    ...rowsOf(readJson(d("codealpaca/code_alpaca_2k.json"))).map((r) => field(r, "instruction")),
    ...rowsOf(readJson(d("gpteacher/codegen-instruct.json"))).map((r) => field(r, "instruction")),
  ];
  const rows: string[] = [];
  const measure = (
    cls: string,
    label: string,
    positives: readonly string[],
    negatives: readonly string[],
    asSystem = false,
  ): void => {
    const hit = (t: string): boolean =>
      classes(asSystem ? "Please answer." : t, asSystem ? t : undefined).has(cls);
    const tp = positives.filter(hit).length;
    const fpUsers = negatives.filter(hit).length;
    const precision = tp + fpUsers === 0 ? 1 : tp / (tp + fpUsers);
    rows.push(
      `| ${cls} | ${label} (${positives.length}) | ${negatives.length} | ${f4(precision)} | ${f4(tp / Math.max(1, positives.length))} | ${f4(fpUsers / negatives.length)} |`,
    );
  };
  measure(
    "cot_elicitation",
    "Orca, Tess and Synthia system messages, as system prompts",
    [...orca, ...sensei],
    personas,
    true,
  );
  measure("reasoning", "GSM8K test, MATH-500, AIME problems", math, users);
  measure("coding", "HumanEval, Code Alpaca, GPTeacher codegen", code, users);
  const fpOnly = (cls: string, negatives: readonly string[], label: string): void => {
    const fp = negatives.filter((t) => classes(t).has(cls)).length;
    rows.push(
      `| ${cls} | no real positives in the datasets | ${negatives.length} ${label} | n/a | n/a | ${f4(fp / negatives.length)} |`,
    );
  };
  for (const cls of ["cot_elicitation", "reward_grading", "censorship_rewrite", "instruction_format"])
    fpOnly(cls, users, "real users' prompts");
  for (const cls of ["censorship_rewrite", "reward_grading", "cot_elicitation"])
    fpOnly(cls, harmful, "HH-RLHF red-team requests");
  return `Each classifier run on text nobody here wrote (\`../shared/datasets\`): positives are prompts of the class
from the named sets, negatives are real users' first prompts (ShareGPT, OpenAssistant, AlpacaEval:
${users.length}), or, for system-prompt elicitation, the community persona prompts (awesome-chatgpt-prompts:
${personas.length}) used as system prompts. Precision is over positives + negatives as listed. Grading,
rewrite and instruction-format classes have no real positive set in the datasets, so only their
false-positive rate on real users is measured; \`tool use\` and \`vision\` are read from the request
structure (tools, tool blocks, image blocks), not from text.

| class | positives (n) | negatives (n) | precision | recall | false-positive rate on negatives |
|---|---|---|---|---|---|
${rows.join("\n")}
`;
}

// --- report
const seedCols = results.map((r) => `seed ${r.seed}`);
const targetRows = TARGETS.map(([name, get, op, t]) => {
  const vals = results.map((r) => get(r.full));
  return `| ${name} | ${op} ${t} | ${vals.map((v) => `${f4(v)} ${ok(v, op, t) ? "✓" : "✗"}`).join(" | ")} |`;
});
const pops = [...new Set(results.flatMap((r) => Object.keys(r.full.fprByPopulation)))].sort();
const fprRows = pops.map(
  (p) =>
    `| ${p} | ${results
      .map((r) => {
        const x = r.full.fprByPopulation[p];
        return x ? `${x.flagged}/${x.accounts} (${(x.fpr * 100).toFixed(2)}%)` : "-";
      })
      .join(" | ")} |`,
);
const camps = [...new Set(results.flatMap((r) => Object.keys(r.full.recallByCampaign)))].sort();
const campRows = camps.map(
  (c) =>
    `| ${c} | ${results
      .map((r) => {
        const x = r.full.recallByCampaign[c];
        return x ? `${f4(x.recall)} (${x.accounts})` : "-";
      })
      .join(" | ")} |`,
);
let ablation = "";
if (!values["no-ablation"]) {
  const mean = (f: (r: (typeof results)[number]) => number): number =>
    results.reduce((s, r) => s + f(r), 0) / results.length;
  const metric = (r: Run): number[] => [
    r.precision,
    r.recall,
    Math.max(...Object.values(r.fprByPopulation).map((p) => p.fpr)),
    r.preventedShare,
    r.ari,
  ];
  const row = (name: string, get: (r: (typeof results)[number]) => Run | undefined): string =>
    `| ${name} | ${[0, 1, 2, 3, 4]
      .map((i) =>
        f4(
          mean((r) => {
            const run = get(r);
            return run ? (metric(run)[i] ?? Number.NaN) : Number.NaN;
          }),
        ),
      )
      .join(" | ")} |`;
  ablation = `## Ablation

Each signal family removed in turn (mean over the seeds above). A family whose removal
costs nothing is redundant here; one whose removal breaks a target carries it.

| removed | precision | recall | max benign FPR | prevented share | ARI |
|---|---|---|---|---|---|
${row("nothing (full detector)", (r) => r.full)}
${Object.keys(FAMILIES)
  .map((f) => row(f, (r) => r.ablation[f]))
  .join("\n")}
`;
}
const all = results.every((r) => TARGETS.every(([, get, op, t]) => ok(get(r.full), op, t)));
const doc = `# Detection quality

Measured by \`npm run eval\` (scripts/eval.ts): \`simulate --scale ${scale} --seed N ${havePrompts ? "--prompts ../shared/datasets" : "(built-in text)"}\`
→ \`analyze\` → \`eval\` for seeds ${seeds.join(", ")}. Machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB.
The detector never reads the ground truth. Its account model (models/account-model.json) was fitted by
\`npm run fit-detector\` on other seeds (101-112, a designed family of worlds); the seeds here draw
their own tactic families (listed below).

**All targets met on every seed: ${all ? "yes" : "no"}.**

| target | required | ${seedCols.join(" | ")} |
|---|---|${seedCols.map(() => "---").join("|")}|
${targetRows.join("\n")}

Recall per campaign (campaign accounts with traffic):

| campaign | ${seedCols.join(" | ")} |
|---|${seedCols.map(() => "---").join("|")}|
${campRows.join("\n")}

False positives per benign population:

| population | ${seedCols.join(" | ")} |
|---|${seedCols.map(() => "---").join("|")}|
${fprRows.join("\n")}

Run sizes: ${results.map((r) => `seed ${r.seed}: ${r.full.exchanges} exchanges, ${r.full.accounts.total} accounts, analysed in ${r.full.seconds.toFixed(0)} s`).join("; ")}.

Tactic families drawn: ${results
  .map(
    (r) =>
      `seed ${r.seed}: ${
        Object.entries(
          (
            JSON.parse(readFileSync(join(r.dir, "simulation.json"), "utf8")) as {
              variants?: Record<string, string>;
            }
          ).variants ?? {},
        )
          .filter(([f, v]) => v !== W.FAMILIES[f as Family]?.[0])
          .map(([f, v]) => `${f}=${v}`)
          .join(", ") || "all plain"
      }`,
  )
  .join("; ")}.

${lofo}
${ladderSection}
${ablation}
${loso}
## Cue classifiers on real prompts

${classifierSection()}
${
  further.length === 0
    ? ""
    : `## Further seeds

The same run for seeds ${further.map((f) => f.seed).join(", ")}, without the ablation, to see how far the figures
hold beyond the seeds above.

| seed | precision | recall | max benign FPR | exchange-weighted recall | prevented share | ARI | all targets |
|---|---|---|---|---|---|---|---|
${further
  .map(
    ({ seed, r }) =>
      `| ${seed} | ${f4(r.precision)} | ${f4(r.recall)} | ${f4(Math.max(...Object.values(r.fprByPopulation).map((p) => p.fpr)))} | ${f4(r.exchangeRecall)} | ${f4(r.preventedShare)} | ${f4(r.ari)} | ${TARGETS.every(([, get, op, t]) => ok(get(r), op, t)) ? "yes" : "no"} |`,
  )
  .join("\n")}
`
}`;
writeFileSync(join(root, "docs/quality.md"), doc);
console.error(`eval: wrote docs/quality.md (all targets met: ${all})`);
