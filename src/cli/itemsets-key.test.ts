// A provider's own index of known item sets that does not open (wrong or missing key) is a
// mistake to fix: one line, exit 2. Its own file: the index is read once per process.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildItemIndex } from "../signals/index.js";
import { captureIo } from "./_test-io.js";
import { main } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "dg-itemkey-"));
const items = [
  "the first item has several words of its own in it",
  "another item with words nobody else uses here",
];
writeFileSync(
  join(dir, "own.bin"),
  buildItemIndex([{ name: "s", items }], [], "the provider's secret").index.encode(),
);
process.env.DISTILLGUARD_ITEMSETS = join(dir, "own.bin");
process.env.DISTILLGUARD_ITEMSET_KEY = "not the secret";

describe("analyze with a provider's own item index", () => {
  it("exits 2 with one line naming the variables when the key does not open it", async () => {
    const log = join(dir, "exchanges.jsonl");
    writeFileSync(
      log,
      `${JSON.stringify({
        id: "x1",
        ts: "2026-02-02T10:00:00Z",
        account_id: "a",
        request: { model: "m", messages: [{ role: "user", content: "hi" }] },
        response: { type: "message", content: [{ type: "text", text: "ok" }] },
      })}\n`,
    );
    const t = captureIo();
    expect(await main(["analyze", log, "--out", join(dir, "v")], t.io)).toBe(2);
    const err = t.text().stderr.trim();
    expect(err).toContain("another key");
    expect(err).toContain("DISTILLGUARD_ITEMSET_KEY");
    expect(err).not.toContain("the provider's secret");
    expect(err).not.toContain("not the secret");
    expect(err.split("\n")).toHaveLength(1);
  });
});
