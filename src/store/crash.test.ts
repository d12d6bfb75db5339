// Killing analyze at any moment leaves the store usable and as it was; re-running
// completes the job without losing or double-counting exchanges. Runs the built CLI.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { queryStore } from "./index.js";

const BIN = new URL("../../bin/distillguard.js", import.meta.url).pathname;
const BUILT = existsSync(new URL("../../dist/cli/main.js", import.meta.url));

describe("store crash safety", () => {
  it.skipIf(!BUILT)("survives a kill -9 in the middle of a run (needs dist/: npm run build)", async () => {
    const scen = mkdtempSync(join(tmpdir(), "dg-crash-"));
    const s = await simulate({ out: scen, seed: 9, scale: 0.05, days: 10, workers: false });
    const db = join(scen, "run.duckdb");
    const count = async (): Promise<number> =>
      Number((await queryStore(db, "select count(*) n from exchanges")).rows[0]?.n);
    await analyze({
      inputs: { exchanges: join(scen, "exchanges.jsonl") },
      out: join(scen, "p1"),
      db,
      report: false,
    });
    expect(await count()).toBe(s.exchanges);

    // a second run, killed as soon as it reports progress
    const child = spawn(process.execPath, [BIN, "analyze", scen, "--out", join(scen, "p2"), "--db", db], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let killedMidway = false;
    const ended = await new Promise<NodeJS.Signals | null>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        if (!killedMidway && /analyze: \d/.test(String(d))) {
          killedMidway = true;
          child.kill("SIGKILL");
        }
      });
      child.on("exit", (_code, signal) => resolve(signal));
    });
    // the kill landed while the run was at work (a run that had ended would exit with a code)
    expect(killedMidway).toBe(true);
    expect(ended).toBe("SIGKILL");
    // the store is whole: the killed run's exchanges were all there before it
    expect(await count()).toBe(s.exchanges);

    const again = await analyze({
      inputs: { exchanges: join(scen, "exchanges.jsonl") },
      out: join(scen, "p3"),
      db,
      report: false,
    });
    expect(again.exchanges).toBe(s.exchanges);
    expect(await count()).toBe(s.exchanges);
    const distinct = Number((await queryStore(db, "select count(distinct id) n from exchanges")).rows[0]?.n);
    expect(distinct).toBe(s.exchanges);
  });

  it.skipIf(!BUILT)(
    "survives a kill -9 in the middle of an --append run (needs dist/: npm run build)",
    async () => {
      const scen = mkdtempSync(join(tmpdir(), "dg-crash-append-"));
      const s = await simulate({ out: scen, seed: 12, scale: 0.05, days: 8, workers: false });
      const lines = readFileSync(join(scen, "exchanges.jsonl"), "utf8").trimEnd().split("\n");
      const half = Math.floor(lines.length / 2);
      writeFileSync(join(scen, "a.jsonl"), `${lines.slice(0, half).join("\n")}\n`);
      writeFileSync(join(scen, "b.jsonl"), `${lines.slice(half).join("\n")}\n`);
      const db = join(scen, "run.duckdb");
      const count = async (): Promise<number> =>
        Number((await queryStore(db, "select count(*) n from exchanges")).rows[0]?.n);
      await analyze({
        inputs: { exchanges: join(scen, "a.jsonl") },
        out: join(scen, "p1"),
        db,
        report: false,
      });
      expect(await count()).toBe(half);

      const child = spawn(
        process.execPath,
        [BIN, "analyze", join(scen, "b.jsonl"), "--out", join(scen, "p2"), "--db", db, "--append"],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let killed = false;
      const ended = await new Promise<NodeJS.Signals | null>((resolve) => {
        child.stderr.on("data", (d: Buffer) => {
          if (!killed && /analyze: \d/.test(String(d))) {
            killed = true;
            child.kill("SIGKILL");
          }
        });
        child.on("exit", (_code, signal) => resolve(signal));
      });
      expect(killed).toBe(true);
      expect(ended).toBe("SIGKILL");
      // killed before publishing: the first half only; after: both halves, never anything else
      const after = await count();
      expect([half, s.exchanges]).toContain(after);

      const again = await analyze({
        inputs: { exchanges: join(scen, "b.jsonl") },
        out: join(scen, "p3"),
        db,
        append: true,
        report: false,
      });
      expect(again.totalExchanges).toBe(s.exchanges);
      expect(await count()).toBe(s.exchanges);
      const distinct = Number(
        (await queryStore(db, "select count(distinct id) n from exchanges")).rows[0]?.n,
      );
      expect(distinct).toBe(s.exchanges);
    },
  );
});
