import { describe, expect, it } from "vitest";
import { parseRfc3339, toRfc3339 } from "./time.js";

describe("parseRfc3339", () => {
  it.each([
    ["2026-02-01T10:00:00Z", Date.UTC(2026, 1, 1, 10)],
    ["2026-02-01T10:00:00.250Z", Date.UTC(2026, 1, 1, 10, 0, 0, 250)],
    ["2026-02-01T12:30:00+02:30", Date.UTC(2026, 1, 1, 10)],
    ["2026-02-01 10:00:00-01:00", Date.UTC(2026, 1, 1, 11)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
  ])("parses %s", (s, ms) => expect(parseRfc3339(s)).toBe(ms));

  it.each(["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-01", "2026-02-01T10:00:00", "nope", ""])(
    "rejects %s",
    (s) => expect(parseRfc3339(s)).toBeUndefined(),
  );

  it("round-trips toRfc3339", () => {
    const ms = Date.UTC(2026, 5, 3, 4, 5, 6, 789);
    expect(parseRfc3339(toRfc3339(ms))).toBe(ms);
  });
});
