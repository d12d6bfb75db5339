// What an exchange tries to extract. Each capability is a small, explainable test on
// the normalised exchange: regular expressions over the prompt (all linear-time,
// checked by src/redos.test.ts) and the structure of the request.
import { type ExchangeView, lastUserText } from "../contract/index.js";

export const CAPABILITIES = [
  "cot_elicitation",
  "reward_grading",
  "censorship_rewrite",
  "coding",
  "agentic_tool_use",
  "vision",
  "reasoning",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** A set of capabilities as a bit mask, bit i for CAPABILITIES[i]. */
export type CapabilityMask = number;

export const bit = (c: Capability): number => 1 << CAPABILITIES.indexOf(c);

export function capabilityList(mask: CapabilityMask): Capability[] {
  return CAPABILITIES.filter((_, i) => (mask & (1 << i)) !== 0);
}

// Asking for the reasoning itself: traces, chains of thought, the steps behind a given answer.
const COT =
  /\b(?:chain[- ]of[- ]thought|reasoning (?:trace|process|steps|chain)|thought process|(?:step[- ]by[- ]step|complete|full|detailed|entire|intermediate) (?:reasoning|derivation|justification)|(?:show|write out|explain|reconstruct|walk through) (?:your|the|all|every|each)(?: \w+){0,3} (?:reasoning|steps|work|thinking)|think (?:step[- ]by[- ]step|carefully)|justify (?:your|each|every) steps?|reasoning (?:that|which) (?:leads|led) to|(?:behind|leads? to|arrives? at|reach) (?:the|this) (?:given |reference |final |correct )?answer)/i;
// Answer known in advance: the prompt hands over the answer and asks for the path.
const GIVEN_ANSWER =
  /\b(?:final|reference|correct|expected|given) answer\b|\banswer key\b|\bthe answer\b[^\n.?]{0,60}\b(?:is|was|equals)\s+[^\s.]/i;
/\b(?:final answer|reference answer|correct answer|the answer (?:is|key says)|answer:)\s*[^\n]{1,80}/i;
const GRADING =
  /\b(?:grader|grade (?:the|this)|rubric|reward model|impartial judge|rate (?:the|this) (?:response|answer)|score (?:the|this|each) (?:response|answer|output)|on a scale (?:of|from) \d+ to \d+|evaluate (?:the following|the quality of|this) (?:answer|response)|preference score|\[\[rating\]\])/i;
const REWRITE_VERB =
  /\b(?:rewrite|rephrase|reformulate|produce a version|make (?:it|this) (?:safe|neutral|acceptable)|avoid(?:s|ing)? sensitive|politically (?:safe|neutral|correct)|pass (?:a )?content review|approved answer|acceptable answer)/i;
const SENSITIVE =
  /\b(?:tiananmen|taiwan|xinjiang|uyghur|dalai lama|tibet(?:an)?|falun gong|hong kong|umbrella movement|cultural revolution|great firewall|censorship|head of state|june 4(?:th)?|political prisoners?)\b/i;
const CODE =
  /(?:```|\bdef \w+\(|\bfunction \w*\(|\bclass \w+[:({]|\bimport \w+|#include|\bpublic static\b|=>\s*\{|\b(?:python|javascript|typescript|java|golang|rust|c\+\+|sql|regex|leetcode|algorithm|complexity|implement(?:ation)?|refactor|unit tests?|compile|stack trace|function|endpoint)\b)/i;
const MATH =
  /(?:\$[^$\n]{1,200}\$|\\(?:frac|sqrt|boxed|cdot)|\b(?:solve for|how many|prove that|find the (?:value|number|sum|area)|equation|integer|probability)\b)/i;

export interface CapabilityEvidence {
  readonly mask: CapabilityMask;
  /** the prompt gives the answer and asks for the reasoning behind it */
  readonly givenAnswer: boolean;
}

/** Capabilities an exchange targets. */
export function classifyCapabilities(view: ExchangeView): CapabilityEvidence {
  const prompt = promptText(view);
  let mask = 0;
  const cot = COT.test(prompt) || COT.test(view.system);
  const givenAnswer = cot && GIVEN_ANSWER.test(prompt);
  if (cot || (view.sampling.thinkingBudget ?? 0) >= 8000 || view.sampling.reasoningEffort === "high")
    mask |= bit("cot_elicitation");
  if (GRADING.test(prompt)) mask |= bit("reward_grading");
  if (REWRITE_VERB.test(prompt) && SENSITIVE.test(prompt)) mask |= bit("censorship_rewrite");
  let toolBlocks = false;
  let image = false;
  for (const t of view.turns)
    for (const b of t.blocks) {
      if (b.type === "tool_use" || b.type === "tool_result") toolBlocks = true;
      else if (b.type === "image") image = true;
    }
  if (toolBlocks || view.tools.length > 0 || (view.output?.toolCalls ?? 0) > 0)
    mask |= bit("agentic_tool_use");
  if (image) mask |= bit("vision");
  if (CODE.test(prompt)) mask |= bit("coding");
  if (MATH.test(prompt)) mask |= bit("reasoning");
  return { mask, givenAnswer };
}

const MAX_SCAN = 20_000;

/** The text the classifiers read: the last user turn, bounded in length. */
export function promptText(view: ExchangeView): string {
  const t = lastUserText(view);
  return t.length > MAX_SCAN ? t.slice(0, MAX_SCAN) : t;
}
