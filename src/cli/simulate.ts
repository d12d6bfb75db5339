// distillguard simulate: realistic traffic with ground truth.
import { existsSync, statSync } from "node:fs";
import {
  ADAPTIVE_DOC,
  ADAPTIVE_LEVELS,
  type AdaptiveLevel,
  FAMILIES,
  simulate,
  TACTICS,
} from "../simulate/index.js";
import { defineCommand, integer, number, stringOption } from "./_args.js";
import { CLIError, ensureWritableFolder } from "./_errors.js";
import { formatCount, formatDuration, progress } from "./_progress.js";

export const SIMULATE_USAGE = `usage: distillguard simulate --out DIR [--seed N] [--scale X] [--days D] [--prompts PATH] [--family F=IMPL,...] [--adaptive LEVEL] [--gzip] [--quiet]

Writes a simulated traffic log in the contract's format (exchanges.jsonl, accounts.jsonl,
events.jsonl) and its ground truth (labels.jsonl, exchange_labels.jsonl), plus
simulation.json with the counts and the tactic parameters drawn for the seed.

  --out DIR       output folder (created)
  --seed N        integer seed; the same seed gives byte-identical files (default 1)
  --scale X       1 is about 1,000,000 exchanges from about 10,700 accounts (default 1)
  --days D        length of the window in days (default 14)
  --prompts PATH  draw prompts from the real datasets under PATH (e.g. ../shared/datasets);
                  without it, built-in text generators are used
  --family F=IMPL force a tactic family's implementation (comma-separated; the others are
                  drawn from the seed, each on with probability 1/2):
${Object.entries(FAMILIES)
  .map(([f, impls]) => `                    ${f}: ${impls.join(" | ")}`)
  .join("\n")}
  --adaptive L    the campaigns as a red team who has read this code would run them, level
                  0-6 (each adds to the one below; explicit --family choices win; the
                  attacker's costs are in simulation.json's "attacker"):
${ADAPTIVE_DOC.map((d) => `                    ${d}`).join("\n")}
  --gzip          write .jsonl.gz files
  --quiet         no progress on stderr

Benign populations: consumers, developers (coding agents), enterprise (hundreds of
accounts behind a few egress IPs, one card), university (education accounts signing up
together, campus NAT, "step by step" homework before deadlines), eval_lab (benchmark
sweeps, LLM-as-judge grading), batch (one template, tens of thousands a day),
reseller_customers (a proxy reseller's real customers).

Campaigns and the ranges their tactics are drawn from for each seed:
${TACTICS.map((t) => `  ${`${t.campaign}.${t.name}`.padEnd(32)} ${String(t.min).padStart(5)} .. ${String(t.max).padEnd(6)} ${t.doc}`).join("\n")}`;

export const runSimulate = defineCommand({
  usage: SIMULATE_USAGE,
  options: {
    out: { type: "string" },
    seed: integer(0, Number.MAX_SAFE_INTEGER, "a non-negative integer"),
    scale: number((n) => n > 0 && n <= 1000, "a number in (0, 1000]"),
    days: integer(1, 366),
    prompts: { type: "string" },
    family: { type: "string" },
    adaptive: number(
      (n) => (ADAPTIVE_LEVELS as readonly number[]).includes(n),
      `a level from ${ADAPTIVE_LEVELS[0]} to ${ADAPTIVE_LEVELS.at(-1)}`,
    ),
    gzip: { type: "boolean" },
    quiet: { type: "boolean" },
  },
  async run({ values }, io) {
    const out = stringOption(values.out);
    if (!out) throw new CLIError(`--out DIR is required\n${SIMULATE_USAGE}`, "E_USAGE");
    const { seed, scale, days } = values;
    const prompts = stringOption(values.prompts);
    if (prompts !== undefined && !(existsSync(prompts) && statSync(prompts).isDirectory()))
      throw new CLIError(`--prompts: no such directory: ${prompts}`, "E_INPUT_MISSING");
    if (existsSync(out) && !statSync(out).isDirectory())
      throw new CLIError(`--out: ${out} is a file`, "E_OUTPUT");
    const variants: Record<string, string> = {};
    for (const item of (stringOption(values.family) ?? "").split(",").filter((x) => x.trim() !== "")) {
      const [f, impl] = item.split("=").map((x) => x.trim());
      const options: readonly string[] | undefined = FAMILIES[f as keyof typeof FAMILIES];
      if (!f || !impl || !options?.includes(impl))
        throw new CLIError(
          `--family: ${JSON.stringify(item)} is not FAMILY=IMPL (families: ${Object.entries(FAMILIES)
            .map(([k, v]) => `${k}=${v.join("|")}`)
            .join(", ")})`,
          "E_BAD_OPTION",
        );
      variants[f] = impl;
    }
    const adaptive = values.adaptive as AdaptiveLevel | undefined;
    // options are checked before anything is created
    ensureWritableFolder(out, "--out");
    const quiet = values.quiet === true;
    const bar = progress({ label: "simulate", unit: "exchanges", quiet, stream: io.stderr });
    const summary = await simulate({
      out,
      ...(seed === undefined ? {} : { seed }),
      ...(scale === undefined ? {} : { scale }),
      ...(days === undefined ? {} : { days }),
      ...(prompts === undefined ? {} : { prompts }),
      variants,
      ...(adaptive === undefined ? {} : { adaptive }),
      gzip: values.gzip === true,
      onProgress: (p) => bar.update(p.hoursDone, p.hoursTotal, p.exchanges),
      log: (m) => {
        if (!quiet) io.stderr.write(`${m}\n`);
      },
    });
    const rate = summary.exchanges / Math.max(0.001, summary.elapsedMs / 1000);
    bar.finish(
      `simulate: ${formatCount(summary.exchanges)} exchanges from ${summary.accounts} accounts in ${formatDuration(summary.elapsedMs)} (${formatCount(rate)}/s, ${summary.text} text) → ${out}`,
    );
    return 0;
  },
});
