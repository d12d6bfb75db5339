// No line, however malformed, crashes or hangs the reader or the normaliser.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exchangeLine, readAll, tempFile } from "./_test-helpers.js";
import { normaliseExchange } from "./normalise.js";
import { checkers } from "./read.js";

const deepNesting = fc.integer({ min: 1, max: 50_000 }).map((n) => "[".repeat(n) + "]".repeat(n));
const deepObject = fc.integer({ min: 1, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`);
const hugeString = fc
  .integer({ min: 10_000, max: 300_000 })
  .map((n) => JSON.stringify({ id: "x".repeat(n) }));
const randomBytes = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString("latin1"));
const jsonValue = fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v));
// plausible exchanges with arbitrary values in every slot, including the request body
const wrongTypes = fc
  .record({
    id: fc.anything(),
    ts: fc.oneof(fc.constant("2026-02-01T00:00:00Z"), fc.anything()),
    account_id: fc.oneof(fc.constant("a"), fc.anything()),
    request: fc.oneof(
      fc.anything(),
      fc.record({
        messages: fc.oneof(
          fc.anything(),
          fc.array(fc.record({ role: fc.anything(), content: fc.anything() })),
        ),
        system: fc.anything(),
        tools: fc.anything(),
        thinking: fc.anything(),
        max_tokens: fc.anything(),
      }),
    ),
    response: fc.anything(),
    client: fc.anything(),
    status: fc.anything(),
    api: fc.oneof(fc.constantFrom("anthropic.messages", "openai.chat"), fc.anything()),
  })
  .map((o) => {
    try {
      return JSON.stringify(o) ?? "null";
    } catch {
      return "{}";
    }
  });

const anyLine = fc.oneof(randomBytes, jsonValue, wrongTypes, deepNesting, deepObject, hugeString);

describe("reader fuzz", () => {
  it("reads every good line and reports every other line, whatever surrounds them", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyLine, { maxLength: 8 }), async (junk) => {
        const good = exchangeLine({ id: "good" });
        const body = [good, ...junk.map((j) => j.replace(/\n/g, " ")), good].join("\n");
        const { rows, issues } = await readAll(tempFile("f.jsonl", body), checkers.exchange, 200_000);
        for (const r of rows) normaliseExchange(r.value, r.tsMs ?? 0);
        expect(rows.filter((r) => r.value.id === "good").length).toBeGreaterThanOrEqual(2);
        expect(rows[0]?.line).toBe(1);
        // every non-empty line is either read or reported
        const nonEmpty = body.split("\n").filter((l) => l.length > 0 && l !== "\r").length;
        const skipped = issues.filter((i) => i.skipped).length;
        expect(rows.length + skipped).toBe(nonEmpty);
      }),
      { numRuns: 150 },
    );
  });

  it("normalises arbitrary request and response bodies without throwing", () => {
    fc.assert(
      fc.property(fc.object({ maxDepth: 5, withNullPrototype: true }), fc.anything(), (request, response) => {
        const v = normaliseExchange(
          { id: "x", ts: "2026-02-01T00:00:00Z", account_id: "a", request, response: response as null },
          0,
        );
        expect(typeof v.system).toBe("string");
      }),
      { numRuns: 500 },
    );
  });
});
