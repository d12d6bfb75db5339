// Logs given on the command line: folders, files and patterns. A folder means its exchanges
// (exchanges.jsonl[.gz], or a gateway's rotated exchanges-<time>-<n>.jsonl[.gz] files) with
// accounts and events beside them; a file is an exchanges file; a pattern with * or ? in its
// last part (for shells that pass it on unexpanded) names the files of its folder that match.
// Each file is checked readable; --accounts / --events name the metadata explicitly.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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

/** A gateway's rotated log file, or a plain exchanges file. */
const EXCHANGES_FILE = /^exchanges(?:-[\w.-]{1,80})?\.jsonl(?:\.gz)?$/;

/** The exchanges files of a folder: exchanges.jsonl[.gz], or its rotated exchanges-*.jsonl[.gz] files. */
export function exchangesFilesIn(dir: string): string[] {
  const plain = findJsonl(dir, "exchanges");
  const rotated = readdirSync(dir)
    .filter((n) => n !== "exchanges.jsonl" && n !== "exchanges.jsonl.gz" && EXCHANGES_FILE.test(n))
    .sort()
    .map((n) => join(dir, n));
  return [...(plain ? [plain] : []), ...rotated];
}

/** A shell-style pattern (* and ? only) as a regular expression over one file name: linear, no backtracking blow-up (the name is short and [^/] runs cannot nest). */
function patternOf(glob: string): RegExp {
  let re = "";
  for (const ch of glob)
    re += ch === "*" ? "[^/]*" : ch === "?" ? "[^/]" : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  return new RegExp(`^${re}$`);
}

/** The files a pattern's last part matches in its folder, sorted; none when the folder is missing. */
function expand(pattern: string): string[] {
  const dir = dirname(pattern);
  const glob = basename(pattern);
  if (/[*?]/.test(dir))
    throw new CLIError(`${pattern}: patterns are read in the last part of a path only`, "E_USAGE");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const re = patternOf(glob);
  return readdirSync(dir)
    .filter((n) => re.test(n))
    .sort()
    .map((n) => join(dir, n));
}

export function resolveLogInputs(
  given: readonly string[],
  accounts: string | undefined,
  events: string | undefined,
): AnalyzeInputs & { readonly exchanges: readonly string[] } {
  const files: string[] = [];
  for (const input of given) {
    if (input === "-") {
      files.push(input);
      continue;
    }
    if (!existsSync(input) && /[*?]/.test(basename(input))) {
      const matched = expand(input);
      if (matched.length === 0) throw new CLIError(`${input}: no file matches`, "E_INPUT_MISSING");
      files.push(...matched);
      continue;
    }
    if (existsSync(input) && statSync(input).isDirectory()) {
      const found = exchangesFilesIn(input);
      if (found.length === 0)
        throw new CLIError(
          `${input}: no exchanges files in this folder (exchanges.jsonl[.gz], or a gateway's exchanges-<time>-<n>.jsonl[.gz])`,
          "E_INPUT_MISSING",
        );
      files.push(...found);
      accounts ??= findJsonl(input, "accounts");
      events ??= findJsonl(input, "events");
      continue;
    }
    files.push(input);
  }
  const unique = [...new Set(files)];
  if (unique.includes("-") && unique.length > 1)
    throw new CLIError(
      "standard input (-) cannot be read together with files: give the files only",
      "E_USAGE",
    );
  for (const f of unique) checkInput(f, "exchanges");
  if (accounts) checkInput(accounts, "--accounts");
  if (events) checkInput(events, "--events");
  return { exchanges: unique, accounts, events };
}
