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
import type { Carriers } from "./lexicon.js";
import { deriveKey, KeyedChoice, type Occurrence, occurrencesOf, type WatermarkKey } from "./watermark.js";

/** Natural member frequencies by context, from unmarked text. */
export class Reference {
  private readonly byContext = new Map<string, number[]>();
  private readonly byGroup = new Map<string, number[]>();

  add(occurrences: Iterable<Occurrence>): this {
    for (const o of occurrences) {
      const k = `${o.group}\u0000${o.prev}`;
      let c = this.byContext.get(k);
      if (!c) {
        c = new Array<number>(o.n).fill(0);
        this.byContext.set(k, c);
      }
      c[o.member] = (c[o.member] ?? 0) + 1;
      const g = this.group(o.group, o.n);
      g[o.member] = (g[o.member] ?? 0) + 1;
    }
    return this;
  }

  /** a group's overall counts, starting at one per member */
  private group(group: string, n: number): number[] {
    let g = this.byGroup.get(group);
    if (!g) {
      g = new Array<number>(n).fill(1);
      this.byGroup.set(group, g);
    }
    return g;
  }

  /** Member frequencies in a context: its counts smoothed toward the group's (pseudo-count `alpha`). */
  frequencies(group: string, n: number, prev: string, alpha = 4): number[] {
    const g = this.byGroup.get(group) ?? new Array<number>(n).fill(1);
    const gt = g.reduce((a, b) => a + b, 0);
    const c = this.byContext.get(`${group}\u0000${prev}`);
    const ct = c ? c.reduce((a, b) => a + b, 0) : 0;
    return g.map((gm, m) => ((c?.[m] ?? 0) + (alpha * gm) / gt) / (ct + alpha));
  }
}

/** The contexts of a sample of text, counted once, with their natural frequencies. */
export interface Contexts {
  readonly groups: readonly string[];
  readonly prevs: readonly string[];
  /** counts per member, for each context */
  readonly counts: readonly number[][];
  readonly freqs: readonly number[][];
  readonly occurrences: number;
}

export function contextsOf(occurrences: Iterable<Occurrence>, reference?: Reference): Contexts {
  const index = new Map<string, number>();
  const groups: string[] = [];
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
      counts.push(new Array<number>(o.n).fill(0));
    }
    const c = at(counts, i);
    c[o.member] = (c[o.member] ?? 0) + 1;
    own?.add([{ group: o.group, n: o.n, prev: "", member: o.member }]);
  }
  const freqs = groups.map((g, i) => {
    const size = at(counts, i).length;
    return reference
      ? reference.frequencies(g, size, at(prevs, i))
      : (own as Reference).frequencies(g, size, "\u0001");
  });
  return { groups, prevs, counts, freqs, occurrences: n };
}

/** z of one key on the samples' contexts. */
export function zScore(ctx: Contexts, choice: KeyedChoice): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ctx.groups.length; i++) {
    const c = at(ctx.counts, i);
    const g = choice.pick(at(ctx.groups, i), at(ctx.prevs, i), c.length);
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

export interface KeyResult {
  readonly key: string;
  readonly z: number;
  /** upper tail of the fitted null */
  readonly p_value: number;
  /** (1 + random keys scoring at least as high) / (1 + random keys) */
  readonly p_empirical: number;
}

/** The z whose upper normal tail is p (Newton on the tail; p down to the smallest double). */
export function zOfTail(p: number): number {
  if (!(p > 0)) return 38.5;
  if (p >= 1) return -8;
  let z = p < 0.5 ? Math.sqrt(-2 * Math.log(p)) : 0;
  for (let i = 0; i < 60; i++) {
    const f = normalTail(z, 0, 1) - p;
    const d = -Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
    if (d === 0) break;
    const step = f / d;
    z -= Math.max(-2, Math.min(2, step));
    if (Math.abs(step) < 1e-9) break;
  }
  return z;
}

/** A channel of the watermark: the prefix of its groups before the colon (`w` lexical and so on). */
export const channelOf = (group: string): string => {
  const colon = group.indexOf(":");
  return colon < 0 ? group : group.slice(0, colon);
};

export interface ChannelResult {
  readonly occurrences: number;
  readonly contexts: number;
  /** the channel's z, standardised by its random keys' fit */
  readonly z: number;
  readonly p_value: number;
}

export interface CombinedResult {
  readonly key: string;
  /** the normal z equivalent to the combined p-value */
  readonly z: number;
  /**
   * The combined p-value (`combineChannels`): the strongest Stouffer sum over any subset of
   * the channels, corrected for the 2^k − 1 subsets. One channel alone when an
   * attacker removed the others; their sum when several survive.
   */
  readonly p_value: number;
  /** (1 + random keys whose combined p-value is at most as large) / (1 + random keys) */
  readonly p_empirical: number;
  readonly channels: Readonly<Record<string, ChannelResult>>;
}

/** The samples read channel by channel, each with its null fitted to the same random keys. */
export interface Calibration {
  readonly occurrences: number;
  readonly contexts: number;
  readonly channels: readonly { readonly channel: string; readonly ctx: Contexts; readonly fit: NullFit }[];
  /** the random keys' combined statistics (−log of the combined p-value), sorted */
  readonly nullCombined: readonly number[];
}

/**
 * The groups that occur in the answers served to a cohort (the provider's log of them): only
 * those can carry the cohort's key, so the test counts only those (`served`). The set does not
 * depend on the key (a group's id names the group, not the form written), so the null stays
 * calibrated.
 */
export function servedGroups(
  texts: Iterable<string>,
  carriers: WatermarkKey | Carriers | undefined,
): Set<string> {
  const out = new Set<string>();
  for (const t of texts) for (const o of occurrencesOf(t, carriers)) out.add(o.group);
  return out;
}

export function calibrate(
  occurrences: Iterable<Occurrence>,
  opts: { randomKeys?: number; reference?: Reference; secret?: Buffer; served?: ReadonlySet<string> } = {},
): Calibration {
  const byChannel = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    if (opts.served && !opts.served.has(o.group)) continue;
    const c = channelOf(o.group);
    let list = byChannel.get(c);
    if (!list) {
      list = [];
      byChannel.set(c, list);
    }
    list.push(o);
  }
  const count = opts.randomKeys ?? 1000;
  const secret = opts.secret ?? randomBytes(32);
  const randoms = Array.from(
    { length: count },
    (_, i) => new KeyedChoice(deriveKey(secret, "null", String(i))),
  );
  // each random key's z on each channel, computed once: the channel's null is fitted to them,
  // and the combined null is read from the same values key by key
  const channels = [...byChannel.keys()].sort().map((channel) => {
    const ctx = contextsOf(byChannel.get(channel) as Occurrence[], opts.reference);
    const zs = randoms.map((r) => zScore(ctx, r));
    return { channel, ctx, zs, fit: fitNull([...zs]) };
  });
  const nullCombined = randoms
    .map((_, i) =>
      strength(combineChannels(channels.map((c) => ((c.zs[i] as number) - c.fit.mean) / c.fit.sd)).p),
    )
    .sort((a, b) => a - b);
  let n = 0;
  let contexts = 0;
  for (const c of channels) {
    n += c.ctx.occurrences;
    contexts += c.ctx.groups.length;
  }
  return { occurrences: n, contexts, channels, nullCombined };
}

/** −log of a p-value: larger is stronger evidence. */
const strength = (p: number): number => -Math.log(Math.max(Math.min(p, 1), 1e-300));

/**
 * Combines channels' standardised z values (independent and standard normal under the null,
 * each key's channels reading disjoint groups): for each j, the Stouffer sum of the j largest,
 * (z₁ + … + z_j)/√j, which is the largest Stouffer sum over subsets of j channels; the
 * largest of those, its upper tail t corrected for the m = 2^k − 1 subsets: 1 − (1 − t)^m
 * (Šidák's form, valid here by Slepian's inequality: the subsets' sums are positively
 * correlated normals; about m·t when small). When one channel carries the mark (an attacker
 * removed the others) this costs little against that channel alone (a factor m in p); when
 * several carry it, their evidence adds. Returns the p-value and the z of the subset that gave it.
 */
export function combineChannels(zs: readonly number[]): { p: number; best: number } {
  if (zs.length === 0) return { p: 1, best: 0 };
  const sorted = [...zs].sort((a, b) => b - a);
  let sum = 0;
  let best = Number.NEGATIVE_INFINITY;
  sorted.forEach((z, j) => {
    sum += z;
    best = Math.max(best, sum / Math.sqrt(j + 1));
  });
  const subsets = 2 ** zs.length - 1;
  const t = normalTail(best, 0, 1);
  return { p: t >= 1 ? 1 : -Math.expm1(subsets * Math.log1p(-t)), best };
}

function fitNull(values: number[]): NullFit {
  const zs = values.sort((a, b) => a - b);
  const mean = zs.reduce((a, b) => a + b, 0) / Math.max(1, zs.length);
  const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, zs.length - 1)) || 1;
  return { keys: zs.length, mean, sd, zs };
}

/** Tests one key on every channel of the samples and combines them (`combineChannels`). */
export function testCombined(cal: Calibration, key: WatermarkKey): CombinedResult {
  const choice = new KeyedChoice(key);
  const channels: Record<string, ChannelResult> = {};
  const zs: number[] = [];
  for (const c of cal.channels) {
    const z = zScore(c.ctx, choice);
    const standard = (z - c.fit.mean) / c.fit.sd;
    zs.push(standard);
    channels[c.channel] = {
      occurrences: c.ctx.occurrences,
      contexts: c.ctx.groups.length,
      z: standard,
      p_value: normalTail(z, c.fit.mean, c.fit.sd),
    };
  }
  const { p, best } = combineChannels(zs);
  const x = strength(p);
  let above = 0;
  for (let i = cal.nullCombined.length - 1; i >= 0 && at(cal.nullCombined, i) >= x; i--) above++;
  return {
    key: key.id,
    // below double precision p is 0: the best subset's z stands in
    z: p > 0 ? zOfTail(p) : best,
    p_value: p,
    p_empirical: (1 + above) / (1 + cal.nullCombined.length),
    channels,
  };
}

export interface ModelTest {
  readonly occurrences: number;
  readonly contexts: number;
  /** each channel's null: its random keys' mean and spread */
  readonly null: {
    readonly keys: number;
    readonly channels: Readonly<Record<string, { readonly mean: number; readonly sd: number }>>;
  };
  readonly results: readonly CombinedResult[];
}

/** Tests samples (their member occurrences) for each key, against a null of `randomKeys` random keys. */
export function testModel(
  occurrences: Iterable<Occurrence>,
  keys: readonly WatermarkKey[],
  opts: { randomKeys?: number; reference?: Reference; served?: ReadonlySet<string> } = {},
): ModelTest {
  const cal = calibrate(occurrences, opts);
  const channels: Record<string, { mean: number; sd: number }> = {};
  for (const c of cal.channels) channels[c.channel] = { mean: c.fit.mean, sd: c.fit.sd };
  return {
    occurrences: cal.occurrences,
    contexts: cal.contexts,
    null: { keys: opts.randomKeys ?? 1000, channels },
    results: keys.map((k) => testCombined(cal, k)),
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

export interface TokenTest {
  readonly occurrences: number;
  readonly contexts: number;
  readonly null: { readonly keys: number; readonly mean: number; readonly sd: number };
  readonly results: readonly KeyResult[];
}

export function testTokenWatermark(
  sequences: readonly (readonly number[])[],
  keys: readonly WatermarkKey[],
  opts: { gamma?: number; randomKeys?: number } = {},
): TokenTest {
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
  const { zs, mean, sd } = fitNull(
    Array.from({ length: opts.randomKeys ?? 1000 }, (_, i) => z(deriveKey(secret, "null", String(i)))),
  );
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
