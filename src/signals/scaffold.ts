// The prompt's scaffold: the fixed wording around a variable payload. Campaigns send
// one template thousands of times with different payloads; the scaffold key groups
// them. Numbers, quoted spans, math and code are masked; long free-text runs are
// the payload and are cut out; what remains is hashed.
import { fnv1aHex } from "../contract/hash.js";

const NUMBER = /\d+(?:[.,]\d+)*/g;
const INLINE_MATH = /\$[^$\n]{0,400}\$/g;
const CODE_FENCE = /```[^`]{0,20000}```/g;

/**
 * Masks variable content. Each line keeps at most its first and last few words, so a
 * line made of a label and a payload ("Problem: <text>") keeps only the label.
 */
export function maskPrompt(text: string): string {
  const t = text.length > 8000 ? `${text.slice(0, 4000)}\n${text.slice(-4000)}` : text;
  const masked = t.replace(CODE_FENCE, "<code>").replace(INLINE_MATH, "<math>").replace(NUMBER, "#");
  const lines: string[] = [];
  for (const raw of masked.split("\n")) {
    const line = raw.trim();
    if (line.length === 0) continue;
    const colon = line.indexOf(":");
    if (colon > 0 && colon < 40 && line.length - colon > 3)
      lines.push(`${line.slice(0, colon + 1)} <payload>`);
    else {
      const words = line.split(/\s+/);
      lines.push(
        words.length > 12 ? `${words.slice(0, 4).join(" ")} <payload> ${words.slice(-3).join(" ")}` : line,
      );
    }
    if (lines.length >= 40) break;
  }
  return lines.join("\n").toLowerCase();
}

export interface Scaffold {
  /** hash of the system prompt's and the prompt's masked form */
  readonly key: string;
  readonly masked: string;
}

export function scaffoldOf(system: string, prompt: string): Scaffold {
  const masked = `${system.length > 0 ? `${maskPrompt(system)}\n---\n` : ""}${maskPrompt(prompt)}`;
  return { key: fnv1aHex(masked), masked };
}
