// The removers an attacker who read this repository would run, and what they cost.
import { describe, expect, it } from "vitest";
import { wordnet } from "./lexicon.js";
import {
  chain,
  pairOrderRemover,
  publicGroupsRemover,
  removerCost,
  structuralRemover,
  universeRemover,
  wordnetRemover,
} from "./removers.js";
import { deriveKey, occurrencesOf, watermarkText } from "./watermark.js";

const CODE = '```js\nconst x = "don\'t"; // usually, cats and dogs\n```';

describe("watermark removers", () => {
  it("(a) writes every public-group member as its group's first, keeping case, code untouched", () => {
    const a = publicGroupsRemover();
    expect(a("Moreover, it is frequently vital to select rapidly.")).toBe(
      "Additionally, it is often essential to choose quickly.",
    );
    expect(a("It does not matter. FREQUENTLY so.")).toBe("It doesn't matter. OFTEN so.");
    expect(a(CODE)).toBe(CODE);
  });

  it("(c) expands contractions, writes bullets '-', drops serial commas, normalises numbers and quotes", () => {
    const c = structuralRemover();
    expect(c("We can't go, they're late and I'm sure it won't work.")).toBe(
      "We cannot go, they are late and I am sure it will not work.",
    );
    expect(c("* one\n+ two\n1) three")).toBe("- one\n- two\n1. three");
    expect(c("red, green, and blue cost 1,000,000 or 50 percent \u201cmore\u201d")).toBe(
      'red, green and blue cost 1000000 or 50% "more"',
    );
    expect(c(CODE)).toBe(CODE);
  });

  it("(e) puts word pairs in alphabetical order", () => {
    expect(pairOrderRemover()("both tables and chairs, dogs or cats")).toBe(
      "both chairs and tables, cats or dogs",
    );
  });

  it.skipIf(!wordnet())(
    "(b) and (b') take the lexical channel away: no carrier keeps its marked choice",
    () => {
      const wn = wordnet();
      if (!wn) return;
      const key = deriveKey("remover-test-secret", "c", "w");
      const other = deriveKey("remover-test-secret", "d", "w");
      // prose dense with carriers, marked with two keys: after the remover they read the same
      const words = wn.universe.slice(0, 200).map((g) => g.members[1] as string);
      const text = words.map((w, i) => `The zz${String.fromCharCode(97 + (i % 26))} ${w} here.`).join(" ");
      for (const remove of [wordnetRemover(wn.facts), universeRemover(wn.universe)]) {
        const a = remove(watermarkText(text, key).text);
        const b = remove(watermarkText(text, other).text);
        const lexical = (t: string) =>
          occurrencesOf(t, key)
            .filter((o) => o.group.startsWith("w:"))
            .map((o) => `${o.group}/${o.member}`);
        expect(lexical(a)).toEqual(lexical(b));
      }
      // the WordNet-wide remover rewrites far more than the carriers
      const cost = removerCost(
        ["The vehicle was quick and the journey was enormous fun for everyone."],
        chain(wordnetRemover(wn.facts)),
      );
      expect(cost.words).toBe(12);
      expect(cost.words_changed_share).toBeGreaterThan(0);
    },
  );

  it("measures a remover's cost as the share of words it changed", () => {
    const r = removerCost(["one two three four", "a b c d"], (t) => t.replace("two", "2"), 5);
    expect(r.words).toBe(8);
    expect(r.words_changed_share).toBeCloseTo(1 / 8, 9);
    // words removed count as changed (a longest common subsequence, when lengths differ)
    expect(
      removerCost(["we do not go"], (t) => t.replace("do not", "don't")).words_changed_share,
    ).toBeCloseTo(0.5, 9);
  });
});
