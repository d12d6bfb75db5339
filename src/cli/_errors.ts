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
