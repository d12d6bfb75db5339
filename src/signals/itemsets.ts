// Known item sets: which public problem, benchmark or instruction set a prompt carries an
// item of, when it is pasted whole or lightly reworded inside other text.
//
// Each indexed item keeps ANCHORS of its word 3-shingles, chosen by a keyed hash among
// the shingles no other item and no organic conversation uses; a prompt carries the item
// when MIN_HITS of them occur in it. Containment, not similarity: a wrapper around the
// item ("ok so can you solve this pls: …") adds shingles without removing the item's.
// With a provider's own key (DISTILLGUARD_ITEMSET_KEY, at build and at analysis) the
// anchors cannot be read from the repository, so a rewording that keeps the harvest
// must rewrite most of every item to be sure of missing them. A problem's numbers in order
// (four or more) anchor it too: a paraphrase that keeps the problem keeps its numbers.
import { readFileSync } from "node:fs";
import { FNV_OFFSET, fmix32, fnv1a } from "../contract/hash.js";

/** Anchors kept per item. */
export const ANCHORS = 6;
/** Anchors of one item a prompt must contain to carry it. */
export const MIN_HITS = 2;
/** Characters of a prompt read (an item pasted after a longer preamble still counts). */
export const ITEM_CHARS = 6000;

/** Numbers an item needs for a number anchor, and the most its anchor reads. */
export const NUMBER_MIN = 4;
const NUMBER_WINDOW = 5;
const NUMBER_SALT = 0x6e756d73;

const MAGIC = Buffer.from("DGITEMS3");
// a Han character is a token of its own (Chinese has no spaces); other letters and digits
// run together. Linear: one alternative per character, no nested quantifiers.
const TOKEN = /\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu;

/** 32-bit FNV-1a of a string with a seed, finished with murmur3's mixer. */
function hash32(s: string, seed: number): number {
  return fmix32(fnv1a(s, (FNV_OFFSET ^ seed) >>> 0));
}

/** The key's seed: 0 for no key (the shipped index), else a hash of it. */
export function keySeed(key: string | undefined): number {
  return key === undefined || key.length === 0 ? 0 : hash32(key, 0x9e3779b9) || 1;
}

/** A value that tells whether a file was built under a key, without giving its seed. */
function keyCheck(seed: number): number {
  return hash32(`check:${seed}`, 0x2545f491);
}

/** Mixes three token hashes, in order, into a shingle's hash (murmur3's finaliser). */
function shingle3(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul((b << 11) | (b >>> 21), 0x85ebca77);
  h ^= Math.imul((c << 23) | (c >>> 9), 0xc2b2ae3d);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Calls fn with the hash of each word 3-shingle of the text (lower-cased, NFKC), in order,
 * repeats included, under the key's seed: each token is hashed once and the shingles mix
 * three token hashes, so no shingle string is built. A text of one or two tokens is one
 * shingle of them all.
 */
function forEachShingle(text: string, seed: number, maxChars: number, fn: (h: number) => void): void {
  const words = text.slice(0, maxChars).normalize("NFKC").toLowerCase().match(TOKEN);
  if (words === null) return;
  if (words.length < 3) {
    fn(hash32(words.join(" "), seed));
    return;
  }
  let a = hash32(words[0] ?? "", seed);
  let b = hash32(words[1] ?? "", seed);
  for (let i = 2; i < words.length; i++) {
    const c = hash32(words[i] ?? "", seed);
    fn(shingle3(a, b, c));
    a = b;
    b = c;
  }
}

/** Distinct hashes of the text's word 3-shingles (lower-cased, NFKC), under the key's seed. */
export function shingleHashes(text: string, seed: number, maxChars = ITEM_CHARS): Uint32Array {
  const out = new Set<number>();
  forEachShingle(text, seed, maxChars, (h) => out.add(h));
  return Uint32Array.from(out);
}

/**
 * The numbers of a text in order (thousands separators dropped): what a paraphrase of a
 * problem must keep, since the answer harvested depends on them.
 */
export function numberSequence(text: string, maxChars = ITEM_CHARS): string[] {
  return (
    text
      .slice(0, maxChars)
      .normalize("NFKC")
      .replace(/(\d),(?=\d{3}(?!\d))/g, "$1")
      .match(/\d+(?:\.\d+)?/g) ?? []
  );
}

/** An item's number anchor (0: too few numbers), under the key's seed. */
function numberAnchor(nums: readonly string[], seed: number): number {
  if (nums.length < NUMBER_MIN) return 0;
  const first = nums.slice(0, NUMBER_WINDOW);
  // list numbering (1 2 3 4), repeats and small counts say nothing about which problem it is
  if (first.join("").length < 6 || new Set(first).size < 3) return 0;
  const step = Number(first[1]) - Number(first[0]);
  if (first.every((x, i) => i === 0 || Number(x) - Number(first[i - 1]) === step)) return 0;
  return hash32(first.join(" "), (seed ^ NUMBER_SALT) >>> 0) || 1;
}

/** Hashes of every run of NUMBER_MIN..NUMBER_WINDOW consecutive numbers of a text. */
function numberWindows(nums: readonly string[], seed: number): number[] {
  const out: number[] = [];
  for (let len = NUMBER_MIN; len <= NUMBER_WINDOW; len++)
    for (let i = 0; i + len <= nums.length; i++) {
      const h = numberAnchor(nums.slice(i, i + len), seed);
      if (h !== 0) out.push(h);
    }
  return out;
}

/** What a prompt carries: an item (its index) of a set (its index in `sets`). */
export interface ItemMatch {
  readonly item: number;
  readonly set: number;
}

/**
 * An index of item sets: ANCHORS shingle hashes per item (0 for none), a number anchor per
 * item (its first numbers in order, 0 for none), the set of each item.
 * Built by `buildItemIndex` (scripts/build-itemsets.ts for the shipped one).
 */
export class ItemIndex {
  /**
   * anchor → item, open-addressed (an anchor hash and its item per slot; hash 0 marks an
   * empty slot): a typed table rather than a Map, since every shingle of every prompt is
   * looked up and 32-bit keys are not small integers to a Map
   */
  private readonly table: Uint32Array;
  private readonly tableItem: Int32Array;
  private readonly tableMask: number;
  /** items of an anchor that several items share (none in a built index; read files may) */
  private readonly shared = new Map<number, number[]>();
  private readonly byNumbers = new Map<number, number>();

  constructor(
    readonly sets: readonly string[],
    /** ANCHORS per item, 0 where an item has fewer */
    readonly anchors: Uint32Array,
    /** each item's set, by index in `sets` */
    readonly itemSet: Uint16Array,
    /** each item's number anchor (0: none) */
    readonly numbers: Uint32Array,
    /** the key's seed the anchors were hashed under (0: no key) */
    readonly seed: number,
  ) {
    if (anchors.length !== itemSet.length * ANCHORS || numbers.length !== itemSet.length)
      throw new Error("item index: anchors do not match items");
    numbers.forEach((h, item) => {
      if (h !== 0) this.byNumbers.set(h, item);
    });
    let cap = 16;
    while (cap < anchors.length * 2) cap *= 2;
    this.table = new Uint32Array(cap);
    this.tableItem = new Int32Array(cap);
    this.tableMask = cap - 1;
    for (let i = 0; i < anchors.length; i++) {
      const a = anchors[i] ?? 0;
      if (a === 0) continue;
      const item = Math.floor(i / ANCHORS);
      const at = this.slot(a);
      if (this.table[at] === 0) {
        this.table[at] = a;
        this.tableItem[at] = item;
      } else {
        const list = this.shared.get(a) ?? [this.tableItem[at] ?? 0];
        list.push(item);
        this.shared.set(a, list);
        this.tableItem[at] = -1;
      }
    }
  }

  /** The slot of an anchor hash: where it is, or the empty slot where it would go. */
  private slot(h: number): number {
    const t = this.table;
    let i = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) & this.tableMask;
    while (t[i] !== 0 && t[i] !== h) i = (i + 1) & this.tableMask;
    return i;
  }

  /** Items indexed. */
  get size(): number {
    return this.itemSet.length;
  }

  /** The item the text carries (the one with most anchors found, at least MIN_HITS), if any. */
  match(text: string): ItemMatch | undefined {
    if (text.length < 12) return undefined;
    // anchors are rare in a prompt: the few found are kept in small arrays
    const found: number[] = [];
    const hitItems: number[] = [];
    const hitCounts: number[] = [];
    let best = -1;
    let bestHits = 0;
    const credit = (item: number): void => {
      let k = hitItems.indexOf(item);
      if (k < 0) {
        k = hitItems.length;
        hitItems.push(item);
        hitCounts.push(0);
      }
      const n = (hitCounts[k] ?? 0) + 1;
      hitCounts[k] = n;
      if (n > bestHits || (n === bestHits && item < best)) {
        best = item;
        bestHits = n;
      }
    };
    forEachShingle(text, this.seed, ITEM_CHARS, (h) => {
      if (h === 0) return;
      const at = this.slot(h);
      if (this.table[at] === 0 || found.includes(h)) return;
      found.push(h);
      const item = this.tableItem[at] ?? -1;
      if (item >= 0) credit(item);
      else for (const it of this.shared.get(h) ?? []) credit(it);
    });
    if (bestHits >= MIN_HITS) return { item: best, set: this.itemSet[best] ?? 0 };
    // a problem reworded around its numbers is still the problem
    if (this.byNumbers.size > 0)
      for (const h of numberWindows(numberSequence(text), this.seed)) {
        const item = this.byNumbers.get(h);
        if (item !== undefined) return { item, set: this.itemSet[item] ?? 0 };
      }
    return undefined;
  }

  encode(): Buffer {
    // the key's check value, not its seed: the file alone does not give the hashing away
    const head = Buffer.from(
      JSON.stringify({ sets: this.sets, check: keyCheck(this.seed), items: this.size }),
    );
    const out = Buffer.alloc(
      MAGIC.length +
        4 +
        head.length +
        this.anchors.byteLength +
        this.itemSet.byteLength +
        this.numbers.byteLength,
    );
    MAGIC.copy(out, 0);
    out.writeUInt32LE(head.length, MAGIC.length);
    head.copy(out, MAGIC.length + 4);
    let at = MAGIC.length + 4 + head.length;
    for (const a of this.anchors) {
      out.writeUInt32LE(a, at);
      at += 4;
    }
    for (const s of this.itemSet) {
      out.writeUInt16LE(s, at);
      at += 2;
    }
    for (const h of this.numbers) {
      out.writeUInt32LE(h, at);
      at += 4;
    }
    return out;
  }

  /** Reads an index built under `key` (an error if the file was built under another). */
  static decode(buf: Buffer, key?: string): ItemIndex {
    if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC))
      throw new Error("not an item index file");
    const len = buf.readUInt32LE(MAGIC.length);
    const head = JSON.parse(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + len).toString("utf8")) as {
      sets?: unknown;
      check?: unknown;
      items?: unknown;
    };
    const items = head.items;
    if (
      !Array.isArray(head.sets) ||
      !head.sets.every((s) => typeof s === "string") ||
      typeof head.check !== "number" ||
      typeof items !== "number" ||
      !Number.isInteger(items) ||
      items < 0
    )
      throw new Error("item index file: bad header");
    const seed = keySeed(key);
    if (head.check !== keyCheck(seed))
      throw new Error("item index file was built under another key (DISTILLGUARD_ITEMSET_KEY)");
    let at = MAGIC.length + 4 + len;
    if (buf.length !== at + items * ANCHORS * 4 + items * 2 + items * 4)
      throw new Error("item index file is truncated");
    const anchors = new Uint32Array(items * ANCHORS);
    for (let i = 0; i < anchors.length; i++, at += 4) anchors[i] = buf.readUInt32LE(at);
    const itemSet = new Uint16Array(items);
    for (let i = 0; i < items; i++, at += 2) {
      const s = buf.readUInt16LE(at);
      if (s >= head.sets.length) throw new Error("item index file: an item names no set");
      itemSet[i] = s;
    }
    const numbers = new Uint32Array(items);
    for (let i = 0; i < items; i++, at += 4) numbers[i] = buf.readUInt32LE(at);
    return new ItemIndex(head.sets as string[], anchors, itemSet, numbers, seed);
  }
}

/**
 * Builds an index: every set's items, anchored on shingles that no other item and no
 * `background` text (organic conversations) contains, ranked by a keyed hash.
 */
export function buildItemIndex(
  sets: readonly { readonly name: string; readonly items: readonly string[] }[],
  background: readonly string[],
  key?: string,
): { index: ItemIndex; skipped: number } {
  const seed = keySeed(key);
  const rankSeed = hash32("rank", seed);
  const common = new Set<number>();
  const commonNumbers = new Set<number>();
  for (const t of background) {
    for (const h of shingleHashes(t, seed)) common.add(h);
    for (const h of numberWindows(numberSequence(t), seed)) commonNumbers.add(h);
  }
  const seen = new Map<number, number>();
  const seenNumbers = new Map<number, number>();
  const all: { set: number; hashes: Uint32Array; number: number }[] = [];
  // an item in two sets (GPTeacher's codegen set is Code Alpaca's) belongs to the first
  const texts = new Set<string>();
  sets.forEach((s, si) => {
    for (const text of s.items.map((t) => t.trim())) {
      if (texts.has(text)) continue;
      texts.add(text);
      const hashes = shingleHashes(text, seed);
      for (const h of hashes) seen.set(h, (seen.get(h) ?? 0) + 1);
      const number = numberAnchor(numberSequence(text), seed);
      if (number !== 0) seenNumbers.set(number, (seenNumbers.get(number) ?? 0) + 1);
      all.push({ set: si, hashes, number });
    }
  });
  const anchors: number[] = [];
  const itemSet: number[] = [];
  const numbers: number[] = [];
  let skipped = 0;
  for (const { set, hashes, number } of all) {
    const own = [...hashes].filter((h) => h !== 0 && seen.get(h) === 1 && !common.has(h));
    // numbers anchor an item only when no other item and no organic text has them in that order
    const num = number !== 0 && seenNumbers.get(number) === 1 && !commonNumbers.has(number) ? number : 0;
    if (own.length < MIN_HITS && num === 0) {
      skipped++;
      continue;
    }
    own.sort((a, b) => hash32(String(a), rankSeed) - hash32(String(b), rankSeed));
    // too few shingles of its own to anchor by words: only its numbers find it
    for (let k = 0; k < ANCHORS; k++) anchors.push(own.length >= MIN_HITS ? (own[k] ?? 0) : 0);
    itemSet.push(set);
    numbers.push(num);
  }
  return {
    index: new ItemIndex(
      sets.map((s) => s.name),
      Uint32Array.from(anchors),
      Uint16Array.from(itemSet),
      Uint32Array.from(numbers),
      seed,
    ),
    skipped,
  };
}

/** The shipped index (models/itemsets.bin at the package root, from src/ or dist/). */
export const ITEM_INDEX_URL = new URL("../../models/itemsets.bin", import.meta.url);

let shipped: ItemIndex | null | undefined;
let problem: string | undefined;

/**
 * The index in use, read once per thread: DISTILLGUARD_ITEMSETS (a provider's own, built
 * with its key in DISTILLGUARD_ITEMSET_KEY) or the shipped one; null when it is missing or
 * its key is not the one given (the signal is then off, never wrong).
 */
export function shippedItemIndex(): ItemIndex | null {
  if (shipped === undefined) {
    try {
      const path = process.env.DISTILLGUARD_ITEMSETS;
      shipped = ItemIndex.decode(
        readFileSync(path !== undefined && path.length > 0 ? path : ITEM_INDEX_URL),
        process.env.DISTILLGUARD_ITEMSET_KEY,
      );
    } catch (err) {
      shipped = null;
      problem = err instanceof Error ? err.message : String(err);
    }
  }
  return shipped;
}

/** Why the index is off (undefined when it is in use), for a run to say once. */
export function itemIndexProblem(): string | undefined {
  shippedItemIndex();
  return problem;
}
