// Option parsing on node:util parseArgs, turning its errors into user-facing CLIErrors.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { at } from "../contract/index.js";
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
    const a = at(argv, i);
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

/** An option of a command: a string, a flag, or a number checked against its range. */
export type OptionSpec =
  | { readonly type: "string"; readonly short?: string; readonly multiple?: false }
  | { readonly type: "boolean"; readonly short?: string; readonly multiple?: false }
  | {
      readonly type: "number";
      /** whether a value is in range */
      readonly check: (n: number) => boolean;
      /** what the range is, for the error ("an integer from 1 to 366") */
      readonly expected: string;
    };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
export type NumberSpec = Extract<OptionSpec, { readonly type: "number" }>;

/** The parsed options, typed by their specs: strings, booleans (false when absent) and checked numbers. */
export type OptionValues<O extends OptionSpecs> = {
  readonly [K in keyof O]: O[K] extends { readonly type: "boolean" }
    ? boolean
    : O[K] extends { readonly type: "number" }
      ? number | undefined
      : string | undefined;
};

export interface Parsed<O extends OptionSpecs> {
  readonly values: OptionValues<O> & { readonly help: boolean };
  readonly positionals: string[];
}

/**
 * Parses a command's arguments against its option specs: unknown options, missing values and
 * numbers out of range are one-line CLIErrors (exit 2) naming the option.
 */
export function parse<const O extends OptionSpecs>(argv: readonly string[], options: O): Parsed<O> {
  const all: Options = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(options))
    all[name] = spec.type === "number" ? { type: "string" } : spec;
  let parsed: {
    values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    positionals: string[];
  };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, all),
      options: all,
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new CLIError(parseProblem(err), "E_BAD_OPTION");
  }
  const values: Record<string, string | boolean | number | undefined> = { help: parsed.values.help === true };
  for (const [name, spec] of Object.entries(options)) {
    const raw = parsed.values[name];
    const v = Array.isArray(raw) ? raw.at(-1) : raw;
    if (spec.type === "boolean") values[name] = v === true;
    else if (spec.type === "number") values[name] = numberOption(v, name, spec.check, spec.expected);
    else values[name] = typeof v === "string" ? v : undefined;
  }
  return { values: values as Parsed<O>["values"], positionals: parsed.positionals };
}

/** A command: its usage (printed by --help), its options, and what it does with them. */
export interface CommandDefinition<O extends OptionSpecs> {
  readonly usage: string;
  readonly options: O;
  /** "none": the command takes options only; "one": exactly one argument; otherwise a usage error (exit 2) */
  readonly positionals?: "none" | "one";
  run(args: Parsed<O>, io: Io): Promise<number>;
}

/** The runner of a command: --help prints its usage; mistakes in the options are one-line errors. */
export function defineCommand<const O extends OptionSpecs>(
  def: CommandDefinition<O>,
): (argv: readonly string[], io: Io) => Promise<number> {
  return async (argv, io) => {
    const args = parse(argv, def.options);
    if (args.values.help) {
      io.stdout.write(`${def.usage}\n`);
      return 0;
    }
    const extra = args.positionals[def.positionals === "one" ? 1 : 0];
    if ((def.positionals === "none" || def.positionals === "one") && extra !== undefined)
      throw new CLIError(`unexpected argument "${extra}"\n${def.usage}`, "E_USAGE");
    if (def.positionals === "one" && args.positionals[0] === undefined)
      throw new CLIError(`an argument is missing\n${def.usage}`, "E_USAGE");
    return def.run(args, io);
  };
}

/** An integer option from `min` to `max`. */
export function integer(min: number, max: number, expected?: string): NumberSpec {
  return {
    type: "number",
    check: (n) => Number.isInteger(n) && n >= min && n <= max,
    expected: expected ?? `an integer from ${min} to ${max}`,
  };
}

/** --port: 0 to 65535 (0: any free port). */
export const PORT: NumberSpec = integer(0, 65535, "a port number");

/** A number option in range, `check` saying which. */
export function number(check: (n: number) => boolean, expected: string): NumberSpec {
  return { type: "number", check, expected };
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
  /** standard input, where a command reads `-` (process.stdin when absent) */
  readonly stdin?: NodeJS.ReadableStream;
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
