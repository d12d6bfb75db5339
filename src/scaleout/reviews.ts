// Analysts' decisions in the shared store: as the dashboard records them in the embedded
// store (src/ui), a campaign's review is also recorded for each of its accounts, with the
// kinds of evidence the account was flagged on; the next linkage run respects them.
import type { Sql } from "./pg.js";

export interface PgReview {
  readonly targetType: "account" | "campaign";
  readonly targetId: string;
  readonly decision: "confirm" | "dismiss";
  readonly comment: string;
  readonly analyst: string;
}

/** Records a review; resolves to the accounts it covers (0: no such account or campaign in the verdicts). */
export async function addPgReview(sql: Sql, r: PgReview): Promise<number> {
  return await sql.begin(async (tx) => {
    const accounts = await tx<{ account_id: string; evidence: string }[]>`
      select account_id, coalesce((select string_agg(distinct x ->> 'signal', ',' order by x ->> 'signal')
        from jsonb_array_elements(line -> 'reasons') x), '') evidence
      from verdicts where ${r.targetType === "campaign" ? tx`campaign_id` : tx`account_id`} = ${r.targetId}`;
    if (accounts.length === 0) return 0;
    if (r.targetType === "campaign")
      await tx`insert into reviews (target_type, target_id, decision, comment, analyst, evidence)
        values ('campaign', ${r.targetId}, ${r.decision}, ${r.comment}, ${r.analyst}, '')`;
    await tx`insert into reviews (target_type, target_id, decision, comment, analyst, evidence)
      select 'account', a, ${r.decision}, ${r.comment}, ${r.analyst}, e
      from unnest(${accounts.map((a) => a.account_id)}::text[], ${accounts.map((a) => a.evidence)}::text[]) t(a, e)`;
    return accounts.length;
  });
}
