// The red team's ladder for `npm run eval` (issue 18): the campaigns run at each adaptive
// level (simulate --adaptive L, src/simulate/_adaptive.ts), analysed with the shipped
// detector, and scored on recall, benign false positives, prevented share and what the
// harvest cost the attacker. Every detector change is judged on it as well.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalResult } from "distillguard/eval";
import type { Variants } from "distillguard/simulate";
import { ADAPTIVE_DOC, type AdaptiveLevel, type SimulationSummary, simulate } from "distillguard/simulate";
import { analyseAndScore, type Pooled, pool } from "./_worlds.js";

const f4 = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(4) : "n/a");
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

interface Rung {
  readonly level: number;
  readonly p: Pooled;
  readonly accounts: number;
  readonly exchanges: number;
  readonly cover: number;
  readonly useful: number;
  readonly harvest: number;
  readonly taken: number;
  costAccounts?: number;
  costExchanges?: number;
}

/**
 * Runs the ladder: for each seed and level, a world with every campaign on (sweep=slow), the
 * level's tactics, analysed and scored. Returns the docs/quality.md section and the figures.
 */
export async function ladder({
  root,
  seeds,
  scale,
  prompts,
  log,
}: {
  readonly root: string;
  readonly seeds: readonly number[];
  readonly scale: number;
  readonly prompts: string | undefined;
  readonly log: (message: string) => void;
}): Promise<{ section: string; rows: Rung[] }> {
  const levels = ADAPTIVE_DOC.map((_, i) => i as AdaptiveLevel);
  const rows: Rung[] = [];
  for (const level of levels) {
    const results: EvalResult[] = [];
    const costs: { summary: SimulationSummary; r: EvalResult }[] = [];
    for (const seed of seeds) {
      const dir = join(root, "out/ladder", `L${level}-seed-${seed}-${scale}${prompts ? "-p" : ""}`);
      if (!existsSync(join(dir, "simulation.json"))) {
        log(`eval: ladder L${level} seed ${seed}: simulating`);
        await simulate({
          out: dir,
          seed,
          scale,
          adaptive: level,
          variants: { sweep: "slow" },
          ...(prompts ? { prompts } : {}),
          log,
        });
      }
      log(`eval: ladder L${level} seed ${seed}: analysing`);
      const summary = JSON.parse(readFileSync(join(dir, "simulation.json"), "utf8")) as SimulationSummary & {
        variants: Variants;
      };
      const r = await analyseAndScore({ dir, seed, variants: summary.variants }, "ladder");
      results.push(r);
      costs.push({ summary, r });
    }
    const p = pool(results);
    let accounts = 0;
    let exchanges = 0;
    let cover = 0;
    let useful = 0;
    let harvest = 0;
    let taken = 0;
    for (const { summary, r } of costs) {
      for (const c of Object.values(summary.attacker)) {
        accounts += c.accounts;
        exchanges += c.exchanges;
        cover += c.cover;
        useful += c.harvest + c.chained;
      }
      harvest += r.harvest.exchanges;
      taken += r.harvest.taken;
    }
    rows.push({ level, p, accounts, exchanges, cover, useful, harvest, taken });
  }
  // the attacker's cost per harvested item against the plain campaigns undetected
  const base = rows[0];
  if (!base) throw new Error("eval: the ladder has no levels");
  const baseAccounts = base.accounts / Math.max(1, base.harvest);
  const baseExchanges = base.exchanges / Math.max(1, base.harvest);
  const table = rows.map((x) => {
    const weakest = Object.entries(x.p.byCampaign).sort((a, b) => a[1].recall - b[1].recall)[0];
    const noisiest = Object.entries(x.p.byPopulation).sort((a, b) => b[1].fpr - a[1].fpr)[0];
    const perAccounts = x.accounts / Math.max(1, x.taken);
    const perExchanges = x.exchanges / Math.max(1, x.taken);
    x.costAccounts = perAccounts / baseAccounts;
    x.costExchanges = perExchanges / baseExchanges;
    return `| L${x.level} | ${f4(x.p.recall)} | ${weakest ? `${f4(weakest[1].recall)} ${weakest[0]}` : "-"} | ${noisiest ? `${f4(noisiest[1].fpr)} ${noisiest[0]} (${noisiest[1].fp}/${noisiest[1].n})` : "-"} | ${f4(x.p.preventedShare)} | ${x.accounts} | ${x.exchanges} | ${f2(x.cover / Math.max(1, x.exchanges))} | ${f2(x.useful / Math.max(1, x.accounts))} | ${f4(x.taken / Math.max(1, x.harvest))} | ${f2(x.costAccounts)}× | ${f2(x.costExchanges)}× |`;
  });
  const verdict = rows.map((x) => {
    const need = x.level === 0 ? 0.9 : x.level <= 3 ? 0.9 : 0.6;
    const recallOk = x.p.recall >= need;
    const fprOk = x.p.maxFpr <= 0.002;
    const costOk = x.level > 0 && (x.costAccounts ?? 0) >= 5;
    return `L${x.level}: recall ${f4(x.p.recall)} (target ≥ ${need}) ${recallOk ? "met" : costOk ? "not met, but the attacker's cost in accounts is ≥ 5× L0's" : "not met"}; max benign FPR ${f4(x.p.maxFpr)} ${fprOk ? "met" : "not met"}`;
  });
  const section = `## The red team's ladder

Campaigns run by an attacker who has read docs/detection.md and the code (\`simulate --adaptive L\`,
src/simulate/_adaptive.ts), each level adding to the one below:

${ADAPTIVE_DOC.map((d) => `- ${d}`).join("\n")}

Every campaign is on (\`sweep=slow\` forced), seeds ${seeds.join(", ")} at scale ${scale}
(${prompts ? "real prompts" : "built-in text"}), analysed with the shipped detector, verdicts pooled over the seeds.
The attacker's cost: accounts and exchanges (harvest, items pasted as follow-ups, and cover; a relay's
customers' own chats are not counted), the cover share, useful exchanges per account, and the share of the
harvest taken before its account's first flag (flagged accounts stop yielding). The last two columns are the
accounts and exchanges the attacker spends per harvested item taken, against the plain campaigns (L0) if
nothing were detected: the cost of the same harvest.

| level | recall | lowest campaign recall | highest benign FPR | prevented share | accounts | exchanges | cover share | useful per account | harvest taken | accounts per item (× L0 undetected) | exchanges per item (× L0 undetected) |
|---|---|---|---|---|---|---|---|---|---|---|---|
${table.join("\n")}

Targets (issue 18): recall ≥ 0.9 at L1-L3 and ≥ 0.6 at L4-L5, benign FPR ≤ 0.2% in every population at every
level; where recall stays short, the attacker's cost for the same harvest ≥ 5× L0's.

${verdict.map((v) => `- ${v}`).join("\n")}
`;
  return { section, rows };
}
