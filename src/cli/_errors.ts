import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";

// Few error classes, stable codes: a CLIError is a user mistake, printed as one line
// with exit code 2; anything else is a bug and gets a stack trace.
export type CLIErrorCode =
  | "E_USAGE"
  | "E_UNKNOWN_COMMAND"
  | "E_BAD_OPTION"
  | "E_INPUT_MISSING"
  | "E_INPUT_UNREADABLE"
  | "E_OUTPUT"
  | "E_STORE"
  | "E_SCHEMA_STALE"
  | "E_CONFIG"
  | "E_CONNECT";

export class CLIError extends Error {
  constructor(
    message: string,
    readonly code: CLIErrorCode,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "CLIError";
  }
}

/** What each file-system error means for the user, and the fix. */
const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or folder (check the path)",
  ENOTDIR: "a part of the path is a file, not a folder (choose another path)",
  EISDIR: "it is a folder, not a file (name a file)",
  EACCES: "permission denied (choose a path you can write, or change its permissions)",
  EPERM: "operation not permitted (choose a path you can write)",
  EROFS: "the file system is read-only (choose another path)",
  ENOSPC: "no space left on the device (free some, or choose another disk)",
  EEXIST: "it already exists (remove it, or choose another path)",
};

/**
 * One line for an operating-system error a user can fix (a path that cannot be written, a
 * full disk), naming the path and the fix; undefined for anything else (a bug).
 */
export function systemErrorLine(err: unknown): string | undefined {
  const e = err as { code?: unknown; path?: unknown; dest?: unknown } | null;
  if (e === null || typeof e !== "object" || typeof e.code !== "string") return undefined;
  const why = FS_REASONS[e.code];
  if (why === undefined) return undefined;
  const path = typeof e.path === "string" ? e.path : undefined;
  return path === undefined ? why : `${path}: ${why}`;
}

/**
 * Makes sure an output folder can be written before a long run fills it: creates it (and its
 * parents) and checks write access, so that a mistake costs a second, not an analysis.
 */
export function ensureWritableFolder(path: string, what: string): void {
  try {
    if (existsSync(path) && !statSync(path).isDirectory())
      throw new CLIError(`${what}: ${path} is a file; name a folder`, "E_OUTPUT");
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
  } catch (err) {
    if (err instanceof CLIError) throw err;
    const line = systemErrorLine(err);
    if (line === undefined) throw err;
    throw new CLIError(`${what}: ${line}`, "E_OUTPUT");
  }
}
