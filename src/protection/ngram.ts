// Small student language models for the protection experiment: word n-grams (order 2 to
import { at } from "../contract/index.js";

// 4) trained on a teacher's answers and sampled with back-off (the longest context seen
// decides; shorter ones when it was never seen), as a distiller's student would imitate
// the teacher's word choices.

/** Words (letters and apostrophes), numbers, single punctuation marks and line breaks. */
const TOKEN = /[A-Za-z][A-Za-z'\u2019]*|[0-9]+|\n|[^\sA-Za-z0-9]/g;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

const NO_SPACE_BEFORE = new Set([",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "\n"]);
const NO_SPACE_AFTER = new Set(["(", "[", "{", "\n", "$"]);

/** Text from tokens: spaces between words, none before closing punctuation or around line breaks. */
export function detokenize(tokens: readonly string[]): string {
  let out = "";
  let prev = "\n";
  for (const t of tokens) {
    if (out.length > 0 && !NO_SPACE_BEFORE.has(t) && !NO_SPACE_AFTER.has(prev)) out += " ";
    out += t;
    prev = t;
  }
  return out;
}

/** A seeded pseudo-random generator (mulberry32): the experiment is repeatable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOS = "<s>";
export const EOS = "</s>";

export class NGramModel {
  /** context (tokens joined by \u0001, 0 to order-1 of them) → the tokens that followed, with repeats */
  private readonly next = new Map<string, string[]>();
  tokens = 0;

  constructor(readonly order: number) {
    if (order < 1 || order > 6) throw new Error("order must be 1 to 6");
  }

  /** Adds one document. */
  add(tokens: readonly string[]): void {
    const seq = [...Array.from({ length: this.order - 1 }, () => BOS), ...tokens, EOS];
    for (let i = this.order - 1; i < seq.length; i++) {
      const t = at(seq, i);
      for (let k = 0; k < this.order; k++) {
        const key = seq.slice(i - k, i).join("\u0001");
        let list = this.next.get(key);
        if (!list) {
          list = [];
          this.next.set(key, list);
        }
        list.push(t);
      }
      this.tokens++;
    }
  }

  /** The next token after `context` (its last order-1 tokens), backing off to shorter contexts. */
  sampleNext(context: readonly string[], random: () => number): string {
    const ctx = [...Array.from({ length: this.order - 1 }, () => BOS), ...context].slice(-(this.order - 1));
    for (let k = this.order - 1; k >= 0; k--) {
      const list = this.next.get(ctx.slice(ctx.length - k).join("\u0001"));
      if (list && list.length > 0) return at(list, Math.floor(random() * list.length));
    }
    return EOS;
  }

  /** Up to `max` tokens after `context` (stops at the end of a document). */
  sample(context: readonly string[], max: number, random: () => number): string[] {
    const out: string[] = [];
    const ctx = [...context];
    for (let i = 0; i < max; i++) {
      const t = this.sampleNext(ctx, random);
      if (t === EOS) break;
      out.push(t);
      ctx.push(t);
    }
    return out;
  }
}
