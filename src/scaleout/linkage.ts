// The linkage job: joins what the partitions wrote into one detector and judges every
// account as the embedded analysis does at the end of a log. It reads one consistent
// snapshot (repeatable read): the accounts in order of first traffic, the shared values
// in log-time order (so groups form, and campaigns are numbered, as in one pass over
// the log), and the prompt sightings near a 429 (the rate-limit hand-off watch needs
// every partition's traffic: it replays them here in time order). One leader at a time
// holds an advisory lock; the others wait.

import { assembleCampaigns } from "../campaigns/index.js";
import type { AccountRecord } from "../contract/index.js";
import { type GroupKind, HandoffWatch } from "../linkers/index.js";
import { verdictLine } from "../outputs/index.js";
import { DetectorDriver, type DetectorOptions } from "../verdicts/index.js";
import type { Sql } from "./pg.js";

/** The hand-off watch's window (src/linkers/coordination.ts), for the query that picks sightings. */
const HANDOFF_WINDOW_MS = 10_000;

export interface LinkageSummary {
  readonly accounts: number;
  readonly flagged: number;
  readonly campaigns: number;
  readonly exchanges: number;
  /** partition → stream sequence the run covered */
  readonly covered: Record<string, number>;
  readonly ms: number;
}

/** Builds campaigns and verdicts from the store's current contents and writes them back. */
export async function runLinkage(
  sql: Sql,
  leader: string,
  opts: { readonly detector?: DetectorOptions } = {},
): Promise<LinkageSummary> {
  const started = new Date();
  const t0 = performance.now();
  const accounts = new Map<string, AccountRecord>();
  const driver = new DetectorDriver(accounts, opts.detector ?? {});
  const detector = driver.detector;
  const watch = new HandoffWatch(HANDOFF_WINDOW_MS);
  const covered: Record<string, number> = {};
  const handoffs = new Map<string, number>();
  await sql.begin("isolation level repeatable read read only", async (tx) => {
    for (const r of await tx<{ partition: number; seq: number }[]>`select partition, seq from partitions`)
      covered[String(r.partition)] = r.seq;
    for (const r of await tx<{ model: string; ts: number }[]>`select model, ts from releases`)
      driver.addRelease(r.model, r.ts);
    await tx<{ record: AccountRecord }[]>`select record from account_meta`.cursor(2000, async (rows) => {
      for (const r of rows) accounts.set(r.record.account_id, r.record);
    });
    await tx<
      { state: Buffer }[]
    >`select state from account_state order by first_ts, partition, account_id`.cursor(500, async (rows) => {
      for (const r of rows) driver.loadAccount(r.state);
    });
    await tx<{ kind: GroupKind; value: string; account_id: string; example: string | null }[]>`
      select kind, value, account_id, example from link_members order by ts, partition, id`.cursor(
      5000,
      async (rows) => {
        for (const r of rows) detector.groups.add(r.kind, r.value, r.account_id, r.example ?? undefined);
      },
    );
    // only a sighting within the window after a 429 on the same prompt can be a hand-off
    // driven by the (few) refusals: each reads its prompt's sightings in the window by index
    await tx<{ prompt_hash: string; account_id: string; ts: number; status: number }[]>`
      select prompt_hash, account_id, ts, status from (
        select distinct on (s.partition, s.seq) s.prompt_hash, s.account_id, s.ts, s.status, s.partition, s.seq
        from (select prompt_hash, ts from prompt_sightings where status = 429) r
        join prompt_sightings s on s.prompt_hash = r.prompt_hash and s.ts >= r.ts and s.ts <= r.ts + ${HANDOFF_WINDOW_MS}
        order by s.partition, s.seq) x
      order by ts, partition, seq`.cursor(5000, async (rows) => {
      for (const r of rows) {
        const from = watch.observe(r.account_id, r.prompt_hash, r.ts, r.status);
        if (from !== undefined) {
          handoffs.set(r.account_id, (handoffs.get(r.account_id) ?? 0) + 1);
          handoffs.set(from, (handoffs.get(from) ?? 0) + 1);
        }
      }
    });
    detector.setReviews(
      (
        await tx<
          {
            target_id: string;
            decision: "confirm" | "dismiss";
            evidence: string;
            analyst: string;
            comment: string;
          }[]
        >`
        select distinct on (target_id) target_id, decision, evidence, analyst, comment from reviews
        where target_type = 'account' order by target_id, reviewed_at desc`
      ).map((r) => ({
        targetId: r.target_id,
        decision: r.decision,
        evidence: r.evidence,
        analyst: r.analyst,
        comment: r.comment,
      })),
    );
  });
  // the partitions counted only the hand-offs inside themselves; the replay above saw them all
  for (const p of detector.profiles.values()) p.handoffs = handoffs.get(p.id) ?? 0;
  detector.handoffs.pairs.push(...watch.pairs);
  detector.handoffs.dropped = watch.dropped;
  driver.finish();
  const { campaigns, flagged, campaignOf } = assembleCampaigns(detector);
  let exchanges = 0;
  for (const p of detector.profiles.values()) exchanges += p.n;

  await sql.begin(async (tx) => {
    await tx`delete from verdicts`;
    let batch: { id: string; risk: number; flagged: boolean; campaign: string | null; line: string }[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const b = batch;
      batch = [];
      await tx`insert into verdicts (account_id, risk, flagged, campaign_id, line)
        select i, r, f::boolean, c, l::jsonb from unnest(${b.map((x) => x.id)}::text[], ${b.map((x) => x.risk)}::real[],
          ${b.map((x) => (x.flagged ? 1 : 0))}::int[], ${b.map((x) => x.campaign)}::text[], ${b.map((x) => x.line)}::text[]) t(i, r, f, c, l)`;
    };
    for (const d of detector.decisions.values()) {
      const line = verdictLine(d, campaignOf);
      batch.push({
        id: line.account_id,
        risk: line.risk,
        flagged: line.flagged,
        campaign: line.campaign_id,
        line: JSON.stringify(line),
      });
      if (batch.length >= 2000) await flush();
    }
    await flush();
    await tx`delete from campaigns`;
    for (const [i, c] of campaigns.campaigns.entries())
      await tx`insert into campaigns (campaign_id, ord, accounts, exchanges, data)
        values (${c.campaign_id}, ${i}, ${c.accounts.length}, ${c.exchanges}, ${JSON.stringify(c)}::text::jsonb)`;
    await tx`insert into linkage_runs (leader, started_at, finished_at, covered, accounts, flagged, campaigns, exchanges)
      values (${leader}, ${started}, now(), ${JSON.stringify(covered)}::text::jsonb, ${detector.profiles.size},
        ${flagged.size}, ${campaigns.campaigns.length}, ${exchanges})`;
  });
  return {
    accounts: detector.profiles.size,
    flagged: flagged.size,
    campaigns: campaigns.campaigns.length,
    exchanges,
    covered,
    ms: performance.now() - t0,
  };
}
