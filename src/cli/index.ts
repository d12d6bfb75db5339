// Public surface of the CLI (for tests and embedding).

export { main } from "./main.js";
