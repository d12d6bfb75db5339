// Option parsing on node:util parseArgs, turning its errors into user-facing CLIErrors.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { CLIError } from "./_errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse<O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new CLIError(`${msg}\n${usage}`, "E_BAD_OPTION");
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
