// The test for a watermarked model: calibrated against random keys, it finds the key a
// text was marked with and accuses wrong keys at about the nominal rate.
import { describe, expect, it } from "vitest";
import { keyedHash32 } from "./_prf.js";
import { rng } from "./ngram.js";
import {
  combineChannels,
  erfc,
  isGreenToken,
  Reference,
  testModel,
  testTokenWatermark,
  zOfTail,
} from "./verify.js";
import { carriersFor, deriveKey, KeyedChoice, occurrencesOf, watermarkText } from "./watermark.js";

const KEY = deriveKey("secret", "campaign:C001", "2026-W48");

/** Synthetic prose: sentences with a carrier word after one of many previous words, natural choices skewed. */
function corpus(n: number, seed: number): string[] {
  const r = rng(seed);
  // the secret's carriers, derived here as the provider derives them (no list in the repository)
  const groups = (carriersFor(KEY.carriers)?.groups ?? []).map((g, i) => ({ g, i }));
  const prevs = Array.from(
    { length: 60 },
    (_, i) => `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`,
  );
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const { g } = groups[Math.floor(r() * groups.length)] as (typeof groups)[number];
    // skewed: the first member most of the time
    const m = r() < 0.7 ? 0 : 1 + Math.floor(r() * (g.members.length - 1));
    const prev = prevs[Math.floor(r() * prevs.length)] as string;
    out.push(`The ${prev} ${g.members[m]} matters here.`);
  }
  return out;
}

describe("verify-model's statistic", () => {
  it("computes the complementary error function into the far tail", () => {
    expect(erfc(0)).toBeCloseTo(1, 6);
    expect(erfc(1)).toBeCloseTo(0.157299207, 6);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 5);
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 5);
    expect(erfc(-1)).toBeCloseTo(1.842700793, 6);
  });

  it("finds the key marked text was written with, and not another", () => {
    const key = KEY;
    const other = deriveKey("secret", "campaign:C002", "2026-W48");
    const choice = new KeyedChoice(key);
    const marked = corpus(3000, 1).map((t) => watermarkText(t, choice, 1).text);
    const ref = new Reference().add(corpus(3000, 2).flatMap((t) => occurrencesOf(t, key)));
    const t = testModel(
      marked.flatMap((x) => occurrencesOf(x, key)),
      [key, other],
      { randomKeys: 200, reference: ref },
    );
    expect(t.occurrences).toBe(3000);
    const [mine, theirs] = t.results as [(typeof t.results)[0], (typeof t.results)[0]];
    expect(mine.p_value).toBeLessThan(1e-6);
    expect(mine.p_empirical).toBeCloseTo(1 / 201, 6);
    expect(theirs.p_value).toBeGreaterThan(1e-3);
  });

  it("accuses wrong keys of unmarked text at about the nominal rate", () => {
    const plain = corpus(3000, 3).flatMap((t) => occurrencesOf(t, KEY));
    const wrong = Array.from({ length: 200 }, (_, i) => deriveKey("other", "x", String(i)));
    const t = testModel(plain, wrong, { randomKeys: 300 });
    const fpr = t.results.filter((r) => r.p_value < 0.05).length / wrong.length;
    // nominal 5%; 200 keys: a binomial spread of about ±3 points
    expect(fpr).toBeGreaterThan(0.01);
    expect(fpr).toBeLessThan(0.1);
    expect(Math.abs(t.null.channels.w?.mean ?? 99)).toBeLessThan(1);
  });

  it("combines channels by the strongest Stouffer sum over their subsets, corrected for their number, and gives z equivalents", () => {
    const tail = (z: number): number => 0.5 * erfc(z / Math.SQRT2);
    expect(combineChannels([]).p).toBe(1);
    expect(combineChannels([3]).p).toBeCloseTo(tail(3), 12);
    // one channel carries the mark: its own z, corrected for the 15 subsets of four channels
    const one = combineChannels([6, -1, 0.5, -2]);
    expect(one.best).toBe(6);
    expect(one.p / (15 * tail(6))).toBeCloseTo(1, 6);
    // two carry it: their evidence adds
    const two = combineChannels([5, 5, 0, -1]);
    expect(two.best).toBeCloseTo(10 / Math.SQRT2, 12);
    expect(two.p).toBeLessThan(combineChannels([5, 0, 0, -1]).p * 1e-4);
    expect(combineChannels([-3, -2]).p).toBeGreaterThan(0.99);
    expect(combineChannels([-3, -2]).p).toBeLessThan(1);
    // under the null (independent standard normal channels) the p-value is not too small
    const random = rng(7);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let below = 0;
    const draws = 20_000;
    for (let i = 0; i < draws; i++)
      if (combineChannels([normal(), normal(), normal(), normal()]).p < 0.01) below++;
    expect(below / draws).toBeLessThanOrEqual(0.01);
    expect(below / draws).toBeGreaterThan(0.004);
    for (const z of [-1, 0, 1.5, 4, 10, 20]) expect(zOfTail(tail(z))).toBeCloseTo(z, 4);
  });

  it("has a keyed hash that spreads choices evenly and depends on the key", () => {
    const counts = [0, 0, 0];
    let differ = 0;
    for (let i = 0; i < 30_000; i++) {
      const h = keyedHash32(1, 2, `ctx${i}`);
      counts[h % 3] = (counts[h % 3] as number) + 1;
      if (h !== keyedHash32(1, 3, `ctx${i}`)) differ++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(differ).toBeGreaterThan(29_990);
  });
});

describe("token-level watermark test (self-hosted upstreams)", () => {
  it("detects text sampled with a green-list bias under the key, and not under another", () => {
    const key = deriveKey("secret", "vllm", "2026-W48");
    const r = rng(11);
    const vocab = 500;
    // a model that, as a logits processor would make it, prefers green tokens (δ ≈ 2: green 3x as likely)
    const sequences: number[][] = [];
    for (let s = 0; s < 40; s++) {
      const seq = [Math.floor(r() * vocab)];
      for (let i = 0; i < 100; i++) {
        const prev = seq[seq.length - 1] as number;
        let t = Math.floor(r() * vocab);
        for (let tries = 0; tries < 2 && !isGreenToken(key, prev, t, 0.25); tries++)
          t = Math.floor(r() * vocab);
        seq.push(t);
      }
      sequences.push(seq);
    }
    const t = testTokenWatermark(sequences, [key, deriveKey("secret", "vllm", "2026-W47")], {
      randomKeys: 200,
    });
    expect(t.results[0]?.p_value).toBeLessThan(1e-6);
    expect(t.results[1]?.p_value).toBeGreaterThan(1e-3);
  });
});
