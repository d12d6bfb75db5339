// The test for a model trained on marked outputs: does a suspect model's text prefer,
// after each previous word, the synonym our key picks, more than text not trained on
// our marks would?
//
// Statistic for a key K: over the contexts c = (group, previous word) in the samples,
//   z_K = Σ_c (n_c[g]/n_c − p_c(g)) / sqrt(Σ_c p_c(g)(1 − p_c(g))/n_c),  g = g_K(c)
// where n_c[m] counts member m in context c, g_K(c) is the member K picks, and p_c is
// the natural frequency of each member in that context: from a reference of unmarked
// text (the provider's own unprotected outputs) when given, smoothed toward the group's
// overall frequencies, else the samples' own group frequencies. Each context weighs the
// same whatever its count: a suspect that repeats one phrase a thousand times gives one
// context's worth of evidence, not a thousand (counting occurrences instead made the
// null's spread several times wider on probed samples, measured).
//
// Word choices are skewed and correlated, so z is not standard normal under the null.
// The null is calibrated instead: z is computed for many random keys on the same samples
// and a normal distribution fitted to them; a key's p-value is its upper tail under that
// fit (and, for reference, its rank among the random keys).
import { randomBytes } from "node:crypto";
import { at } from "../contract/index.js";
import { keyedHash32 } from "./_prf.js";
import { SYNONYM_GROUPS } from "./synonyms.js";
import { deriveKey, KeyedChoice, type Occurrence, type WatermarkKey } from "./watermark.js";

/** Natural member frequencies by context, from unmarked text. */
export class Reference {
  private readonly byContext = new Map<string, number[]>();
  private readonly byGroup: number[][] = SYNONYM_GROUPS.map((g) => g.members.map(() => 1));

  add(occurrences: Iterable<Occurrence>): this {
    for (const o of occurrences) {
      const k = `${o.group}\u0000${o.prev}`;
      let c = this.byContext.get(k);
      if (!c) {
        c = (SYNONYM_GROUPS[o.group]?.members ?? []).map(() => 0);
        this.byContext.set(k, c);
      }
      c[o.member] = (c[o.member] ?? 0) + 1;
      const g = at(this.byGroup, o.group);
      g[o.member] = (g[o.member] ?? 0) + 1;
    }
    return this;
  }

  /** Member frequencies in a context: its counts smoothed toward the group's (pseudo-count `alpha`). */
  frequencies(group: number, prev: string, alpha = 4): number[] {
    const g = at(this.byGroup, group);
    const gt = g.reduce((a, b) => a + b, 0);
    const c = this.byContext.get(`${group}\u0000${prev}`);
    const ct = c ? c.reduce((a, b) => a + b, 0) : 0;
    return g.map((gm, m) => ((c?.[m] ?? 0) + (alpha * gm) / gt) / (ct + alpha));
  }
}

/** The contexts of a sample of text, counted once, with their natural frequencies. */
export interface Contexts {
  readonly groups: Int32Array;
  readonly prevs: readonly string[];
  /** counts per member, for each context */
  readonly counts: readonly number[][];
  readonly freqs: readonly number[][];
  readonly occurrences: number;
}

export function contextsOf(occurrences: Iterable<Occurrence>, reference?: Reference): Contexts {
  const index = new Map<string, number>();
  const groups: number[] = [];
  const prevs: string[] = [];
  const counts: number[][] = [];
  let n = 0;
  const own = reference ? undefined : new Reference();
  for (const o of occurrences) {
    n++;
    const k = `${o.group}\u0000${o.prev}`;
    let i = index.get(k);
    if (i === undefined) {
      i = groups.length;
      index.set(k, i);
      groups.push(o.group);
      prevs.push(o.prev);
      counts.push((SYNONYM_GROUPS[o.group]?.members ?? []).map(() => 0));
    }
    const c = at(counts, i);
    c[o.member] = (c[o.member] ?? 0) + 1;
    own?.add([{ group: o.group, prev: "", member: o.member }]);
  }
  const freqs = groups.map((g, i) =>
    reference ? reference.frequencies(g, at(prevs, i)) : (own as Reference).frequencies(g, "\u0001"),
  );
  return { groups: Int32Array.from(groups), prevs, counts, freqs, occurrences: n };
}

/** z of one key on the samples' contexts. */
export function zScore(ctx: Contexts, choice: KeyedChoice): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ctx.groups.length; i++) {
    const g = choice.pick(at(ctx.groups, i), at(ctx.prevs, i));
    const c = at(ctx.counts, i);
    const p = at(at(ctx.freqs, i), g);
    const n = c.reduce((a, b) => a + b, 0);
    num += at(c, g) / n - p;
    den += (p * (1 - p)) / n;
  }
  return den > 0 ? num / Math.sqrt(den) : 0;
}

/** Complementary error function (Numerical Recipes' erfcc: relative error below 1.2e-7, also in the far tail). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of a normal distribution. */
export function normalTail(x: number, mean: number, sd: number): number {
  return 0.5 * erfc((x - mean) / (sd * Math.SQRT2));
}

export interface NullFit {
  readonly keys: number;
  readonly mean: number;
  readonly sd: number;
  /** the random keys' z values, sorted */
  readonly zs: readonly number[];
}

/** z for `count` random keys on the samples: the calibrated null. */
export function calibrateNull(ctx: Contexts, count: number, secret: Buffer = randomBytes(32)): NullFit {
  const zs: number[] = [];
  for (let i = 0; i < count; i++) zs.push(zScore(ctx, new KeyedChoice(deriveKey(secret, "null", String(i)))));
  zs.sort((a, b) => a - b);
  const mean = zs.reduce((a, b) => a + b, 0) / Math.max(1, zs.length);
  const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, zs.length - 1)) || 1;
  return { keys: count, mean, sd, zs };
}

export interface KeyResult {
  readonly key: string;
  readonly z: number;
  /** upper tail of the fitted null */
  readonly p_value: number;
  /** (1 + random keys scoring at least as high) / (1 + random keys) */
  readonly p_empirical: number;
}

export function testKey(ctx: Contexts, key: WatermarkKey, fit: NullFit): KeyResult {
  const z = zScore(ctx, new KeyedChoice(key));
  let above = 0;
  for (let i = fit.zs.length - 1; i >= 0 && at(fit.zs, i) >= z; i--) above++;
  return {
    key: key.id,
    z,
    p_value: normalTail(z, fit.mean, fit.sd),
    p_empirical: (1 + above) / (1 + fit.zs.length),
  };
}

export interface ModelTest {
  readonly occurrences: number;
  readonly contexts: number;
  readonly null: { readonly keys: number; readonly mean: number; readonly sd: number };
  readonly results: readonly KeyResult[];
}

/** Tests samples (their member occurrences) for each key, against a null of `randomKeys` random keys. */
export function testModel(
  occurrences: Iterable<Occurrence>,
  keys: readonly WatermarkKey[],
  opts: { randomKeys?: number; reference?: Reference } = {},
): ModelTest {
  const ctx = contextsOf(occurrences, opts.reference);
  const fit = calibrateNull(ctx, opts.randomKeys ?? 1000);
  return {
    occurrences: ctx.occurrences,
    contexts: ctx.groups.length,
    null: { keys: fit.keys, mean: fit.mean, sd: fit.sd },
    results: keys.map((k) => testKey(ctx, k, fit)),
  };
}

/**
 * Token-level watermarks (for self-hosted upstreams such as vLLM, where a logits
 * processor can add δ to the logits of a "green list" of tokens, Kirchenbauer et al.
 * 2023): token t after token p is green under a key when keyedHash32(key, "p\0t") / 2^32
 * falls below γ. The test counts green tokens among the distinct (previous, token) pairs
 * of the samples (repeated pairs counted once, as Sander et al. 2024 advise) and
 * calibrates its z against random keys, like the lexical test.
 */
export function isGreenToken(key: WatermarkKey, prev: number, token: number, gamma: number): boolean {
  return (
    keyedHash32(key.bytes.readUInt32LE(0), key.bytes.readUInt32LE(4), `${prev}\u0000${token}`) / 2 ** 32 <
    gamma
  );
}

export function testTokenWatermark(
  sequences: readonly (readonly number[])[],
  keys: readonly WatermarkKey[],
  opts: { gamma?: number; randomKeys?: number } = {},
): ModelTest {
  const gamma = opts.gamma ?? 0.25;
  const pairs = new Set<string>();
  const list: [number, number][] = [];
  for (const s of sequences)
    for (let i = 1; i < s.length; i++) {
      const k = `${s[i - 1]}\u0000${s[i]}`;
      if (pairs.has(k)) continue;
      pairs.add(k);
      list.push([at(s, i - 1), at(s, i)]);
    }
  const z = (key: WatermarkKey): number => {
    let green = 0;
    for (const [p, t] of list) if (isGreenToken(key, p, t, gamma)) green++;
    const n = list.length;
    return n > 0 ? (green - gamma * n) / Math.sqrt(n * gamma * (1 - gamma)) : 0;
  };
  const secret = randomBytes(32);
  const zs: number[] = [];
  for (let i = 0; i < (opts.randomKeys ?? 1000); i++) zs.push(z(deriveKey(secret, "null", String(i))));
  zs.sort((a, b) => a - b);
  const mean = zs.reduce((a, b) => a + b, 0) / Math.max(1, zs.length);
  const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, zs.length - 1)) || 1;
  return {
    occurrences: list.length,
    contexts: list.length,
    null: { keys: zs.length, mean, sd },
    results: keys.map((key) => {
      const v = z(key);
      let above = 0;
      for (let i = zs.length - 1; i >= 0 && at(zs, i) >= v; i--) above++;
      return {
        key: key.id,
        z: v,
        p_value: normalTail(v, mean, sd),
        p_empirical: (1 + above) / (1 + zs.length),
      };
    }),
  };
}
