// Whether a follow-up carries a new, self-contained item (its own problem, payload or
// task) rather than a turn about the conversation so far. A person's follow-up refers
// back: it is short, or reuses the words of the answer it responds to. A problem pasted
// into an open conversation brings its own vocabulary, and an attacker cannot shrink that
// without giving up the item, which is the harvest. No word list: the measure is the
// count of content words the conversation has not used before.

/** Characters of earlier turns read as context (the most recent ones). */
const CONTEXT_CHARS = 4000;
/** Characters of the follow-up read. */
const TEXT_CHARS = 2000;
/**
 * Follow-ups with at least this many new content units carry a new item. A one-sentence
 * benchmark problem brings 10-14; 24% of real users' follow-ups in the ShareGPT sample bring 8 or
 * more (pasted text or code, a new question): those are new tasks too, and the harvest
 * classifier judges what they ask.
 */
export const NEW_ITEM_UNITS = 8;

// letter/digit runs; CJK text (no spaces) is read in two-character pieces
const WORD = /[\p{L}\p{N}_]+/gu;
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/u;

function* units(text: string): Generator<string> {
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0];
    if (CJK.test(w)) {
      for (let i = 0; i + 1 < w.length; i += 2) yield w.slice(i, i + 2);
    } else if (w.length >= 4) yield w;
  }
}

/**
 * Whether the last turn of a conversation carries a new item: NEW_ITEM_UNITS or more content
 * units that the most recent CONTEXT_CHARS of the earlier turns did not contain.
 */
export function carriesNewItem(turns: readonly { readonly text: string }[], text: string): boolean {
  let context = "";
  for (let i = turns.length - 2; i >= 0 && context.length < CONTEXT_CHARS; i--) {
    const t = turns[i]?.text ?? "";
    context = `${t.length > CONTEXT_CHARS ? t.slice(-CONTEXT_CHARS) : t}\n${context}`;
  }
  return novelUnits(context, text) >= NEW_ITEM_UNITS;
}

/**
 * Distinct content units (words of four or more characters, two-character pieces of CJK
 * text) in `text` that `context` does not contain.
 */
export function novelUnits(context: string, text: string): number {
  const seen = new Set<string>();
  for (const u of units(context.length > CONTEXT_CHARS ? context.slice(-CONTEXT_CHARS) : context))
    seen.add(u);
  const fresh = new Set<string>();
  for (const u of units(text.length > TEXT_CHARS ? text.slice(0, TEXT_CHARS) : text))
    if (!seen.has(u)) fresh.add(u);
  return fresh.size;
}
