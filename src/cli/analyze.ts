// distillguard analyze: find the campaigns in a traffic log.
import { existsSync, statSync } from "node:fs";
import { formatIssue } from "../contract/index.js";
import { AnalyzeError, analyze } from "../pipeline/index.js";
import { itemIndexProblem } from "../signals/index.js";
import { DEFAULT_UNSUPPORTED_REGIONS, scoreForRisk } from "../verdicts/index.js";
import { defineCommand, integer, number, stringOption } from "./_args.js";
import { CLIError, ensureWritableFolder } from "./_errors.js";
import { resolveLogInputs } from "./_inputs.js";
import { formatCount, formatDuration, progress } from "./_progress.js";

export const ANALYZE_USAGE = `usage: distillguard analyze <dir | exchanges-file... | -> --out DIR [--accounts F] [--events F] [--threshold X] [--db FILE [--append]] [--threads N] [--quiet]

Reads a traffic log and writes the contract's verdicts to --out: accounts.jsonl,
campaigns.json and report.html. A folder means its exchanges.jsonl[.gz] or a gateway's
rotated exchanges-<time>-<n>.jsonl[.gz] files, with accounts.jsonl[.gz] and
events.jsonl[.gz] beside them (ground truth in the same folder is never read). Several
files or folders (or a pattern such as 'logs/exchanges-*.jsonl') are read as one log, in
time order across files.

  --accounts F    account sign-up metadata (default: the folder's accounts.jsonl)
  --events F      events such as model releases (default: the folder's events.jsonl)
  --threshold X   risk at or over which an account is flagged (default 0.5; see docs/detection.md)
  --unsupported-regions CC,CC
                  sign-up countries where access is not offered (ISO 3166-1 alpha-2;
                  default ${DEFAULT_UNSUPPORTED_REGIONS.join(",")})
  --db FILE       also keep the run in a DuckDB store (tables exchanges, accounts, campaigns,
                  campaign_accounts; replaced as a whole when the run completes); ask it
                  questions with 'distillguard query'
  --append        with --db: continue from the store's saved state, adding this log (say, a
                  new day's) to it and judging every account again; a file the store already
                  holds is recognised and not counted twice
  --threads N     worker threads that parse lines and compute per-exchange signals while
                  this thread keeps the profiles (default: the number of cores; 0: none)
  --intel-key-env NAME
                  environment variable with the key partners agreed on for hashed
                  identifiers (default DISTILLGUARD_INTEL_KEY): with it, the hashed account
                  ids, payment fingerprints and e-mail domains among partner indicators
                  imported into --db (distillguard intel import) count as evidence
  --quiet         no progress or bad-line reports on stderr`;

export const runAnalyze = defineCommand({
  usage: ANALYZE_USAGE,
  options: {
    out: { type: "string" },
    accounts: { type: "string" },
    events: { type: "string" },
    threshold: number((n) => n > 0 && n < 1, "a number in (0, 1)"),
    "unsupported-regions": { type: "string" },
    db: { type: "string" },
    append: { type: "boolean" },
    threads: integer(0, 64),
    "intel-key-env": { type: "string" },
    quiet: { type: "boolean" },
  },
  async run({ values, positionals }, io) {
    if (positionals.length === 0)
      throw new CLIError(`expected a log: a folder, exchanges files or - (see --help)`, "E_USAGE");
    const out = stringOption(values.out);
    if (!out) throw new CLIError(`--out DIR is required\n${ANALYZE_USAGE}`, "E_USAGE");
    const { threshold, threads } = values;

    const regionsText = stringOption(values["unsupported-regions"]);
    const regions = regionsText
      ?.split(",")
      .map((r) => r.trim().toUpperCase())
      .filter((r) => r.length > 0);
    if (regions?.some((r) => !/^[A-Z]{2}$/.test(r)))
      throw new CLIError(
        `--unsupported-regions must be ISO 3166-1 alpha-2 codes separated by commas, got "${regionsText}"`,
        "E_BAD_OPTION",
      );
    const { exchanges, accounts, events } = resolveLogInputs(
      positionals,
      stringOption(values.accounts),
      stringOption(values.events),
    );

    // options are checked before anything is created
    ensureWritableFolder(out, "--out");
    const quiet = values.quiet === true;
    // known item sets: a provider's own index that does not open is a mistake to fix, not a
    // signal to lose quietly
    const items = itemIndexProblem();
    if (items !== undefined) {
      if (process.env.DISTILLGUARD_ITEMSETS || process.env.DISTILLGUARD_ITEMSET_KEY)
        throw new CLIError(
          `known item sets: ${items}; check DISTILLGUARD_ITEMSETS and DISTILLGUARD_ITEMSET_KEY (see docs/detection.md)`,
          "E_USAGE",
        );
      if (!quiet) io.stderr.write(`known item sets: off (${items})\n`);
    }
    const bar = progress({ label: "analyze", unit: "exchanges", quiet, stream: io.stderr });
    const t0 = Date.now();
    let shown = 0;
    const db = stringOption(values.db);
    if (db !== undefined && existsSync(db) && statSync(db).isDirectory())
      throw new CLIError(`--db: ${db} is a directory`, "E_OUTPUT");
    const append = values.append === true;
    if (append && db === undefined) throw new CLIError("--append needs --db FILE", "E_USAGE");
    if (append && exchanges.includes("-"))
      throw new CLIError("--append reads files, not standard input", "E_USAGE");
    const run = analyze({
      inputs: { exchanges, accounts, events },
      out,
      db,
      append,
      ...(threads === undefined ? {} : { threads }),
      intelKey: process.env[stringOption(values["intel-key-env"]) ?? "DISTILLGUARD_INTEL_KEY"],
      detector: {
        ...(threshold === undefined ? {} : { threshold: scoreForRisk(threshold) }),
        ...(regions === undefined ? {} : { unsupportedRegions: regions }),
      },
      onIssue: (issue) => {
        // every bad line is reported; past 1000 the summary carries the count
        if (!quiet && shown++ < 1000) io.stderr.write(`${formatIssue(issue)}\n`);
      },
      onProgress: (read, total, n) => bar.update(read, total, n),
    });
    const summary = await run.catch((err: unknown) => {
      if (err instanceof AnalyzeError) throw new CLIError(err.message, "E_STORE");
      throw err;
    });
    if (!quiet)
      for (const held of summary.skipped)
        io.stderr.write(
          `analyze: ${held.input} is already in ${db} (ingested ${held.finishedAt}); not read again\n`,
        );
    if (!quiet && shown > 1000) io.stderr.write(`... ${shown - 1000} more input issues not shown\n`);
    if (!quiet && summary.partner.indicators > 0)
      io.stderr.write(
        `analyze: ${summary.partner.indicators} partner indicators from ${db} used as evidence${summary.partner.hashedUnused > 0 ? `; ${summary.partner.hashedUnused} hashed ones unused: set the partners' key in DISTILLGUARD_INTEL_KEY (or --intel-key-env)` : ""}\n`,
      );
    const ms = Date.now() - t0;
    bar.finish(
      `analyze: ${formatCount(summary.exchanges)} exchanges from ${summary.inputs.length} file${summary.inputs.length === 1 ? "" : "s"}${summary.totalExchanges > summary.exchanges ? ` (${formatCount(summary.totalExchanges)} in the store)` : ""}, ${summary.accounts} accounts, ${summary.flagged} flagged in ${summary.campaigns} campaigns, ${formatDuration(ms)} (${formatCount((summary.exchanges * 1000) / Math.max(1, ms))}/s) → ${out}`,
    );
    if (!quiet) io.stderr.write(`${summary.issueSummary}\n`);
    // an input with nothing in it is a mistake to see (a wrong file, an empty rotation), unless
    // every file was already in the store
    if (summary.exchanges === 0 && summary.skipped.length === 0) {
      io.stderr.write(
        `distillguard: no exchanges read from ${exchanges.join(", ")}: the input is empty, or every line was bad (see the issues above)\n`,
      );
      return 2;
    }
    return 0;
  },
});
