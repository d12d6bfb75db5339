// Public surface of the CLI (for tests and embedding).
export { CLIError, type CLIErrorCode } from "./_errors.js";
export { main, USAGE } from "./main.js";
