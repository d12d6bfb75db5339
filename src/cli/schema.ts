// distillguard schema: write the contract's JSON Schemas, or check a folder against them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jsonSchemaDocuments } from "../contract/index.js";
import { defineCommand, stringOption } from "./_args.js";
import { CLIError } from "./_errors.js";

export const SCHEMA_USAGE = `usage: distillguard schema (--out DIR | --check DIR)

  --out DIR     write the JSON Schemas of the inputs, verdicts and ground truth to DIR
  --check DIR   exit 1 if the schemas in DIR differ from the code's (CI runs this)`;

export const runSchema = defineCommand({
  usage: SCHEMA_USAGE,
  options: { out: { type: "string" }, check: { type: "string" } },
  async run({ values }, io) {
    const out = stringOption(values.out);
    const check = stringOption(values.check);
    if ((out === undefined) === (check === undefined))
      throw new CLIError(`give one of --out or --check\n${SCHEMA_USAGE}`, "E_USAGE");
    const docs = jsonSchemaDocuments();
    if (out !== undefined) {
      mkdirSync(out, { recursive: true });
      for (const [name, text] of Object.entries(docs)) writeFileSync(join(out, name), text);
      io.stdout.write(`wrote ${Object.keys(docs).length} schemas to ${out}\n`);
      return 0;
    }
    const dir = check as string;
    const stale = Object.entries(docs).filter(([name, text]) => {
      const p = join(dir, name);
      return !existsSync(p) || readFileSync(p, "utf8") !== text;
    });
    if (stale.length > 0) {
      io.stderr.write(
        `schemas out of date in ${dir}: ${stale.map(([n]) => n).join(", ")}\nrun: npm run schema\n`,
      );
      return 1;
    }
    io.stdout.write(`schemas in ${dir} are up to date\n`);
    return 0;
  },
});
