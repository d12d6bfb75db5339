// What analyze holds in memory as it reads: every N exchanges, one JSON line on stdout
// with the V8 heap after a full collection, external memory, RSS and the detector's
// census (profiles, their counters' bytes, shared-value groups and memberships by kind,
// unshared values). For memory work at report scale; see DEVELOPERS.md.
//
//   npm run build
//   node --expose-gc dist/scripts/census.js DIR [--every N] [--threads T]
//   head -n 3000000 DIR/exchanges.jsonl | node --expose-gc dist/scripts/census.js - --accounts DIR/accounts.jsonl --events DIR/events.jsonl
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type AnalyzeInputs, analyze } from "distillguard/pipeline";
import type { Detector } from "distillguard/verdicts";

type Census = ReturnType<Detector["census"]>;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    every: { type: "string", default: "1000000" },
    threads: { type: "string" },
    accounts: { type: "string" },
    events: { type: "string" },
  },
});
const input = positionals[0];
if (!input) {
  console.error(
    "usage: node --expose-gc dist/scripts/census.js DIR|EXCHANGES|- [--every N] [--threads T] [--accounts F] [--events F]",
  );
  process.exit(2);
}
if (typeof globalThis.gc !== "function")
  console.error("census: without --expose-gc the heap figures include garbage");
const dirInput = input !== "-" && existsSync(join(input, "exchanges.jsonl"));
const inputs: AnalyzeInputs = dirInput
  ? {
      exchanges: join(input, "exchanges.jsonl"),
      accounts: join(input, "accounts.jsonl"),
      events: join(input, "events.jsonl"),
    }
  : { exchanges: input, accounts: values.accounts, events: values.events };
const mib = (b: number): number => Math.round(b / 2 ** 20);
const t0 = performance.now();
const line = (census: Census, exchanges: number): void => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  const g = census.groups;
  process.stdout.write(
    `${JSON.stringify({
      exchanges,
      seconds: Math.round((performance.now() - t0) / 1000),
      heapMiB: mib(m.heapUsed),
      externalMiB: mib(m.external),
      rssMiB: mib(m.rss),
      profiles: census.profiles,
      tallyMiB: mib(census.tallyBytes),
      groups: g.shared,
      memberships: g.memberships,
      unshared: g.unshared,
      forgotten: g.forgotten,
      handoffPairs: census.handoffPairs,
      byKind: g.byKind,
    })}\n`,
  );
};
const s = await analyze({
  inputs,
  out: mkdtempSync(join(tmpdir(), "dg-census-")),
  report: false,
  ...(values.threads === undefined ? {} : { threads: Number(values.threads) }),
  census: {
    every: Number(values.every),
    // every N exchanges, and once more after the final judgement
    report: line,
  },
});
console.error(
  `census: ${s.exchanges} exchanges, ${s.accounts} accounts, ${s.flagged} flagged (last line: after the whole pass)`,
);
