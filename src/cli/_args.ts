// Option parsing on node:util parseArgs, turning its errors into user-facing CLIErrors.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { CLIError } from "./_errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** A token that is a negative number ("-1", "-0.5", "-3e2"): a value, not an option. */
const NEGATIVE_NUMBER = /^-(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

/**
 * The arguments with each negative number that follows a string option joined to it
 * (`--scale -1` → `--scale=-1`), so that it is read as the option's value and the option's
 * own check can say what range it takes.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
    if (
      name !== undefined &&
      options[name]?.type === "string" &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** One line for what parseArgs rejected, pointing at --help (the usage is not repeated). */
function parseProblem(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const msg = typeof e.message === "string" ? (e.message.split("\n")[0] ?? "") : String(err);
  const option = /'(-{1,2}[^' ]+)/.exec(msg)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? ""} (see --help)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /argument missing/.test(msg)
        ? `${option ?? "an option"} needs a value (see --help)`
        : `${option ?? "an option"} takes no value (see --help)`;
    default:
      return `${msg.replace(/\.$/, "")} (see --help)`;
  }
}

export function parse<O extends Options>(
  argv: readonly string[],
  options: O,
  _usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const all: Options = { ...options, help: { type: "boolean", short: "h" } };
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(argv, all),
      options: all,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new CLIError(parseProblem(err), "E_BAD_OPTION");
  }
}

export function numberOption(
  value: string | boolean | undefined,
  name: string,
  check: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || !check(n))
    throw new CLIError(`--${name} must be ${expected}, got ${JSON.stringify(value)}`, "E_BAD_OPTION");
  return n;
}

export function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** --port: 0 to 65535 (0: any free port). */
export function portOption(value: string | boolean | undefined): number | undefined {
  return numberOption(value, "port", (n) => Number.isInteger(n) && n >= 0 && n <= 65535, "a port number");
}

/** Resolves when the process is asked to stop (SIGINT or SIGTERM), for long-running commands. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** A connection URL without its password, for messages (secrets are never echoed). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}
