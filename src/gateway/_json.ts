// Reading a JSON file the user wrote, and checking it against a TypeBox schema, with
// messages that name the file and the field (shared by the config and the policy).
import { readFileSync } from "node:fs";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** The file's JSON; `fail` makes the error to throw from a one-line message. */
export function readJsonFile(file: string, fail: (message: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw fail(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fail(`${file}: not JSON (${(err as Error).message})`);
  }
}

/** Throws `fail(...)` naming up to five fields that do not match the schema. */
export function checkAgainst<T extends TSchema>(
  schema: T,
  source: string,
  raw: unknown,
  fail: (message: string) => Error,
): asserts raw is Static<T> {
  if (Value.Check(schema, raw)) return;
  const problems = [...Value.Errors(schema, raw)].slice(0, 5).map((e) => `${e.path || "/"}: ${e.message}`);
  throw fail(`${source}: ${problems.join("; ")}`);
}
