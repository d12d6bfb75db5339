import { describe, expect, it } from "vitest";
import { DecisionLog } from "./decision-log.js";

const throttle = { action: "throttle", rule: "metered", reasons: ["risk 0.8"] };
const block = { action: "block", rule: "campaign", reasons: ["campaign c1"] };
const allow = { action: "allow", rule: "default", reasons: [] };

describe("DecisionLog", () => {
  it("logs an account's decision when it changes, with the repeats it left out", () => {
    const log = new DecisionLog();
    expect(log.note("a", throttle, true)).toMatchObject({
      account_id: "a",
      action: "throttle",
      repeats_before: 0,
    });
    expect(log.note("a", throttle, true)).toBeUndefined();
    expect(log.note("a", throttle, true)).toBeUndefined();
    // another account is its own
    expect(log.note("b", throttle, true)).toMatchObject({ account_id: "b" });
    // a new action, or the same one not acted on (dry run), is a change
    expect(log.note("a", block, true)).toMatchObject({ action: "block", repeats_before: 2 });
    expect(log.note("a", block, false)).toMatchObject({ action: "block", acted: false, repeats_before: 0 });
  });

  it("never logs allow, and logs again after an account went back to it", () => {
    const log = new DecisionLog();
    expect(log.note("a", allow, true)).toBeUndefined();
    expect(log.note("a", block, true)).toBeDefined();
    expect(log.note("a", allow, true)).toBeUndefined();
    expect(log.note("a", block, true)).toMatchObject({ repeats_before: 0 });
  });

  it("stays bounded: past its capacity it forgets and logs afresh", () => {
    const log = new DecisionLog(2);
    log.note("a", block, true);
    log.note("b", block, true);
    expect(log.note("a", block, true)).toBeUndefined();
    expect(log.note("c", block, true)).toBeDefined(); // starts afresh
    expect(log.note("a", block, true)).toBeDefined();
  });
});
