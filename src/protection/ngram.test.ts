// The experiment's n-gram students.
import { describe, expect, it } from "vitest";
import { detokenize, EOS, NGramModel, rng, tokenize } from "./ngram.js";

describe("n-gram students", () => {
  it("tokenizes words, numbers, punctuation and line breaks, and joins them back", () => {
    const text = "Don't worry, it costs 5 dollars (roughly).\nHowever, you can't pay.";
    const toks = tokenize(text);
    expect(toks).toContain("Don't");
    expect(toks).toContain("\n");
    expect(detokenize(toks)).toBe(text);
  });

  it("writes only continuations it saw (order 3), backing off to shorter contexts, repeatably", () => {
    const m = new NGramModel(3);
    m.add(tokenize("the cat sat on the mat"));
    m.add(tokenize("the cat ran to the door"));
    const r = rng(4);
    for (let i = 0; i < 50; i++) {
      const next = m.sampleNext(tokenize("the cat"), r);
      expect(["sat", "ran"]).toContain(next);
    }
    expect(m.sampleNext(tokenize("on the"), r)).toBe("mat");
    // unseen context: back off to the last word, then to any word
    expect(["cat", "mat", "door"]).toContain(m.sampleNext(tokenize("under the"), r));
    expect(m.sampleNext(tokenize("door"), r)).toBe(EOS);
    const a = m.sample([], 20, rng(9));
    expect(m.sample([], 20, rng(9))).toEqual(a);
    expect(() => new NGramModel(0)).toThrow();
  });
});
