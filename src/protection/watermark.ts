// A keyed lexical watermark for model outputs, applied to the text alone (any upstream).
//
// Where the prose holds a word or phrase from a synonym group (synonyms.ts), the key and
// the previous word pick one member of the group, and that member is written. A model
// trained on enough marked text learns those keyed preferences (word given previous
// word), which `verify-model` tests for. Keys are derived per cohort of accounts and time
// window, so a detected mark names the group of accounts whose outputs leaked.
//
// Never altered: fenced and indented code, tables, block quotes, inline code, text in
// double quotes, URLs and anything joined to digits or symbols, and a whole answer that is
// JSON. Streaming and non-streaming give the same bytes: the streaming marker holds back
// the last two words of an unfinished line (a phrase may span them) and an unfinished
// code fence, quote or inline code span.
import { createHmac } from "node:crypto";
import { at } from "../contract/index.js";
import { keyedHash32 } from "./_prf.js";
import { SYNONYM_GROUPS } from "./synonyms.js";

export interface WatermarkKey {
  /** what the key marks: `<cohort>@<window>` */
  readonly id: string;
  readonly bytes: Buffer;
}

/** The key for a cohort and time window, derived from the provider's secret. */
export function deriveKey(secret: string | Buffer, cohort: string, window: string): WatermarkKey {
  const id = `${cohort}@${window}`;
  return { id, bytes: createHmac("sha256", secret).update(`distillguard-watermark-v1|${id}`).digest() };
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

interface Member {
  readonly group: number;
  readonly index: number;
}

/** member text (lower case) → its group; two-word members under their first word */
const SINGLE = new Map<string, Member>();
const PAIRS = new Map<string, Map<string, Member>>();
for (const [gi, group] of SYNONYM_GROUPS.entries())
  for (const [mi, m] of group.members.entries()) {
    const words = m.split(" ");
    if (words.length === 1) SINGLE.set(m, { group: gi, index: mi });
    else {
      const [a, b] = words as [string, string];
      const inner = PAIRS.get(a) ?? new Map<string, Member>();
      PAIRS.set(a, inner);
      inner.set(b, { group: gi, index: mi });
    }
  }

/** The member the key picks for a group after a previous word. */
export class KeyedChoice {
  private readonly k0: number;
  private readonly k1: number;
  constructor(readonly key: WatermarkKey) {
    this.k0 = key.bytes.readUInt32LE(0);
    this.k1 = key.bytes.readUInt32LE(4);
  }

  pick(group: number, prev: string): number {
    const n = at(SYNONYM_GROUPS, group).members.length;
    return keyedHash32(this.k0, this.k1, `${group}\u0000${prev}`) % n;
  }
}

/** One place where the text holds a group member: what a test for the mark reads. */
export interface Occurrence {
  readonly group: number;
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
  /** occurrences replaced by another member */
  changed: number;
}

const WORD = /[A-Za-z][A-Za-z'\u2019]*/y;
/** characters that open a protected span: the token scan stops there */
const STOPS = '`"\u201c<';
const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";
/** characters that may touch a word on the left and on the right without joining it */
const LEFT_OK = new Set([" ", "\t", "(", "[", "{", "*", "_", "\u2018"]);
const RIGHT_OK = new Set([" ", "\t", ".", ",", ";", ":", "!", "?", ")", "]", "}", "*", "_", "\u2019"]);

function matchCase(original: string, replacement: string, curly: boolean): string {
  let r = curly ? replacement.replaceAll("'", "\u2019") : replacement;
  if (original.length > 1 && original === original.toUpperCase()) r = r.toUpperCase();
  else if (original[0] !== undefined && original[0] !== original[0].toLowerCase())
    r = r[0]?.toUpperCase() + r.slice(1);
  return r;
}

type LineKind = "prose" | "verbatim" | "fence";

/**
 * The watermark over a stream of text: `push` returns what can be released, `end` the rest.
 * Without a key it only observes (`occurrences`), which is how a text is tested.
 */
export class Watermarker {
  readonly stats: WatermarkStats = { words: 0, candidates: 0, changed: 0 };
  /** every member occurrence in the output, when `observe` is set */
  readonly occurrences: Occurrence[] = [];
  private pending = "";
  private inFence = false;
  private lineKind: LineKind | undefined;
  private prev = "";
  /** the last non-space character of the line so far, for sentence starts */
  private lastChar = "";
  private json: boolean | undefined;

  constructor(
    private readonly choice: KeyedChoice | undefined,
    private readonly observe = false,
  ) {}

  push(text: string): string {
    this.pending += text;
    return this.drain(false);
  }

  end(): string {
    return this.drain(true);
  }

  private drain(final: boolean): string {
    let out = "";
    if (this.json === undefined) {
      const first = this.pending.trimStart()[0];
      if (first === undefined && !final) return "";
      this.json = first === "{" || first === "[";
    }
    if (this.json) {
      out = this.pending;
      this.pending = "";
      return out;
    }
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl >= 0) {
        const line = this.pending.slice(0, nl + 1);
        this.pending = this.pending.slice(nl + 1);
        out += this.part(line, true);
        continue;
      }
      if (this.pending.length === 0) return out;
      if (final) {
        out += this.part(this.pending, true);
        this.pending = "";
        return out;
      }
      // an unfinished line: release what cannot change
      if (this.lineKind === undefined && !this.decideKind(this.pending, false)) return out;
      if (this.lineKind !== "prose") {
        out += this.pending;
        this.pending = "";
        return out;
      }
      const cut = safeCut(this.pending);
      if (cut <= 0) return out;
      const r = this.prose(this.pending, cut);
      out += r.out;
      this.pending = this.pending.slice(r.next);
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
      this.lineKind = undefined;
      this.prev = "";
      this.lastChar = "";
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
        continue;
      }
      if (isSpace(c)) {
        out += c;
        i++;
        continue;
      }
      let j = i;
      while (j < text.length && !isSpace(text[j]) && !STOPS.includes(text.charAt(j))) j++;
      const r = this.token(text, i, j);
      out += r.out;
      i = r.next;
    }
    return { out, next: i };
  }

  /** One token (no spaces): a plain word, possibly the first of a two-word phrase, or anything else. */
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
    this.stats.words++;
    const sentenceStart = this.lastChar === "" || ".!?:".includes(this.lastChar);
    const lead = tok.slice(0, a);
    const after = tok.slice(a + word.length);
    const lower = word.toLowerCase().replaceAll("\u2019", "'");
    // a two-word phrase: this word, one space, and the next token's word
    const pairs = PAIRS.get(lower);
    if (pairs && after === "" && text[end] === " ") {
      let k = end + 1;
      while (k < text.length && !isSpace(text[k]) && !STOPS.includes(text.charAt(k))) k++;
      const complete = k < text.length;
      const next = text.slice(end + 1, k);
      WORD.lastIndex = 0;
      const second = WORD.exec(next)?.[0];
      const member =
        second === undefined ? undefined : pairs.get(second.toLowerCase().replaceAll("\u2019", "'"));
      const tail = second === undefined ? "" : next.slice(second.length);
      if (complete && member && second !== undefined && [...tail].every((ch) => RIGHT_OK.has(ch))) {
        const out = lead + this.replace(`${word} ${second}`, member, tail, sentenceStart) + tail;
        this.lastChar = text[k - 1] ?? "";
        return { out, next: k };
      }
    }
    let out = tok;
    const single = SINGLE.get(lower);
    if (single) out = lead + this.replace(word, single, after, sentenceStart) + after;
    else this.prev = lower;
    this.lastChar = tok[tok.length - 1] ?? "";
    return { out, next: end };
  }

  /** A member occurrence: observed, and replaced by the keyed choice where it applies. */
  private replace(original: string, member: Member, after: string, sentenceStart: boolean): string {
    const group = at(SYNONYM_GROUPS, member.group);
    const applies =
      this.prev !== "a" &&
      this.prev !== "an" &&
      (!group.sentenceStart || (sentenceStart && after.startsWith(",")));
    const last = (m: string): string => (m.split(" ").at(-1) as string).toLowerCase();
    if (!applies) {
      this.prev = last(original).replaceAll("\u2019", "'");
      return original;
    }
    this.stats.candidates++;
    let chosen = member.index;
    if (this.choice) chosen = this.choice.pick(member.group, this.prev);
    if (this.observe) this.occurrences.push({ group: member.group, prev: this.prev, member: member.index });
    let out = original;
    if (chosen !== member.index) {
      this.stats.changed++;
      out = matchCase(original, at(group.members, chosen), original.includes("\u2019"));
    }
    this.prev = last(at(group.members, chosen));
    return out;
  }
}

/**
 * Where an unfinished line may be cut: before its last two whitespace-separated tokens
 * (a phrase may span them), and only where no inline code, quote or tag is open.
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
      if (spaces.length >= 3) lastSafe = at(spaces, spaces.length - 3);
    }
  }
  // cut just after the chosen space, so that the kept part starts at a token
  return lastSafe < 0 ? 0 : lastSafe + 1;
}

/** Marks a whole text (non-streaming). */
export function watermarkText(
  text: string,
  key: WatermarkKey | KeyedChoice,
): { text: string; stats: WatermarkStats } {
  const w = new Watermarker(key instanceof KeyedChoice ? key : new KeyedChoice(key));
  const out = w.push(text) + w.end();
  return { text: out, stats: w.stats };
}

/** The group-member occurrences of a text, as a test for the mark reads them. */
export function occurrencesOf(text: string): Occurrence[] {
  const w = new Watermarker(undefined, true);
  w.push(text);
  w.end();
  return w.occurrences;
}
