// Per-account risk from the account's own profile, with the reasons that explain it.
import type { Reason } from "../contract/index.js";
import type { AccountProfile } from "../profiles/index.js";
import { CAPABILITIES } from "../signals/index.js";

export interface Scored {
  readonly risk: number;
  readonly reasons: Reason[];
}

const idx = (c: (typeof CAPABILITIES)[number]): number => CAPABILITIES.indexOf(c);
const EXTRACTION = [idx("cot_elicitation"), idx("reward_grading"), idx("censorship_rewrite")];

/** Minimum exchanges before an account's own behaviour is judged. */
export const MIN_EXCHANGES = 5;

export function scoreProfile(p: AccountProfile): Scored {
  const reasons: Reason[] = [];
  if (p.n < MIN_EXCHANGES) return { risk: 0, reasons };
  let extraction = 0;
  for (const i of EXTRACTION) extraction = Math.max(extraction, p.capabilityShare(i));
  const given = p.share(p.givenAnswer);
  const oneShot = p.share(p.oneShot);
  const flat = p.hourFlatness;
  const add = (signal: string, weight: number, detail: string): void => {
    if (weight > 0) reasons.push({ signal, detail, weight: Math.round(weight * 1000) / 1000 });
  };
  add(
    "extraction_prompts",
    2.5 * extraction,
    `${(extraction * 100).toFixed(0)}% of exchanges elicit reasoning traces, grading or rewrites`,
  );
  add(
    "given_answer",
    2 * given,
    `${(given * 100).toFixed(0)}% hand over the answer and ask for the reasoning`,
  );
  add("one_shot", oneShot > 0.9 ? 0.6 : 0, `${(oneShot * 100).toFixed(0)}% one-shot requests`);
  add(
    "around_the_clock",
    flat > 0.93 && p.n >= 24 ? 0.8 : 0,
    `activity flat across 24 hours (entropy ${flat.toFixed(2)})`,
  );
  const z = reasons.reduce((s, r) => s + r.weight, 0) - 2.2;
  reasons.sort((a, b) => b.weight - a.weight);
  return { risk: 1 / (1 + Math.exp(-3 * z)), reasons };
}
