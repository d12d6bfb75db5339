// distillguard eval: score verdicts against a scenario's ground truth.
import { existsSync, statSync } from "node:fs";
import { findJsonl, formatIssue } from "../contract/index.js";
import { evaluate, formatEval } from "../eval/index.js";
import { defineCommand } from "./_args.js";
import { CLIError } from "./_errors.js";

export const EVAL_USAGE = `usage: distillguard eval <scenario-dir> --pred <dir> [--json]

Scores an analysis' verdicts (<dir>/accounts.jsonl) against a scenario's ground truth
(labels.jsonl, exchange_labels.jsonl): account precision, recall and F1, recall per
campaign, false-positive rate per benign population, exchange-weighted recall,
prevented share and the adjusted Rand index of campaign attribution.

  --pred DIR   the folder analyze wrote
  --json       print the figures as JSON instead of a table`;

function requireDir(path: string, what: string, file: string): void {
  if (!existsSync(path) || !statSync(path).isDirectory())
    throw new CLIError(`${what}: no such directory: ${path}`, "E_INPUT_MISSING");
  if (!findJsonl(path, file)) throw new CLIError(`${what}: no ${file}.jsonl in ${path}`, "E_INPUT_MISSING");
}

export const runEval = defineCommand({
  usage: EVAL_USAGE,
  options: { pred: { type: "string" }, json: { type: "boolean" } },
  async run({ values, positionals }, io) {
    const [scenario, ...extra] = positionals;
    const pred = values.pred;
    if (!scenario || extra.length > 0 || typeof pred !== "string")
      throw new CLIError(`expected a scenario folder and --pred DIR\n${EVAL_USAGE}`, "E_USAGE");
    requireDir(scenario, "scenario", "labels");
    requireDir(pred, "--pred", "accounts");
    const result = await evaluate(scenario, pred, (i) => io.stderr.write(`${formatIssue(i)}\n`));
    io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatEval(result)}\n`);
    return 0;
  },
});
