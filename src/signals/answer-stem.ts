// A prompt's answer stems: its text with one number masked, for each of its first and last
// few numbers. Two prompts that share one differ only in that number. Preference data is made of such
// pairs: the same problem sent with two candidate answers (a right and a wrong final
// number) to be graded or explained, so that the answers can be ranked against each
// other; the answer stands first ("the answer is 42. Explain..."), last ("... Final
// answer: 42") or just before the end ("... the speed is 80 km/h. Out of 10?"). A person rarely sends the same long text twice with one number changed;
// a generator that fills a template with numbers changes all of them, and one that
// changes a single number many times makes a family of many prompts, not pairs (the
// profile counts a stem's prompts up to a few: see profiles/profile.ts). No word list:
// only the shape of the text.
import { FNV_OFFSET, fnvStep } from "../contract/hash.js";

/** Prompts shorter than this have no stems: short numeric questions repeat by nature. */
export const STEM_MIN_CHARS = 80;
/** Characters read (the head and the tail of a long prompt). */
const STEM_READ = 4000;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const NONE: readonly number[] = Object.freeze([]);

/**
 * FNV-1a (32 bits, never 0) of the text with case folded, runs of white space collapsed
 * and the numbers numbered `first` to `last` (0-based) masked. One pass, no regular expression.
 */
function stemHash(text: string, first: number, last: number): { hash: number; numbers: number } {
  let h = FNV_OFFSET;
  let numbers = 0;
  let inNumber = false;
  let space = false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (isDigit(c)) {
      const starts = !inNumber;
      if (starts) {
        inNumber = true;
        numbers++;
      }
      const k = numbers - 1;
      if (k >= first && k <= last) {
        if (!starts) continue;
        c = 35; // '#', once per masked number
      }
    } else if (inNumber && (c === 46 || c === 44) && isDigit(text.charCodeAt(i + 1))) {
      continue; // a decimal point or thousands separator inside a number
    } else {
      inNumber = false;
      if (isSpace(c)) {
        if (space) continue;
        space = true;
        c = 32;
      } else {
        space = false;
        if (c >= 65 && c <= 90) c += 32;
      }
    }
    h = fnvStep(h, c);
  }
  return { hash: h >>> 0 || 1, numbers };
}

/** Numbers whose masking makes a stem: the first STEM_NUMBERS / 2 and the last STEM_NUMBERS / 2. */
export const STEM_NUMBERS = 6;

/**
 * The prompt's answer stems: the hash of its text with one number masked, for each of its
 * first and last STEM_NUMBERS / 2 numbers (an answer stands first, last, or just before a
 * closing "out of 10"). None when the prompt is shorter than STEM_MIN_CHARS or carries no digit.
 */
export function answerStems(prompt: string): readonly number[] {
  if (prompt.length < STEM_MIN_CHARS) return NONE;
  const text =
    prompt.length > 2 * STEM_READ ? `${prompt.slice(0, STEM_READ)}\n${prompt.slice(-STEM_READ)}` : prompt;
  const first = stemHash(text, 0, 0);
  const n = first.numbers;
  if (n === 0) return NONE;
  const out = [first.hash];
  const half = STEM_NUMBERS / 2;
  for (let k = 1; k < n; k++) if (k < half || k >= n - half) out.push(stemHash(text, k, k).hash);
  return out;
}
