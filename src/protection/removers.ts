// Watermark removers: what a distiller who has read this repository does to harvested
// answers before training on them. The protection experiment (npm run protection) trains a
// student on their output and tests it for the mark, so every channel's strength is
// measured against an attacker who knows how it works (but not the provider's secret).
//
//   a  public groups: every member of every group in synonyms.ts (the first watermark's
//      published table) becomes its group's first member;
//   b  WordNet-wide: every word becomes the most frequent lemma of its most frequent
//      sense's synset (SemCor counts), plurals kept plural;
//   b′ the universe: every member of every group of the public carrier universe
//      (lexicon.ts) becomes the group's first member: the cheapest complete remover of the
//      lexical channel, since the universe is public and only the choice within it is secret;
//   c  structural: contractions expanded, bullets written "-", ordered markers "1.", the
//      comma before a list's last "and"/"or" dropped, curly quotes straightened, thousands
//      separators dropped, "percent" written "%";
//   d  a, then b, then c;
//   e  d, then every "X and Y" / "X or Y" of two lower-case words put in alphabetical order:
//      an adaptive attacker's remover of the word-order channel.
// Fenced code is left alone by all of them, as a distiller would keep code runnable.

import type { CarrierGroup, WordFacts } from "./lexicon.js";
import { SYNONYM_GROUPS } from "./synonyms.js";
import { matchCase } from "./watermark.js";

export type Remover = (text: string) => string;

/** Applies `f` to the text outside fenced code blocks. */
function outsideCode(text: string, f: (prose: string) => string): string {
  const parts = text.split(/(```[\s\S]*?(?:```|$))/);
  return parts.map((p, i) => (i % 2 === 1 ? p : f(p))).join("");
}

/** Replaces whole words (and two-word phrases) from a table, keeping their case. */
function tableRemover(table: ReadonlyMap<string, string>): Remover {
  const word = /[A-Za-z][A-Za-z'\u2019]*/g;
  const pairs = new Map<string, Map<string, string>>();
  const singles = new Map<string, string>();
  for (const [from, to] of table) {
    const [a, b] = from.split(" ") as [string, string | undefined];
    if (b === undefined) singles.set(a, to);
    else pairs.set(a, (pairs.get(a) ?? new Map<string, string>()).set(b, to));
  }
  return (text) =>
    outsideCode(text, (prose) => {
      let out = "";
      let last = 0;
      word.lastIndex = 0;
      for (let m = word.exec(prose); m !== null; m = word.exec(prose)) {
        const w = m[0];
        const lower = w.toLowerCase().replaceAll("\u2019", "'");
        const inner = pairs.get(lower);
        if (inner && prose[m.index + w.length] === " ") {
          word.lastIndex = m.index + w.length + 1;
          const next = word.exec(prose);
          const to = next && next.index === m.index + w.length + 1 && inner.get(next[0].toLowerCase());
          if (next && to) {
            out += prose.slice(last, m.index) + matchCase(w, to);
            last = next.index + next[0].length;
            word.lastIndex = last;
            continue;
          }
          word.lastIndex = m.index + w.length;
        }
        const to = singles.get(lower);
        if (to !== undefined && to !== lower) {
          out += prose.slice(last, m.index) + matchCase(w, to);
          last = m.index + w.length;
        }
      }
      return out + prose.slice(last);
    });
}

/** (a) The first watermark's public groups, each member written as the group's first. */
export function publicGroupsRemover(): Remover {
  const table = new Map<string, string>();
  for (const g of SYNONYM_GROUPS) for (const m of g.members) table.set(m, g.members[0] as string);
  return tableRemover(table);
}

/** (b′) Every group of the public carrier universe written as its first member. */
export function universeRemover(groups: readonly CarrierGroup[]): Remover {
  const table = new Map<string, string>();
  for (const g of groups) for (const m of g.members) if (!table.has(m)) table.set(m, g.members[0] as string);
  return tableRemover(table);
}

/** (b) Every word WordNet knows written as the most frequent lemma of its most frequent sense. */
export function wordnetRemover(lex: WordFacts): Remover {
  return (text) =>
    outsideCode(text, (prose) =>
      prose.replace(/[A-Za-z]+/g, (w) => {
        const lower = w.toLowerCase();
        if (w !== lower && w.slice(1) !== lower.slice(1)) return w;
        const c = lex.canonical(lower);
        return c === lower ? w : matchCase(w, c);
      }),
    );
}

const EXPAND: readonly (readonly [RegExp, string])[] = [
  [/\bcan['\u2019]t\b/gi, "cannot"],
  [/\bwon['\u2019]t\b/gi, "will not"],
  [/\bshan['\u2019]t\b/gi, "shall not"],
  [/\b([A-Za-z]+)n['\u2019]t\b/g, "$1 not"],
  [/\bI['\u2019]m\b/g, "I am"],
  [/\b([A-Za-z]+)['\u2019]re\b/g, "$1 are"],
  [/\b([A-Za-z]+)['\u2019]ll\b/g, "$1 will"],
  [/\b([A-Za-z]+)['\u2019]ve\b/g, "$1 have"],
];

/** (c) Contractions, list markers, serial commas, quotes and number formats normalised. */
export function structuralRemover(): Remover {
  return (text) =>
    outsideCode(text, (prose) => {
      let s = prose;
      for (const [re, to] of EXPAND) s = s.replace(re, to);
      s = s
        .replace(/^([ \t]*)[*+](?=[ \t])/gm, "$1-")
        .replace(/^([ \t]*)(\d{1,3})\)(?=[ \t])/gm, "$1$2.")
        .replace(/, (and|or) /g, " $1 ")
        .replace(/[\u2018\u2019]/g, "'")
        .replace(/[\u201c\u201d]/g, '"')
        .replace(/\b(\d{1,3}(?:,\d{3})+)\b/g, (n) => n.replaceAll(",", ""))
        .replace(/\b(\d+(?:\.\d+)?) percent\b/g, "$1%");
      return s;
    });
}

/** (e) Two lower-case words joined by and/or written in alphabetical order. */
export function pairOrderRemover(): Remover {
  return (text) =>
    outsideCode(text, (prose) =>
      prose.replace(/\b([a-z]{3,}) (and|or) ([a-z]{3,})\b/g, (m, x: string, conj: string, y: string) =>
        x <= y ? m : `${y} ${conj} ${x}`,
      ),
    );
}

/** Removers applied one after another. */
export function chain(...removers: readonly Remover[]): Remover {
  return (text) => removers.reduce((t, r) => r(t), text);
}

/** What a remover costs the text: the share of words it changed, and sample pairs. */
export function removerCost(
  texts: readonly string[],
  remover: Remover,
  samples = 3,
): { words: number; words_changed_share: number; samples: { before: string; after: string }[] } {
  let words = 0;
  let changed = 0;
  const pairs: { before: string; after: string }[] = [];
  for (const t of texts) {
    const after = remover(t);
    const a = t.split(/\s+/).filter(Boolean);
    const b = after.split(/\s+/).filter(Boolean);
    words += a.length;
    const diff = wordDiff(a, b);
    changed += diff;
    // samples to read: short prose (no code, which a remover that skips only fences may also change)
    if (diff > 0 && pairs.length < samples && t.length < 700 && t.length > 150 && !/[{};=<>`#]/.test(t)) {
      pairs.push({ before: t, after });
    }
  }
  return { words, words_changed_share: changed / Math.max(1, words), samples: pairs };
}

/** Words of `a` not kept in `b`: positional when the lengths match, else by a longest common subsequence. */
function wordDiff(a: readonly string[], b: readonly string[]): number {
  if (a.length === b.length) {
    let d = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
    return d;
  }
  if (a.length * b.length > 4_000_000) return Math.abs(a.length - b.length);
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      cur[j] =
        a[i - 1] === b[j - 1]
          ? (prev[j - 1] as number) + 1
          : Math.max(prev[j] as number, cur[j - 1] as number);
    [prev, cur] = [cur, prev];
  }
  return a.length - (prev[b.length] as number);
}
