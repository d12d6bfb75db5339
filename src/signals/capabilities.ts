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
  /\b(?:final|reference|correct|expected|given) answer(?: is|:)\s*[^\s.]|\banswer key says\b|\bthe answer\b[^\n.?]{0,60}\b(?:is|was|equals)\s+[^\s.]/i;
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

// System prompts that ask for long, explained answers or the reasoning itself (as Orca-style data
// generation does). Plain "step-by-step" is left out: persona prompts use it for instructions.
const SYSTEM_ELICIT =
  /\b(?:think step[- ]by[- ]step|step[- ]by[- ]step (?:logic|reasoning|manner)|justify your (?:steps|answer)|detailed (?:and long )?answer|long answer|explain (?:your|the) (?:answer|reasoning)|always provide (?:an )?explanation|explain in simple steps|answering to a five year old|show your reasoning|reasoning (?:paths|process)|chain[- ]of[- ]thought)/i;
// Instruction-tuning data formats: Alpaca/self-instruct wrappers and "Instruction:/Response:" slots.
const INSTRUCTION_FORMAT =
  /(?:###\s*(?:instruction|response|input)\s*:|\bbelow is an instruction that describes a task\b|^instruction:|\n(?:input|response|output):[ \n]|\bprovide a detailed and long answer\b)/im;

export interface CapabilityEvidence {
  readonly mask: CapabilityMask;
  /** the prompt gives the answer and asks for the reasoning behind it */
  readonly givenAnswer: boolean;
  /** the system prompt asks for explained, step-wise or long answers */
  readonly elicitingSystem: boolean;
  /** the prompt is in an instruction-tuning data format */
  readonly instructionFormat: boolean;
}

/** Capabilities an exchange targets. */
export function classifyCapabilities(view: ExchangeView, prompt = promptText(view)): CapabilityEvidence {
  let mask = 0;
  const system = view.system.length > MAX_SCAN ? view.system.slice(0, MAX_SCAN) : view.system;
  const cot = COT.test(prompt) || COT.test(system);
  const givenAnswer = cot && GIVEN_ANSWER.test(prompt);
  const elicitingSystem = system.length > 0 && SYSTEM_ELICIT.test(system);
  const instructionFormat = INSTRUCTION_FORMAT.test(prompt);
  if (cot || elicitingSystem) mask |= bit("cot_elicitation");
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
  return { mask, givenAnswer, elicitingSystem, instructionFormat };
}

const MAX_SCAN = 20_000;

/** The text the classifiers read: the last user turn, bounded in length. */
export function promptText(view: ExchangeView): string {
  const t = lastUserText(view);
  return t.length > MAX_SCAN ? t.slice(0, MAX_SCAN) : t;
}
