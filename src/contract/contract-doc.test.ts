// docs/contract.md is the contract a user reads, inside the repository: the shared
// specification word for word. When the shared copy is present, the two must agree.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const DOC = new URL("../../docs/contract.md", import.meta.url);
const SHARED = new URL("../../../shared/spec/traffic-log.md", import.meta.url);

describe("the contract document", () => {
  it("is in the repository and names the contract's version and files", () => {
    const doc = readFileSync(DOC, "utf8");
    expect(doc).toMatch(/^# Traffic log and verdict contract, version 1/);
    for (const file of ["exchanges.jsonl", "accounts.jsonl", "campaigns.json"]) expect(doc).toContain(file);
  });
  it.skipIf(!existsSync(SHARED))(
    "agrees word for word with the shared specification (needs ../shared/spec)",
    () => {
      expect(readFileSync(DOC, "utf8")).toBe(readFileSync(SHARED, "utf8"));
    },
  );
});
