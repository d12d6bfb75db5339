// Answers sent in pairs (issue 18): preference data is the same problem with two candidate
// final answers, graded or explained one after the other. A tutor, a class, a developer and an
// evaluation that fills one template with many numbers must not read as pairs.
import { describe, expect, it } from "vitest";
import { PAIR_MAX } from "../profiles/index.js";
import { acct, type Ex, H, opts, profileOf, T0 } from "./_test-helpers.js";
import { FEATURES } from "./features.js";

const feature = (name: string, exs: Ex[]): number => {
  const f = FEATURES.find((x) => x.name === name);
  if (!f) throw new Error(`no feature ${name}`);
  return f.value(profileOf(acct(exs[0]?.account ?? "a"), exs), opts);
};

const NOUNS = ["apples", "pencils", "marbles", "stickers", "tickets", "cookies", "books", "shells"];
/** a name of letters only, one per i: each problem's words differ, not only its numbers */
const name = (i: number): string =>
  `${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}la`;
const problem = (i: number): string =>
  `${name(i)} has ${i + 7} ${NOUNS[i % NOUNS.length]} and buys ${i + 3} more packs with ${i % 5} each, then gives away half of what she has.`;

describe("answer pairs", () => {
  it("counts the second answer of each pair, not templates filled with many numbers", () => {
    const pairs: Ex[] = [];
    for (let i = 0; i < 30; i++)
      for (const a of [i * 3 + 11, i * 3 + 12])
        pairs.push({
          account: "pairs",
          ts: T0 + (pairs.length + 1) * 0.1 * H,
          prompt: `${problem(i)} The answer given is ${a}. Rate the answer from 1 to 10.`,
        });
    const p = profileOf(acct("pairs"), pairs);
    // each problem's words differ (its nouns and labels), so each is a stem of its own
    expect(p.stems.size).toBeGreaterThan(20);
    expect(p.answerPairs).toBeGreaterThanOrEqual(20);
    expect(feature("answer_pairs", pairs)).toBeGreaterThan(0.7);

    // one template filled with many numbers (a generated arithmetic set, an evaluation of
    // number variants): its pairs are taken back at the (PAIR_MAX + 1)-th prompt
    const filled: Ex[] = [];
    for (let i = 0; i < 60; i++)
      filled.push({
        account: "filled",
        ts: T0 + i * 0.05 * H,
        prompt: `Compute the value of ${i} multiplied by ${i + 17}, then add ${2 * i}, and give only the final number.`,
      });
    expect(profileOf(acct("filled"), filled).answerPairs).toBe(0);
    expect(feature("answer_pairs", filled)).toBe(0);
    expect(PAIR_MAX).toBeGreaterThanOrEqual(2);
  });

  it("leaves a person's questions with numbers, a saved prompt re-used weekly, and re-sent prompts alone", () => {
    const person: Ex[] = [];
    const TOPICS = [
      "meals",
      "a garden bed",
      "a bike tour",
      "the budget",
      "a reading list",
      "a move",
      "a party",
      "a course",
    ];
    for (let i = 0; i < 40; i++) {
      const prompt = `Can you help me plan ${TOPICS[i % TOPICS.length]} for ${name(i)}? We are ${2 + (i % 3)} people, have ${10 * i + 5} dollars and ${i % 4} free evenings.`;
      person.push({ account: "person", ts: T0 + i * 20 * H, prompt });
      // the same prompt re-sent is not a pair (only distinct prompts count)
      if (i % 4 === 0) person.push({ account: "person", ts: T0 + i * 20 * H + 60_000, prompt });
    }
    // a saved prompt with the week changed, every week: a family of prompts, not pairs
    for (let w = 1; w <= 10; w++)
      person.push({
        account: "person",
        ts: T0 + w * 7 * 24 * H + 3_600_000,
        prompt: `Make me a shopping list for week ${w} of my meal plan: vegetarian, two adults, one child, nothing with nuts.`,
      });
    const p = profileOf(
      acct("person"),
      person.sort((a, b) => a.ts - b.ts),
    );
    expect(p.answerPairs).toBe(0);
    expect(feature("answer_pairs", person)).toBe(0);
  });
});
