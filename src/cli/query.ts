// distillguard query: ask an analysis store a question in SQL (read-only).
import { existsSync } from "node:fs";
import { queryStore } from "../store/index.js";
import { defineCommand, stringOption } from "./_args.js";
import { CLIError } from "./_errors.js";

export const QUERY_USAGE = `usage: distillguard query --db FILE "SQL" [--json]

Runs one SQL statement (DuckDB dialect) against a store written by
'distillguard analyze --db FILE', opened read-only with no access beyond the store (no
other files, directories, COPY, ATTACH or extensions; configuration locked). Tables:

  exchanges          id, ts, account_id, model, api, status, capabilities (list), scaffold,
                     input_tokens, output_tokens, ip, ip_type, country, user_agent
  accounts           account_id, risk, flagged, campaign_id, first_flagged_at, exchanges,
                     first_seen, last_seen, reasons (JSON)
  campaigns          campaign_id, accounts, exchanges, first_seen, last_seen, confidence,
                     capabilities, indicators, evidence (JSON)
  campaign_accounts  campaign_id, account_id

examples:
  distillguard query --db run.duckdb "select campaign_id, accounts, exchanges from campaigns order by exchanges desc"
  distillguard query --db run.duckdb "select model, count(*) from exchanges join campaign_accounts using (account_id) group by all"

  --json   print rows as JSON lines instead of a table`;

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export const runQuery = defineCommand({
  usage: QUERY_USAGE,
  options: { db: { type: "string" }, json: { type: "boolean" } },
  async run({ values, positionals }, io) {
    const db = stringOption(values.db);
    const [sql, ...extra] = positionals;
    if (!db || !sql || extra.length > 0)
      throw new CLIError(`expected --db FILE and one SQL statement\n${QUERY_USAGE}`, "E_USAGE");
    if (!existsSync(db))
      throw new CLIError(
        `--db: ${db}: no store there (make one with: npx distillguard analyze LOG --out DIR --db ${db})`,
        "E_INPUT_MISSING",
      );
    let result: Awaited<ReturnType<typeof queryStore>>;
    try {
      result = await queryStore(db, sql);
    } catch (err) {
      // a SQL mistake is the user's: say what DuckDB said, without a stack
      throw new CLIError(`query failed: ${(err as Error).message.split("\n")[0]}`, "E_BAD_OPTION");
    }
    if (values.json) {
      for (const r of result.rows) io.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    const table = [result.columns, ...result.rows.map((r) => result.columns.map((c) => cell(r[c])))];
    const widths = result.columns.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
    for (const row of table)
      io.stdout.write(
        `${row
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd()}\n`,
      );
    io.stdout.write(`(${result.rows.length} rows)\n`);
    return 0;
  },
});
