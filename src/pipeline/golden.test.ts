// The verdicts on a fixed simulated log, byte for byte. A refactoring must leave this
// snapshot as it is; a change that means to move the verdicts (a detector change, a refit)
// updates it on purpose (`npx vitest run src/pipeline/golden.test.ts -u`) and says so in its
// commit. The log is simulated from the embedded prompts (no ../shared), so every machine
// reads the same one.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { simulate } from "../simulate/index.js";
import { analyze } from "./analyze.js";

const dir = mkdtempSync(join(tmpdir(), "dg-golden-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// the report names its input files: their folder is this run's temporary one
const sha = (file: string): string =>
  createHash("sha256").update(readFileSync(file, "utf8").replaceAll(dir, "<dir>")).digest("hex");

describe("verdicts on a fixed log", () => {
  it("are byte-identical to the snapshot (accounts, campaigns, report)", async () => {
    const sim = await simulate({ out: join(dir, "world"), seed: 4, scale: 0.04, days: 8, workers: false });
    const out = join(dir, "verdicts");
    const r = await analyze({
      inputs: {
        exchanges: join(dir, "world", "exchanges.jsonl"),
        accounts: join(dir, "world", "accounts.jsonl"),
        events: join(dir, "world", "events.jsonl"),
      },
      out,
      now: () => new Date("2026-12-01T00:00:00Z"),
    });
    expect(r.exchanges).toBe(sim.exchanges);
    // the figures first, so that a change reads in the snapshot's diff before the hashes
    expect({
      exchanges: r.exchanges,
      accounts: r.accounts,
      flagged: r.flagged,
      campaigns: r.campaigns,
      accountsJsonl: sha(join(out, "accounts.jsonl")),
      campaignsJson: sha(join(out, "campaigns.json")),
      reportHtml: sha(join(out, "report.html")),
    }).toMatchSnapshot();
  });
});
