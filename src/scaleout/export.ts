// The contract's verdict files (accounts.jsonl, campaigns.json) from the shared store,
// as the last linkage run wrote them.

import { once } from "node:events";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sql } from "./pg.js";

export interface ExportSummary {
  readonly accounts: number;
  readonly flagged: number;
  readonly campaigns: number;
  /** when the linkage run behind the files finished (undefined: none has run) */
  readonly linkedAt: string | undefined;
}

export async function exportVerdicts(sql: Sql, out: string): Promise<ExportSummary> {
  mkdirSync(out, { recursive: true });
  const [run] = await sql<
    { finished_at: Date }[]
  >`select finished_at from linkage_runs order by id desc limit 1`;
  let accounts = 0;
  let flagged = 0;
  let campaignsCount = 0;
  const file = createWriteStream(join(out, "accounts.jsonl"));
  await sql.begin("isolation level repeatable read read only", async (tx) => {
    await tx<
      { line: string; flagged: boolean }[]
    >`select line::text line, flagged from verdicts order by account_id`.cursor(2000, async (rows) => {
      const ok = file.write(`${rows.map((r) => r.line).join("\n")}\n`);
      accounts += rows.length;
      for (const r of rows) if (r.flagged) flagged++;
      if (!ok) await once(file, "drain");
    });
    const campaigns = await tx<{ data: string }[]>`select data::text data from campaigns order by ord`;
    writeFileSync(
      join(out, "campaigns.json"),
      `${JSON.stringify({ campaigns: campaigns.map((c) => JSON.parse(c.data) as unknown) }, null, 2)}\n`,
    );
    campaignsCount = campaigns.length;
  });
  file.end();
  await once(file, "close");
  return { accounts, flagged, campaigns: campaignsCount, linkedAt: run?.finished_at.toISOString() };
}
