import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { answerStems, STEM_MIN_CHARS, STEM_NUMBERS } from "./answer-stem.js";

const GRADE = (a: string, km = "120") =>
  `Here is a question and a reply. Question: a train covers ${km} km in 1.5 hours; what is its average speed? Reply: the speed is ${a} km/h. How good is this reply, out of 10?`;
const GIVEN = (a: string) =>
  `The answer to the following problem is ${a}. Show every step that leads there. Problem: a farmer has 12 rows of 15 cabbages and sells 40 of them.`;
const shared = (a: readonly number[], b: readonly number[]): boolean => a.some((x) => b.includes(x));

describe("answer stems", () => {
  it("pairs prompts that differ only in one of their first or last few numbers", () => {
    // the answer just before a closing "out of 10"
    expect(shared(answerStems(GRADE("80")), answerStems(GRADE("75")))).toBe(true);
    // the answer last ("... Final answer: 42") or first ("the answer is 42. Explain ...")
    expect(shared(answerStems(GIVEN("140")), answerStems(GIVEN("150")))).toBe(true);
    expect(shared(answerStems(GIVEN("140")), answerStems(GIVEN("1,140.5")))).toBe(true);
    const lastTwo = (a: string) => `${GRADE("80")} The expected answer is ${a}.`;
    expect(shared(answerStems(lastTwo("80")), answerStems(lastTwo("75")))).toBe(true);
    // case and runs of white space do not matter
    expect(answerStems(GIVEN("140").toUpperCase().replaceAll(" ", "  "))).toEqual(answerStems(GIVEN("140")));
  });
  it("does not pair prompts whose words, or several numbers, differ", () => {
    expect(shared(answerStems(GIVEN("140")), answerStems(GIVEN("140").replace("farmer", "grower")))).toBe(
      false,
    );
    // a template filled with new numbers throughout is a new problem, not a second answer
    expect(shared(answerStems(GRADE("80", "120")), answerStems(GRADE("75", "100")))).toBe(false);
  });
  it("has none for short prompts or prompts without a digit", () => {
    expect(answerStems("what is 2 + 2?")).toEqual([]);
    expect(answerStems(`1${"x".repeat(STEM_MIN_CHARS - 2)}`)).toEqual([]);
    expect(
      answerStems(
        "Write a short poem about the sea and the wind over the harbour, in the style of a sailor's song.",
      ),
    ).toEqual([]);
  });
  it("is total, one to STEM_NUMBERS non-zero 32-bit stems for a long prompt with a digit (fuzzed)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: STEM_MIN_CHARS, maxLength: 300 }), fc.nat(9999), (s, n) => {
        const v = answerStems(`${s} ${n}`);
        return (
          v.length >= 1 &&
          v.length <= STEM_NUMBERS &&
          v.every((x) => Number.isInteger(x) && x > 0 && x < 2 ** 32)
        );
      }),
    );
  });
});
