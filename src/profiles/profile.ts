// Per-account state, updated one exchange at a time. Every field is bounded: counts,
// fixed histograms and capped maps, so memory grows with accounts, never with traffic.

import { fnv1a } from "../contract/hash.js";
import type { AccountRecord, ExchangeFacts, IpType } from "../contract/index.js";
import { at } from "../contract/index.js";
import { bit, CAPABILITIES, type ExchangeSignals } from "../signals/index.js";
import { ActiveHours } from "./activity.js";

const HOUR = 3_600_000;
const EXTRACTION_MASK = bit("cot_elicitation") | bit("reward_grading") | bit("censorship_rewrite");
const TOOLS_BIT = bit("agentic_tool_use");
const TOOLS_INDEX = CAPABILITIES.indexOf("agentic_tool_use");
/** requests in one minute that make a burst */
export const BURST = 20;
const DAY = 24 * HOUR;
/** A pause this long starts a new session. */
export const SESSION_GAP_MS = 30 * 60_000;

/**
 * A hex hash ("89abcdef") or a SimHash band ("1:89abcdef") as a 31-bit integer, so that
 * per-account maps hold small integers rather than a string per exchange.
 */
export function hashKey(s: string): number {
  const colon = s.indexOf(":");
  if (colon < 0) return Number.parseInt(s.slice(0, 8), 16) >>> 1;
  const band = Number(s.slice(0, colon)) & 1;
  return (Number.parseInt(s.slice(colon + 1, colon + 9), 16) >>> 2) + band * 0x40000000;
}

/** A short text (address, country, user agent) as a 32-bit key (FNV-1a): profiles count integers, not strings. */
export function textKey(text: string): number {
  return fnv1a(text);
}

/**
 * The shared values a profile announces to whoever links accounts (the detector's group
 * index): a source address, a user agent (first 120 characters), the template of a task
 * opening, a SimHash band of that template.
 */
export type AnnouncedKind = "ip" | "user_agent" | "scaffold" | "near_scaffold";
/** Receives a shared value on its 1st, 2nd, 4th, 8th... use by the account (see update()). */
export type Announce = (kind: AnnouncedKind, value: string) => void;

/** A count before (from CappedCounter.add) at which to announce: uses 1, 2, 4, 8, ...; always past the cap. */
function anew(before: number): boolean {
  return before < 0 || (before & (before + 1)) === 0;
}

/** A map that stops admitting new keys at `cap` (counting those it refused). */
export class CappedCounter<K extends string | number = string> {
  readonly counts = new Map<K, number>();
  overflow = 0;

  constructor(readonly cap: number) {}

  /** Adds n to key; returns the key's count before, or -1 if the key was refused. */
  add(key: K, n = 1): number {
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + n);
      return c;
    }
    if (this.counts.size < this.cap) {
      this.counts.set(key, n);
      return 0;
    }
    this.overflow += n;
    return -1;
  }

  /** distinct keys seen, a lower bound once the cap is reached */
  get distinct(): number {
    return this.counts.size + (this.overflow > 0 ? 1 : 0);
  }

  top(k = 1): [K, number][] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  }
}

/** The kinds of keys a profile counts, each with its cap on distinct keys (keys: ips, countries and user agents textKey(), templates, bands, tasks and prompts hashKey(), days since the epoch, AS numbers, item indices). */
export const TALLY_KINDS = [
  ["ips", 256],
  ["asns", 64],
  ["scaffolds", 512],
  ["simBands", 1024],
  ["tasks", 256],
  ["prompts", 2048],
  ["days", 400],
  ["countries", 32],
  ["userAgents", 16],
  ["items", 1024],
  ["stems", 2048],
  ["fleet", 64],
  ["surge", 128],
] as const;
export type TallyKind = (typeof TALLY_KINDS)[number][0];
const KIND_INDEX = Object.fromEntries(TALLY_KINDS.map(([k], i) => [k, i])) as Record<TallyKind, number>;
const KINDS = TALLY_KINDS.length;
const T_IP = KIND_INDEX.ips;
const T_ASN = KIND_INDEX.asns;
const T_SCAFFOLD = KIND_INDEX.scaffolds;
const T_BAND = KIND_INDEX.simBands;
const T_TASK = KIND_INDEX.tasks;
const T_PROMPT = KIND_INDEX.prompts;
const T_DAY = KIND_INDEX.days;
const T_COUNTRY = KIND_INDEX.countries;
const T_UA = KIND_INDEX.userAgents;
const T_ITEM = KIND_INDEX.items;
const T_STEM = KIND_INDEX.stems;

/** Hours after a release in which a content cluster's uptake of the new model is read (fleet timing). */
export const FLEET_WINDOW_MS = 48 * HOUR;
const HARVEST_CONTENT = 16;
const ITEM_SET_CONTENT = 512;

/**
 * The content cluster of an exchange, coarse and read from the signals: the known item set
 * it asks an item of, or else its capabilities (extraction, tools, vision, coding) and whether
 * the harvest classifier reads it as harvest-style (0: plain conversation). In [0, 1024).
 */
export function contentCluster(s: ExchangeSignals): number {
  if (s.itemSet >= 0) return ITEM_SET_CONTENT + (s.itemSet % ITEM_SET_CONTENT);
  let k = s.harvest >= 0.5 ? HARVEST_CONTENT : 0;
  if (s.capabilities & EXTRACTION_MASK) k |= 1;
  if (s.capabilities & TOOLS_BIT) k |= 2;
  if (s.capabilities & bit("vision")) k |= 4;
  if (s.capabilities & bit("coding")) k |= 8;
  return k;
}

/**
 * A release's id in fleet keys: 8 bits of its model name's hash, the same in every process
 * whatever order it learned its releases in (scale-out partitions, restored states); two
 * models that share one pool their windows' counts.
 */
export function releaseId(model: string): number {
  return textKey(model) & 0xff;
}

/** A fleet key: a release (releaseId), a content cluster and whether the exchange used the released model. */
export function fleetKey(release: number, cluster: number, onNew: boolean): number {
  return ((release & 0xff) << 11) | ((cluster & 0x3ff) << 1) | (onNew ? 1 : 0);
}

/**
 * The fleet key of an exchange in a release's first FLEET_WINDOW_MS (its release, content
 * cluster and whether it used the released model), or undefined outside every window. The
 * detector counts it once into the account's fleet tally and once into the log's FleetTiming.
 */
export function fleetKeyAt(releases: Releases, view: ExchangeFacts, s: ExchangeSignals): number | undefined {
  if (view.model === undefined) return undefined;
  const f = releases.releaseWithin(view.ts, FLEET_WINDOW_MS);
  return f === undefined
    ? undefined
    : fleetKey(releaseId(f.model), contentCluster(s), view.model === f.model);
}

/**
 * A surge key: a UTC day (days since the epoch, low 16 bits) and a content cluster
 * (contentCluster()); the detector counts an account's distinct task openings by it into the
 * account's surge tally and the log's ContentSurge (linkers/surge.ts).
 */
export function surgeKey(ts: number, cluster: number): number {
  return ((Math.floor(ts / DAY) & 0xffff) << 10) | (cluster & 0x3ff);
}

/** A surge key's parts. */
export function surgeParts(key: number): { day: number; cluster: number } {
  return { day: (key >>> 10) & 0xffff, cluster: key & 0x3ff };
}

/** A fleet key's parts. */
export function fleetParts(key: number): { release: number; cluster: number; onNew: boolean } {
  return { release: (key >>> 11) & 0xff, cluster: (key >>> 1) & 0x3ff, onNew: (key & 1) === 1 };
}
/**
 * Prompts of one answer stem counted as pairs: the 2nd to the PAIR_MAX-th each make one.
 * A stem that reaches one more is a template with one number filled in many times (a
 * generated set, an evaluation of variants), and its pairs are taken back.
 */
export const PAIR_MAX = 4;
/** keys keep their low 28 bits; the kind's index takes the top 4 */
const KEY_BITS = 28;
const KEY_MASK = (1 << KEY_BITS) - 1;
/** the table starts after each kind's size and overflow */
const HEAD = 2 * KINDS;

/**
 * All of a profile's counters (source addresses, templates, prompts, days, ...) in one
 * open-addressed table in one typed array: [size per kind, overflow per kind, then
 * (kind|key, count) pairs, count 0 marking an empty slot]. One array per account rather
 * than one map or array per counter: with hundreds of thousands of accounts the fixed
 * cost of each small object is most of their memory. Keys are integers (hashKey(),
 * textKey(), numbers) of which the low 28 bits are kept; each kind stops admitting new
 * keys at its cap (TALLY_KINDS) and counts what it refused, like CappedCounter.
 */
export class Tally {
  private slots = new Uint32Array(HEAD + 2 * 4);

  private capacity(): number {
    return (this.slots.length - HEAD) >> 1;
  }

  private find(stored: number): number {
    const s = this.slots;
    const mask = this.capacity() - 1;
    let i = (Math.imul(stored ^ (stored >>> 15), 0x2c1b3c6d) >>> 0) & mask;
    while (s[HEAD + 2 * i + 1] !== 0 && s[HEAD + 2 * i] !== stored) i = (i + 1) & mask;
    return HEAD + 2 * i;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(HEAD + 2 * 2 * ((old.length - HEAD) >> 1));
    this.slots.set(old.subarray(0, HEAD));
    for (let j = HEAD; j < old.length; j += 2) {
      const c = old[j + 1] ?? 0;
      if (c === 0) continue;
      const at = this.find(old[j] ?? 0);
      this.slots[at] = old[j] ?? 0;
      this.slots[at + 1] = c;
    }
  }

  /** Adds n (≥ 1) to a key of a kind; returns its count before, or -1 if the key was refused. */
  add(kind: number, rawKey: number, n = 1): number {
    const stored = ((kind << KEY_BITS) | (rawKey & KEY_MASK)) >>> 0;
    let at = this.find(stored);
    const c = this.slots[at + 1] ?? 0;
    if (c !== 0) {
      this.slots[at + 1] = c + n;
      return c;
    }
    const size = this.slots[kind] ?? 0;
    if (size >= (TALLY_KINDS[kind]?.[1] ?? 0)) {
      this.slots[KINDS + kind] = (this.slots[KINDS + kind] ?? 0) + n;
      return -1;
    }
    let used = 0;
    for (let k = 0; k < KINDS; k++) used += this.slots[k] ?? 0;
    if ((used + 1) * 4 > this.capacity() * 3) {
      this.grow();
      at = this.find(stored);
    }
    this.slots[at] = stored;
    this.slots[at + 1] = n;
    this.slots[kind] = size + 1;
    return 0;
  }

  get(kind: number, rawKey: number): number | undefined {
    if ((this.slots[kind] ?? 0) === 0) return undefined;
    const at = this.find(((kind << KEY_BITS) | (rawKey & KEY_MASK)) >>> 0);
    const c = this.slots[at + 1] ?? 0;
    return c === 0 ? undefined : c;
  }

  /** Fills a sweep with this table's entries (readingTally). */
  sweepInto(into: KindSweep): void {
    into.fill(this, this.slots);
  }

  /** Bytes of the table (typed-array storage). */
  get bytes(): number {
    return this.slots.byteLength;
  }

  size(kind: number): number {
    return this.slots[kind] ?? 0;
  }

  overflow(kind: number): number {
    return this.slots[KINDS + kind] ?? 0;
  }

  /**
   * Calls fn with each key (its low 28 bits) and count of a kind, in table order: the hot
   * paths' iteration (no generator, no pair per key). The kinds share one table, so a kind's
   * keys are found by a pass over all of it; inside readingTally() the pass is made once for
   * every kind.
   */
  forEach(kind: number, fn: (key: number, count: number) => void): void {
    if ((this.slots[kind] ?? 0) === 0) return;
    if (sweep.reading === this) {
      if (sweep.tally !== this) this.sweepInto(sweep);
      const e = sweep.entries;
      for (let j = sweep.start[kind] ?? 0, end = sweep.start[kind + 1] ?? 0; j < end; j += 2)
        fn(e[j] ?? 0, e[j + 1] ?? 0);
      return;
    }
    let left = this.slots[kind] ?? 0;
    const s = this.slots;
    for (let j = HEAD; left > 0 && j < s.length; j += 2) {
      const c = s[j + 1] ?? 0;
      const stored = s[j] ?? 0;
      if (c !== 0 && stored >>> KEY_BITS === kind) {
        fn(stored & KEY_MASK, c);
        left--;
      }
    }
  }

  /** The kind's keys (their low 28 bits) and counts, in table order. */
  *entries(kind: number): Generator<[number, number]> {
    const s = this.slots;
    for (let j = HEAD; j < s.length; j += 2) {
      const stored = s[j] ?? 0;
      if ((s[j + 1] ?? 0) !== 0 && stored >>> KEY_BITS === kind) yield [stored & KEY_MASK, s[j + 1] ?? 0];
    }
  }

  /** One kind's counts, read through the methods a counter has. */
  view(kind: TallyKind): TallyView {
    return new TallyView(this, KIND_INDEX[kind]);
  }
}

/**
 * A tally's entries grouped by kind, in table order within each kind: made by one pass over
 * the table for a read of many kinds (readingTally), in a buffer reused from one read to the next.
 */
class KindSweep {
  /** the tally being read (readingTally) */
  reading: Tally | undefined = undefined;
  /** the tally whose entries the sweep holds (the one being read, once one of its kinds is iterated) */
  tally: Tally | undefined = undefined;
  entries = new Uint32Array(1024);
  /** where each kind's (key, count) pairs start in entries; start[KINDS] is the end */
  readonly start = new Int32Array(KINDS + 1);

  fill(tally: Tally, slots: Uint32Array): void {
    let at = 0;
    for (let k = 0; k < KINDS; k++) {
      this.start[k] = at;
      at += 2 * (slots[k] ?? 0);
    }
    this.start[KINDS] = at;
    if (this.entries.length < at) this.entries = new Uint32Array(Math.max(at, 2 * this.entries.length));
    const next = this.start.slice(0, KINDS);
    const e = this.entries;
    for (let j = HEAD; j < slots.length; j += 2) {
      const c = slots[j + 1] ?? 0;
      if (c === 0) continue;
      const stored = slots[j] ?? 0;
      const kind = stored >>> KEY_BITS;
      const i = next[kind] ?? 0;
      e[i] = stored & KEY_MASK;
      e[i + 1] = c;
      next[kind] = i + 2;
    }
    this.tally = tally;
  }
}

/** the sweep of the tally being read (one thread reads one tally at a time) */
const sweep = new KindSweep();

/**
 * Runs `read`, which reads a tally without adding to it, with the tally's kinds found by one
 * pass over its table instead of one pass per kind read (an account's judgement reads
 * several: items, fleet, surge, days).
 */
export function readingTally<T>(tally: Tally, read: () => T): T {
  if (sweep.reading !== undefined) return read();
  // the pass is made when a kind is first iterated: many judgements iterate none
  sweep.reading = tally;
  try {
    return read();
  } finally {
    sweep.reading = undefined;
    sweep.tally = undefined;
  }
}

/** Accounts' sign-up times, parsed once per account record (every judgement reads them). */
const createdTimes = new WeakMap<AccountRecord, number>();

function createdMs(a: AccountRecord): number {
  let ms = createdTimes.get(a);
  if (ms === undefined) {
    ms = a.created_at === undefined ? Number.NaN : Date.parse(a.created_at);
    createdTimes.set(a, ms);
  }
  return ms;
}

/** One kind of a Tally, with a counter's methods (made on demand, not stored). */
export class TallyView {
  constructor(
    private readonly tally: Tally,
    private readonly kind: number,
  ) {}

  add(key: number, n = 1): number {
    return this.tally.add(this.kind, key, n);
  }

  get(key: number): number | undefined {
    return this.tally.get(this.kind, key);
  }

  get size(): number {
    return this.tally.size(this.kind);
  }

  get overflow(): number {
    return this.tally.overflow(this.kind);
  }

  /** distinct keys seen, a lower bound once the cap is reached */
  get distinct(): number {
    return this.size + (this.overflow > 0 ? 1 : 0);
  }

  entries(): Generator<[number, number]> {
    return this.tally.entries(this.kind);
  }

  /** Calls fn with each key and count, in table order (no allocation per key). */
  forEach(fn: (key: number, count: number) => void): void {
    this.tally.forEach(this.kind, fn);
  }

  top(k = 1): [number, number][] {
    return [...this.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  }

  /** The largest count of any key (0 when none): top(1)'s count without sorting. */
  largest(): number {
    let m = 0;
    this.tally.forEach(this.kind, (_k, c) => {
      if (c > m) m = c;
    });
    return m;
  }
}

export const IP_TYPE_INDEX: Record<IpType, number> = {
  residential: 0,
  mobile: 1,
  datacenter: 2,
  proxy: 3,
  vpn: 4,
  tor: 5,
  unknown: 6,
};

/** Model releases, from events or inferred from the first sighting of a model partway through a log. */
export class Releases {
  private readonly known = new Map<string, number>();
  private readonly firstSeen = new Map<string, number>();
  private logStart = Number.POSITIVE_INFINITY;
  private latest = Number.NEGATIVE_INFINITY;

  /** Marks the time of an exchange: the log's clock (start and now) follows what it has read. */
  tick(ts: number): void {
    if (ts < this.logStart) this.logStart = ts;
    if (ts > this.latest) this.latest = ts;
  }

  /** The time of the earliest exchange read (+Infinity before any). */
  get start(): number {
    return this.logStart;
  }

  /** The time of the latest exchange read (-Infinity before any): the log's "now". */
  get now(): number {
    return this.latest;
  }

  /** A release given by an events file. */
  add(model: string, ts: number): void {
    this.known.set(model, ts);
  }

  /** Records a sighting; a model first seen more than a day into the log counts as released then. */
  observe(model: string, ts: number): void {
    this.tick(ts);
    if (this.firstSeen.has(model) || this.firstSeen.size > 1000) return;
    this.firstSeen.set(model, ts);
    if (!this.known.has(model) && ts - this.logStart > DAY) this.known.set(model, ts);
  }

  /** The release whose first 24 hours contain ts, if any. */
  windowAt(ts: number): { model: string; ts: number } | undefined {
    for (const [model, r] of this.known) if (ts >= r && ts < r + DAY) return { model, ts: r };
    return undefined;
  }

  /** The release in whose first `span` ms ts falls, if any: the latest such. */
  releaseWithin(ts: number, span: number): { model: string; ts: number } | undefined {
    let found: { model: string; ts: number } | undefined;
    for (const [model, r] of this.known)
      if (ts >= r && ts < r + span && (found === undefined || r > found.ts)) found = { model, ts: r };
    return found;
  }

  /** Releases that happened after `ts`. */
  after(ts: number): number[] {
    return [...this.known.values()].filter((r) => r > ts);
  }

  list(): { model: string; ts: number }[] {
    return [...this.known.entries()].map(([model, ts]) => ({ model, ts }));
  }
}

export class AccountProfile {
  n = 0;
  errors429 = 0;
  firstTs = Number.POSITIVE_INFINITY;
  lastTs = Number.NEGATIVE_INFINITY;
  /** exchanges per UTC hour of day */
  readonly hourOfDay = new Float64Array(24);
  /** exchanges per capability, in CAPABILITIES order */
  readonly capabilities = new Uint32Array(CAPABILITIES.length);
  /** exchanges that elicit reasoning traces, grade as a reward model or ask for censorship rewrites */
  extraction = 0;
  givenAnswer = 0;
  elicitingSystem = 0;
  instructionFormat = 0;
  followUps = 0;
  /** follow-ups that carry a new self-contained item (a problem pasted into an open conversation) */
  itemFollowUps = 0;
  toolSteps = 0;
  oneShot = 0;
  bigThinking = 0;
  temperatureZero = 0;
  longOutputs = 0;
  inputTokens = 0;
  outputTokens = 0;
  maxTokens = 0;
  sessions = 0;
  /** exchanges that open a task (neither a follow-up nor an agent step) */
  openings = 0;
  /** task-opening prompts not sent before by this account: the denominator of content shares */
  distinctOpenings = 0;
  private minute = -1;
  private minuteCount = 0;
  private burstExchanges = 0;
  repeatedPrompts = 0;
  /** exchanges in the first 24 hours after a release, and those on the released model */
  releaseWindow = 0;
  releaseWindowNew = 0;
  /** exchanges before the latest release seen */
  beforeRelease = 0;
  readonly ipTypes = new Uint32Array(7);
  /** every counter of keys (see TALLY_KINDS), read through the views below */
  readonly tally = new Tally();
  /**
   * topScaffold, kept up to date as templates are counted (undefined until first read: a
   * state saved before it existed is read back without it and recomputes it from the tally)
   */
  private scaffoldTop: number | undefined = undefined;
  /** log inter-arrival times (Welford) */
  private gapN = 0;
  private gapMean = 0;
  private gapM2 = 0;
  /** requests within a minute after a 429 */
  retriesAfter429 = 0;
  private last429 = Number.NEGATIVE_INFINITY;
  readonly activeHours = new ActiveHours();
  /** requests this account re-sent within seconds after another account was refused them (429) */
  handoffs = 0;
  /** the time of the last exchange analysed: first_flagged_at is taken from it */
  lastSeen = Number.NEGATIVE_INFINITY;
  /** distinct prompts a person or program typed (task openings and follow-ups, not agent steps) */
  asked = 0;
  /** of those prompts, the ones the harvest classifier reads as harvest-style (p ≥ 0.5) */
  harvestLike = 0;
  /** harvest-style prompts sent as follow-ups inside a conversation */
  harvestFollowUps = 0;
  /** output tokens of the exchanges whose prompt reads as harvest-style or asks for extraction */
  harvestedTokens = 0;
  /** one-shot task openings (no history sent), and those the classifier reads as harvest-style */
  oneShotOpenings = 0;
  harvestOneShots = 0;
  /**
   * distinct prompts that repeat an earlier prompt of this account but for one number (a
   * shared answer stem, see signals/answer-stem.ts): the second answer of a preference pair
   */
  answerPairs = 0;

  /** the account's organisation: its sign-up record's, or the first one its exchanges named */
  org: string | undefined = undefined;

  constructor(
    readonly id: string,
    public account: AccountRecord | undefined,
  ) {}

  /**
   * Exchanges from other countries than the one declared at sign-up (an exchange without a
   * known country counts as away); 0 without a declared country.
   */
  get away(): number {
    const d = this.account?.signup_country;
    return d === undefined ? 0 : this.n - (this.countries.get(textKey(d)) ?? 0);
  }

  /** source addresses (textKey) */
  get ips(): TallyView {
    return this.tally.view("ips");
  }
  get asns(): TallyView {
    return this.tally.view("asns");
  }
  /** countries of the source addresses (textKey) */
  get countries(): TallyView {
    return this.tally.view("countries");
  }
  /** user agents, first 120 characters (textKey) */
  get userAgents(): TallyView {
    return this.tally.view("userAgents");
  }
  /** templates of task-opening prompts (hashKey) */
  get scaffolds(): TallyView {
    return this.tally.view("scaffolds");
  }
  /** The most task openings any one template has had (scaffolds.largest(), kept as it grows). */
  get topScaffold(): number {
    this.scaffoldTop ??= this.scaffolds.largest();
    return this.scaffoldTop;
  }
  /** SimHash bands of those templates (hashKey) */
  get simBands(): TallyView {
    return this.tally.view("simBands");
  }
  get tasks(): TallyView {
    return this.tally.view("tasks");
  }
  get prompts(): TallyView {
    return this.tally.view("prompts");
  }
  /** items of known public sets asked (key: the item's index in the item index), times asked */
  get items(): TallyView {
    return this.tally.view("items");
  }
  /** answer stems of distinct prompts (signals/answer-stem.ts), and prompts of each */
  get stems(): TallyView {
    return this.tally.view("stems");
  }
  /** exchanges in a release's first FLEET_WINDOW_MS by content cluster and model (key: fleetKeyAt(), counted by the detector) */
  get fleet(): TallyView {
    return this.tally.view("fleet");
  }
  /** distinct task openings by UTC day and content cluster (key: surgeKey(), counted by the detector) */
  get surge(): TallyView {
    return this.tally.view("surge");
  }
  /** exchanges per UTC day (key: days since the epoch) */
  get days(): TallyView {
    return this.tally.view("days");
  }

  /**
   * Adds an exchange. Its shared values are told to `announce` on each value's 1st, 2nd, 4th,
   * 8th... use by this account, so that repeats cost nothing while whoever links accounts
   * still sees the value in use now and then.
   */
  update(view: ExchangeFacts, s: ExchangeSignals, releases: Releases, announce?: Announce): void {
    const ts = view.ts;
    if (this.n > 0 && ts >= this.lastTs) {
      const g = Math.log1p((ts - this.lastTs) / 1000);
      this.gapN++;
      const d = g - this.gapMean;
      this.gapMean += d / this.gapN;
      this.gapM2 += d * (g - this.gapMean);
    }
    if (this.n === 0 || ts - this.lastTs > SESSION_GAP_MS) this.sessions++;
    this.n++;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    this.lastSeen = ts;
    this.activeHours.mark(ts);
    if (ts - this.last429 < 60_000) this.retriesAfter429++;
    if (view.status === 429) {
      this.errors429++;
      this.last429 = ts;
    }
    const hour = Math.floor(ts / HOUR) % 24;
    this.hourOfDay[hour] = (this.hourOfDay[hour] ?? 0) + 1;
    // what a prompt asks for is read once per distinct prompt that opens a task: agent steps
    // and follow-ups continue one, and a re-sent prompt is not new evidence; a follow-up
    // carrying a new self-contained item opens a task of its own
    const opening = !s.toolStep && (!s.followUp || s.newItem);
    let fresh = false;
    if (!s.toolStep) {
      if (s.item >= 0) this.tally.add(T_ITEM, s.item);
      // follow-ups are read too: a problem pasted as a follow-up is still a problem
      const before = this.tally.add(T_PROMPT, hashKey(s.promptHash));
      if (before > 0) {
        if (opening) this.repeatedPrompts++;
      } else {
        fresh = opening;
        this.asked++;
        const harvestLike = s.harvest >= 0.5;
        if (harvestLike) {
          this.harvestLike++;
          if (s.followUp) this.harvestFollowUps++;
        }
        if (harvestLike || (s.capabilities & EXTRACTION_MASK) !== 0) this.harvestedTokens += s.outputTokens;
        if (s.followUp && s.newItem) this.itemFollowUps++;
        if (opening && s.history === 0) {
          this.oneShotOpenings++;
          if (harvestLike) this.harvestOneShots++;
        }
        // the second answer of a pair: an earlier prompt differed from this one only in one
        // number (one pair per prompt)
        let paired = false;
        for (const stem of s.stems) {
          const prompts = this.tally.add(T_STEM, stem) + 1;
          if (prompts >= 2 && prompts <= PAIR_MAX) paired = true;
          else if (prompts === PAIR_MAX + 1)
            this.answerPairs = Math.max(0, this.answerPairs - (PAIR_MAX - 1));
        }
        if (paired) this.answerPairs++;
      }
    }
    if (fresh) {
      this.distinctOpenings++;
      for (let i = 0; i < CAPABILITIES.length; i++)
        if (s.capabilities & (1 << i)) this.capabilities[i] = (this.capabilities[i] ?? 0) + 1;
      if (s.capabilities & EXTRACTION_MASK) this.extraction++;
      if (s.givenAnswer) this.givenAnswer++;
      if (s.elicitingSystem) this.elicitingSystem++;
      if (s.instructionFormat) this.instructionFormat++;
    } else if (s.capabilities & TOOLS_BIT)
      this.capabilities[TOOLS_INDEX] = (this.capabilities[TOOLS_INDEX] ?? 0) + 1;
    // requests arriving 20 or more in one minute: sweeps, not rate-limited harvesting
    const minute = Math.floor(ts / 60_000);
    if (minute === this.minute) this.minuteCount++;
    else {
      if (this.minuteCount >= BURST) this.burstExchanges += this.minuteCount;
      this.minute = minute;
      this.minuteCount = 1;
    }
    if (s.followUp) this.followUps++;
    if (s.toolStep) this.toolSteps++;
    if (s.history === 0) this.oneShot++;
    if (s.thinkingBudget >= 8000) this.bigThinking++;
    if (s.temperature === 0) this.temperatureZero++;
    if (s.outputTokens >= 600) this.longOutputs++;
    this.inputTokens += s.inputTokens;
    this.outputTokens += s.outputTokens;
    this.maxTokens += s.maxTokens;
    const c = view.client;
    if (c.ip_type !== undefined) {
      const i = IP_TYPE_INDEX[c.ip_type];
      this.ipTypes[i] = (this.ipTypes[i] ?? 0) + 1;
    }
    if (c.ip !== undefined && anew(this.tally.add(T_IP, textKey(c.ip)))) announce?.("ip", c.ip);
    if (c.asn !== undefined) this.tally.add(T_ASN, c.asn);
    if (c.country !== undefined) this.tally.add(T_COUNTRY, textKey(c.country));
    if (c.user_agent !== undefined) {
      const ua = c.user_agent.slice(0, 120);
      if (anew(this.tally.add(T_UA, textKey(ua)))) announce?.("user_agent", ua);
    }
    if (view.model !== undefined) {
      const w = releases.windowAt(ts);
      if (w) {
        this.releaseWindow++;
        if (view.model === w.model) this.releaseWindowNew++;
      } else if (releases.after(ts).length > 0) this.beforeRelease++;
    }
    if (!s.toolStep && !s.followUp) {
      // templates are read from the requests that open a task, not from its later steps
      this.openings++;
      const before = this.tally.add(T_SCAFFOLD, hashKey(s.scaffold));
      if (before >= 0) this.scaffoldTop = Math.max(this.topScaffold, before + 1);
      if (anew(before)) announce?.("scaffold", s.scaffold);
      for (let i = 0; i < s.simBands.length && i < 8; i++) {
        const band = at(s.simBands, i);
        if (anew(this.tally.add(T_BAND, hashKey(band)))) announce?.("near_scaffold", band);
      }
      this.tally.add(T_TASK, hashKey(s.taskHash));
    }
    this.tally.add(T_DAY, Math.floor(ts / DAY));
  }

  share(count: number): number {
    return this.n === 0 ? 0 : count / this.n;
  }

  /** A share of the distinct task-opening prompts. */
  promptShare(count: number): number {
    return this.distinctOpenings === 0 ? 0 : count / this.distinctOpenings;
  }

  capabilityShare(i: number): number {
    return this.promptShare(this.capabilities[i] ?? 0);
  }

  /** Share of exchanges that arrived in minutes with a burst of BURST or more. */
  get burstShare(): number {
    const pending = this.minuteCount >= BURST ? this.minuteCount : 0;
    return this.share(this.burstExchanges + pending);
  }

  /** Standard deviation of log inter-arrival times; low means machine-regular traffic. */
  get gapSpread(): number {
    return this.gapN < 2 ? Number.NaN : Math.sqrt(this.gapM2 / (this.gapN - 1));
  }

  /** Normalised entropy of the hour-of-day histogram: 1 is flat around the clock. */
  get hourFlatness(): number {
    if (this.n === 0) return 0;
    let h = 0;
    for (const v of this.hourOfDay) {
      if (v <= 0) continue;
      const p = v / this.n;
      h -= p * Math.log(p);
    }
    return h / Math.log(24);
  }

  /**
   * The share of exchanges in the account's quietest six consecutive hours of the (UTC) day:
   * a person's night holds a few percent, a machine's about a quarter.
   */
  get quietHoursShare(): number {
    if (this.n === 0) return 0;
    let best = Number.POSITIVE_INFINITY;
    for (let start = 0; start < 24; start++) {
      let sum = 0;
      for (let k = 0; k < 6; k++) sum += this.hourOfDay[(start + k) % 24] ?? 0;
      if (sum < best) best = sum;
    }
    return best / this.n;
  }

  /** The longest run of days without use between two days of use, in whole days (0 for daily use). */
  get longestPauseDays(): number {
    const days: number[] = [];
    this.days.forEach((d) => {
      days.push(d);
    });
    days.sort((a, b) => a - b);
    let longest = 0;
    for (let i = 1; i < days.length; i++)
      longest = Math.max(longest, (days[i] ?? 0) - (days[i - 1] ?? 0) - 1);
    return longest;
  }

  /** Days with activity, from first to last exchange. */
  get spanDays(): number {
    return this.n === 0 ? 0 : (this.lastTs - this.firstTs) / DAY;
  }

  /** Age of the account at its first exchange, in days, if the sign-up time is known. */
  get ageAtFirstDays(): number | undefined {
    const a = this.account;
    if (a?.created_at === undefined) return undefined;
    const created = createdMs(a);
    return Number.isFinite(created) ? (this.firstTs - created) / DAY : undefined;
  }
}
