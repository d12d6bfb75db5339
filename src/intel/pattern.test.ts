// The STIX 2.1 pattern grammar.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PatternError, parsePattern, patternString } from "./pattern.js";

describe("STIX patterns", () => {
  it("parses the forms of the specification and reads their comparisons", () => {
    expect(parsePattern("[ipv4-addr:value = '198.51.100.1']")).toEqual([
      { objectType: "ipv4-addr", path: "value", operator: "=", negated: false, value: "198.51.100.1" },
    ]);
    for (const p of [
      "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
      "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'x\\'y']",
      "[file:hashes.'SHA-256' = 'aec0' OR file:hashes.MD5 = 'cead'] AND [domain-name:value LIKE '%.example']",
      "([ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '5.6.7.8']) WITHIN 300 SECONDS",
      "[autonomous-system:number = 64512] REPEATS 5 TIMES",
      "[x-custom-thing:values[*].name NOT IN ('a', 'b')]",
      "[file:size > 1024 AND file:created >= t'2026-01-01T00:00:00Z'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00.5Z'",
      "[email-message:from_ref.value MATCHES '^evil@']",
      "[artifact:payload_bin = b'aGVsbG8=' AND artifact:hashes.MD5 = h'0a1b']",
      "[(user-account:is_privileged = true)]",
      "[EXISTS file:name]",
    ])
      expect(() => parsePattern(p), p).not.toThrow();
  });

  it("rejects what the grammar does not allow, saying where", () => {
    for (const p of [
      "",
      "ipv4-addr:value = '1.2.3.4'",
      "[ipv4-addr:value = '1.2.3.4'",
      "[ipv4-addr:value == '1.2.3.4']",
      "[ipv4-addr value = '1']",
      "[ipv4-addr:value = 'unterminated]",
      "[ipv4-addr:value = '\\n']",
      "[file:size > 1] WITHIN -5 SECONDS",
      "[file:created = t'yesterday']",
      "[a:b = 1]",
      "[ipv4-addr:value LIKE 5]",
      `${"(".repeat(200)}[ipv4-addr:value = '1']${")".repeat(200)}`,
      "[ipv4-addr:value = '1'] extra",
    ])
      expect(() => parsePattern(p), p).toThrow(PatternError);
  });

  it("quotes any string so that it parses back to itself, and never throws anything but PatternError (fuzz)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const [c] = parsePattern(
          `[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = ${patternString(s)}]`,
        );
        expect(c?.value).toBe(s);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          parsePattern(s);
        } catch (err) {
          expect(err).toBeInstanceOf(PatternError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
