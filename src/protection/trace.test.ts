// Reasoning-trace signatures and shielding.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SUMMARY_CHARS, shieldTrace, TraceSigner } from "./trace.js";

const signer = new TraceSigner("a protection secret of some length");
const ctx = { exchangeId: "gx_1", accountId: "acct_7", at: Date.UTC(2026, 10, 27, 9) };
const TRACE = "First I restate the problem. Then I work through three steps. Finally the answer is 3.";

describe("trace signatures", () => {
  it("verifies a trace as issued, says to whom and when, and notices any change", () => {
    const sig = signer.sign(TRACE, ctx, "full");
    expect(signer.verify(TRACE, sig, "acct_7")).toEqual({
      status: "valid",
      payload: { x: "gx_1", a: signer.accountTag("acct_7"), t: ctx.at / 1000, s: "full" },
      accountMatches: true,
    });
    expect(signer.verify(TRACE, sig, "acct_8")).toMatchObject({ status: "valid", accountMatches: false });
    expect(signer.verify(`${TRACE} `, sig).status).toBe("altered");
    expect(new TraceSigner("another secret").verify(TRACE, sig).status).toBe("altered");
    // a payload swapped for another exchange's does not verify
    const other = signer.sign(TRACE, { ...ctx, exchangeId: "gx_2" }, "full");
    const [p, , m] = sig.split(".") as [string, string, string];
    const forged = `${p}.${other.split(".")[1]}.${m}`;
    expect(signer.verify(TRACE, forged).status).toBe("altered");
    expect(signer.verify(TRACE, undefined).status).toBe("unsigned");
    expect(signer.verify(TRACE, "hello").status).toBe("malformed");
  });

  it("never throws on arbitrary signatures (fuzz)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (text, sig) => {
        const r = signer.verify(text, sig);
        expect(["valid", "altered", "unsigned", "malformed"]).toContain(r.status);
        expect(r.status).not.toBe("valid");
      }),
      { numRuns: 500 },
    );
  });
});

describe("shielding", () => {
  it("withholds a trace or keeps only a short summary of it", () => {
    const long = Array.from(
      { length: 80 },
      (_, i) => `Step ${i}: consider case ${i} carefully and derive the bound.`,
    ).join(" ");
    const s = shieldTrace(long, "summary");
    expect(s).toContain("[reasoning summarised by the provider: ");
    expect(s.length).toBeLessThan(SUMMARY_CHARS + 80);
    expect(s.startsWith("Step 0:")).toBe(true);
    expect(shieldTrace(long, "withheld")).toBe(
      `[reasoning withheld by the provider: ${long.split(" ").length} words]`,
    );
  });
});
