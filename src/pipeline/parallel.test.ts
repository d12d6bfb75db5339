// Worker-thread parsing gives the same analysis as in-process parsing, bad lines included.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InputIssue } from "../contract/index.js";
import { simulate } from "../simulate/index.js";
import { analyze } from "./index.js";

const DIST = new URL("../../dist/pipeline/index.js", import.meta.url);

describe("parallel parsing", () => {
  it.skipIf(!existsSync(DIST))(
    "gives the same verdicts, campaigns and issues as in-process (needs dist/: npm run build)",
    async () => {
      const scen = mkdtempSync(join(tmpdir(), "dg-par-"));
      await simulate({ out: scen, seed: 5, scale: 0.03, days: 5, workers: false });
      // bad lines scattered through the file, so that several batches carry issues
      const lines = readFileSync(join(scen, "exchanges.jsonl"), "utf8").trimEnd().split("\n");
      const at = [0, 7, Math.floor(lines.length / 3), Math.floor(lines.length / 2) + 1, lines.length - 1];
      expect(lines.length).toBeGreaterThan(1000);
      for (const i of at) lines.splice(i, 0, i % 2 === 0 ? "{not json" : '{"id": 5}');
      const file = join(scen, "with-bad-lines.jsonl");
      writeFileSync(file, `${lines.join("\n")}\n`);
      const inputs = {
        exchanges: file,
        accounts: join(scen, "accounts.jsonl"),
        events: join(scen, "events.jsonl"),
      };

      const run = async (mod: { analyze: typeof analyze }, threads: number, out: string) => {
        const issues: InputIssue[] = [];
        const s = await mod.analyze({ inputs, out, threads, report: false, onIssue: (i) => issues.push(i) });
        return { s, issues, verdicts: readFileSync(join(out, "accounts.jsonl"), "utf8") };
      };
      const built = (await import(DIST.href)) as { analyze: typeof analyze };
      const one = await run({ analyze }, 0, join(scen, "in-process"));
      const two = await run(built, 2, join(scen, "threads"));

      expect(one.issues.filter((i) => i.skipped).length).toBe(5);
      expect(two.issues).toEqual(one.issues);
      expect(two.s.exchanges).toBe(one.s.exchanges);
      expect(two.s.exchanges).toBe(lines.length - 5);
      expect(two.s.flagged).toBe(one.s.flagged);
      expect(two.verdicts).toBe(one.verdicts);
      expect(readFileSync(join(scen, "threads", "campaigns.json"), "utf8")).toBe(
        readFileSync(join(scen, "in-process", "campaigns.json"), "utf8"),
      );
    },
  );
});
