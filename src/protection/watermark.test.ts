// The watermark: keyed choices in prose on every channel, nothing else touched, the same
// bytes however the text arrives, and each channel found with its key and not another.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wordnet } from "./lexicon.js";
import { rng } from "./ngram.js";
import { Reference, testModel } from "./verify.js";
import {
  carriersFor,
  deriveKey,
  isoWeek,
  KeyedChoice,
  occurrencesOf,
  Watermarker,
  watermarkText,
} from "./watermark.js";

const KEY = deriveKey("secret", "cohort-a", "2026-W48");
const OTHER = deriveKey("secret", "cohort-b", "2026-W48");

const SAMPLE = `However, you don't need a large budget. Additionally, it is essential to choose carefully.
Usually the entire process is simple, and we're often done quickly.

\`\`\`python
# don't change this: usually it's code
def choose(x): return x  # additionally
\`\`\`

Run \`don't usually\` inline, or read "we don't usually do this" as a quote.
See https://example.com/usually/additionally for details; 3 essential items cost $5.
    indented code: usually essential
| table | usually |
> a quote: don't usually
For example, I'm sure you can't miss it. Finally, it's done, and they aren't late.
We sell tables and chairs, cats or dogs, and bread and butter to friends and neighbours.
- apples are here
- pears are there
* never mind

They didn't know; you'll see it and we won't go there.`;

function streamed(text: string, cuts: number[], key = KEY, maxShare = 1): string {
  const w = new Watermarker(new KeyedChoice(key), false, undefined, maxShare);
  let out = "";
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    out += w.push(text.slice(at, c));
    at = c;
  }
  return out + w.push(text.slice(at)) + w.end();
}

describe("lexical watermark", () => {
  it("marks prose with the key's choices and leaves code, quotes, URLs, numbers, tables and block quotes alone", () => {
    // every position marked (maxShare 1): the share cap has a test of its own
    const { text, stats } = watermarkText(SAMPLE, KEY, 1);
    expect(stats.candidates).toBeGreaterThan(12);
    expect(stats.changed).toBeGreaterThan(0);
    const lines = SAMPLE.split("\n");
    const out = text.split("\n");
    expect(out).toHaveLength(lines.length);
    for (const [i, line] of lines.entries())
      if (/^(```|#|def|\s{4}|\||>)/.test(line)) expect(out[i]).toBe(line);
    expect(text).toContain("`don't usually`");
    expect(text).toContain('"we don\'t usually do this"');
    expect(text).toContain("https://example.com/usually/additionally");
    // every member occurrence in the output is the key's choice for its previous word
    const choice = new KeyedChoice(KEY);
    const occ = occurrencesOf(text, KEY);
    expect(occ.length).toBe(stats.candidates);
    for (const o of occ) expect(o.member).toBe(choice.pick(o.group, o.prev, o.n));
    // every channel is read: contractions, word pairs, list markers
    const channels = new Set(occ.map((o) => o.group.slice(0, 2)));
    for (const c of ["c:", "b:", "l:"]) expect(channels).toContain(c);
  });

  it("is keyed: another key makes other choices, and marking twice changes nothing more", () => {
    const a = watermarkText(SAMPLE, KEY, 1).text;
    const b = watermarkText(SAMPLE, OTHER, 1).text;
    expect(a).not.toBe(b);
    expect(watermarkText(a, KEY, 1).text).toBe(a);
  });

  it("keeps case and the apostrophe's style", () => {
    const found = (t: string): string => watermarkText(t, KEY).text;
    for (const t of ["Don\u2019t go.", "DON'T GO.", "Usually fine.", "I'm here."]) {
      const out = found(t);
      expect(out[0] === out[0]?.toUpperCase()).toBe(true);
      if (t.includes("\u2019")) expect(out).not.toContain("'");
      if (t === "DON'T GO.") expect(out).toBe(out.toUpperCase());
    }
  });

  it("leaves JSON answers untouched, and words joined to digits or symbols", () => {
    const json = '{"answer": "usually", "note": "don\'t"}';
    expect(watermarkText(json, KEY).text).toBe(json);
    const odd = "usually2 x-usually usually_x usually@x.y usually/often";
    expect(watermarkText(odd, KEY).text).toBe(odd);
  });

  it("gives the same bytes streamed in any pieces as in one piece", () => {
    const whole = watermarkText(SAMPLE, KEY, 1).text;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: SAMPLE.length }), { maxLength: 40 }), (cuts) => {
        expect(streamed(SAMPLE, cuts)).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws and keeps any text's code and line structure (fuzz)", () => {
    const words = [
      ...(carriersFor(KEY.carriers)?.groups ?? []).slice(0, 40).flatMap((g) => g.members),
      "don't",
      "do",
      "not",
      "and",
      "or",
      "tables",
      "chairs",
      "-",
      "*",
      "the",
      "a",
      "an",
      "x",
      "```",
      "`",
      '"',
      "\n",
      ", ",
      ". ",
      "  ",
      "    ",
    ];
    const text = fc
      .array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 6 })), { maxLength: 60 })
      .map((p) => p.join(" "));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 8 }), (t, cuts) => {
        const whole = watermarkText(t, KEY, 1).text;
        expect(whole.split("\n").length).toBe(t.split("\n").length);
        expect(
          streamed(
            t,
            cuts.map((c) => c % (t.length + 1)),
          ),
        ).toBe(whole);
        // fenced code survives byte for byte
        const fences = (s: string): string[] => s.match(/```[\s\S]*?```/g) ?? [];
        if (!t.trimStart().startsWith("{") && !t.trimStart().startsWith("["))
          expect(fences(whole).length).toBe(fences(t).length);
      }),
      { numRuns: 300 },
    );
  });

  it("with a bound (3% here), changes at most that share of an answer's words however it ends, streamed or not", () => {
    const long = Array.from({ length: 12 }, () => SAMPLE.split("\n").slice(0, 2).join(" ")).join(" ");
    const all = watermarkText(long, KEY, 1);
    const capped = watermarkText(long, KEY, 0.03);
    expect(all.stats.changed / all.stats.words).toBeGreaterThan(0.03);
    expect(capped.stats.changed).toBeGreaterThan(0);
    expect(capped.stats.changed / capped.stats.words).toBeLessThanOrEqual(0.03);
    // an answer cut anywhere is an answer of its own: it keeps to the share too
    for (let n = 20; n < long.length; n += 97) {
      const prefix = watermarkText(long.slice(0, n), KEY, 0.03).stats;
      expect(prefix.changed).toBeLessThanOrEqual(0.03 * prefix.words);
    }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: long.length }), { maxLength: 20 }), (cuts) => {
        expect(streamed(long, cuts, KEY, 0.03)).toBe(capped.text);
      }),
      { numRuns: 200 },
    );
    // a short answer is left as it is
    expect(watermarkText("I don't know, and we're often late.", KEY, 0.03).text).toBe(
      "I don't know, and we're often late.",
    );
  });

  it("under a bound, marks an answer's first words once enough words are known to follow", () => {
    const opening = "We do not know. They do not care. You do not see. It is not so.";
    // short words that are neither carriers (four letters or more) nor contraction forms
    const filler = Array.from({ length: 30 }, () => "so on to the top").join(" ");
    // four contraction positions in a 16-word answer: 3% of it allows none
    expect(watermarkText(opening, KEY, 0.03).text).toBe(opening);
    // the same opening before 150 more words: the bound allows four changed words ("do not"
    // written "don't" is two), and the reader
    // ahead knows those words follow when it reaches the opening; wherever a key's own
    // choice differs from the opening, the bounded mark changes the opening too
    const text = `${opening} ${filler}.`;
    let differ = 0;
    for (let i = 0; i < 8; i++) {
      const key = deriveKey("secret", `cohort-${i}`, "2026-W48");
      const free = watermarkText(text, key, 1).text.startsWith(opening);
      const bounded = watermarkText(text, key, 0.03);
      expect(bounded.stats.changed / bounded.stats.words).toBeLessThanOrEqual(0.03);
      if (!free) {
        differ++;
        expect(bounded.text.startsWith(opening)).toBe(false);
      }
    }
    expect(differ).toBeGreaterThan(0);
    const marked = watermarkText(text, KEY, 0.03);
    expect(marked.stats.words).toBe(166);
    // streamed in pieces, the same bytes
    const w = new Watermarker(new KeyedChoice(KEY), false, undefined, 0.03);
    let out = "";
    for (let i = 0; i < text.length; i += 7) out += w.push(text.slice(i, i + 7));
    expect(out + w.end()).toBe(marked.text);
  });

  it("names ISO weeks", () => {
    expect(isoWeek(Date.UTC(2026, 10, 27))).toBe("2026-W48");
    expect(isoWeek(Date.UTC(2021, 0, 3))).toBe("2020-W53");
    expect(isoWeek(Date.UTC(2024, 11, 30))).toBe("2025-W01");
  });
});

describe("each channel on its own: found with its key, not with another", () => {
  const wn = wordnet();
  const letter = (i: number): string => String.fromCharCode(97 + (i % 26));
  const prevs = Array.from({ length: 80 }, (_, i) => `zq${letter(i)}${letter(Math.floor(i / 26))}`);
  const nouns = (wn?.universe ?? [])
    .filter((g) => g.pos === "n" && !g.id.endsWith(":pl"))
    .map((g) => g.members[0] as string)
    .slice(0, 120);
  /** texts that exercise one channel, natural choices skewed */
  const corpora: Record<string, (r: () => number) => string> = {
    c: (r) => {
      const [short, long] = [
        ["don't", "do not"],
        ["isn't", "is not"],
        ["can't", "cannot"],
        ["we're", "we are"],
        ["you'll", "you will"],
      ][Math.floor(r() * 5)] as [string, string];
      return `The ${prevs[Math.floor(r() * prevs.length)]} ${r() < 0.7 ? short : long} matter here.`;
    },
    b: (r) => {
      const x = nouns[Math.floor(r() * nouns.length)] as string;
      const y = nouns[Math.floor(r() * nouns.length)] as string;
      return `We saw ${x} and ${y} there.`;
    },
    l: (r) =>
      `Notes:\n${r() < 0.7 ? "-" : "*"} ${prevs[Math.floor(r() * prevs.length)]} first\n${r() < 0.5 ? "-" : "*"} second item\n\nThe end.`,
  };
  for (const [channel, make] of Object.entries(corpora))
    it.skipIf(!wn)(`${channel}: keyed choices, detected with the key, not with another`, () => {
      const r = rng(7);
      const marked = Array.from({ length: 2500 }, () => watermarkText(make(r), KEY, 1).text);
      const plain = Array.from({ length: 2500 }, () => make(r));
      const occ = marked
        .flatMap((t) => occurrencesOf(t, KEY))
        .filter((o) => o.group.startsWith(`${channel}:`));
      expect(occ.length).toBeGreaterThan(1000);
      const choice = new KeyedChoice(KEY);
      for (const o of occ) expect(o.member).toBe(choice.pick(o.group, o.prev, o.n));
      const ref = new Reference().add(plain.flatMap((t) => occurrencesOf(t, KEY)));
      const t = testModel(occ, [KEY, OTHER], { randomKeys: 200, reference: ref });
      expect(t.results[0]?.p_value).toBeLessThan(1e-6);
      expect(t.results[1]?.p_value).toBeGreaterThan(1e-3);
    });
});
