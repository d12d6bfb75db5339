// A log given on the command line: a folder (exchanges.jsonl[.gz], with accounts and events
// beside it) or an exchanges file, with --accounts / --events, each checked readable.
import { existsSync, statSync } from "node:fs";
import { findJsonl, inputProblem } from "../contract/index.js";
import type { AnalyzeInputs } from "../pipeline/index.js";
import { CLIError } from "./_errors.js";

function checkInput(path: string, what: string): void {
  const problem = inputProblem(path);
  if (problem)
    throw new CLIError(
      `${what}: ${problem.message}`,
      problem.kind === "missing" ? "E_INPUT_MISSING" : "E_INPUT_UNREADABLE",
    );
}

export function resolveLogInputs(
  input: string,
  accounts: string | undefined,
  events: string | undefined,
): AnalyzeInputs {
  let exchanges = input;
  if (input !== "-" && existsSync(input) && statSync(input).isDirectory()) {
    const found = findJsonl(input, "exchanges");
    if (!found)
      throw new CLIError(
        `${input}: no exchanges.jsonl or exchanges.jsonl.gz in this folder`,
        "E_INPUT_MISSING",
      );
    exchanges = found;
    accounts ??= findJsonl(input, "accounts");
    events ??= findJsonl(input, "events");
  }
  checkInput(exchanges, "exchanges");
  if (accounts) checkInput(accounts, "--accounts");
  if (events) checkInput(events, "--events");
  return { exchanges, accounts, events };
}
