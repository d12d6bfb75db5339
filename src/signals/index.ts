// Public surface of the per-exchange signals.

import { fnv1aHex } from "../contract/hash.js";
import type { ExchangeView } from "../contract/index.js";
import { answerStems } from "./answer-stem.js";
import { type CapabilityMask, classifyCapabilities, promptText } from "./capabilities.js";
import { shippedHarvestModel } from "./harvest.js";
import { shippedItemIndex } from "./itemsets.js";
import { carriesNewItem } from "./novelty.js";
import { scaffoldOf } from "./scaffold.js";
import { bands, simhash } from "./simhash.js";

export {
  bit,
  CAPABILITIES,
  type Capability,
  type CapabilityEvidence,
  type CapabilityMask,
  capabilityList,
  classifyCapabilities,
} from "./capabilities.js";
export { HarvestModel, harvestFeatures } from "./harvest.js";
export { buildItemIndex, ItemIndex, itemIndexProblem, shippedItemIndex } from "./itemsets.js";
export { NEW_ITEM_UNITS } from "./novelty.js";

export { bands } from "./simhash.js";

export interface ExchangeSignals {
  readonly capabilities: CapabilityMask;
  readonly givenAnswer: boolean;
  readonly elicitingSystem: boolean;
  readonly instructionFormat: boolean;
  /** hash of the masked system prompt and prompt: the template ("" for follow-ups and agent steps) */
  readonly scaffold: string;
  /** the masked template itself, clipped, for analysts ("" when no scaffold) */
  readonly scaffoldText: string;
  /** SimHash bands of the masked prompt: near-duplicate templates share one */
  readonly simBands: readonly string[];
  /** hash of the exact prompt text */
  readonly promptHash: string;
  /** hash of the conversation's first user message: the task a multi-step session works on */
  readonly taskHash: string;
  /** the request continues a conversation with a user's own follow-up (not a tool result) */
  readonly followUp: boolean;
  /**
   * a follow-up that carries a new self-contained item: NEW_ITEM_UNITS or more content words
   * the conversation had not used (a problem pasted into an open chat, not a turn about it)
   */
  readonly newItem: boolean;
  /** the last turn carries tool results: a step of an agent loop */
  readonly toolStep: boolean;
  /** requested output budget: max tokens, and the extended-thinking budget if any */
  readonly maxTokens: number;
  readonly thinkingBudget: number;
  readonly temperature: number | undefined;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** turns of history sent with the request (0 for a one-shot request) */
  readonly history: number;
  /**
   * the learned classifier's probability that the last user turn is a harvest-style item
   * (self-contained task, exam or benchmark item, data-generation instruction, agent task)
   * rather than a person's own turn; 0 for agent steps, which carry tool output
   */
  readonly harvest: number;
  /**
   * the item of a known public set (problem, benchmark, exam or instruction set; see
   * itemsets.ts) the last user turn carries, by its index in the item index; -1 for none
   */
  readonly item: number;
  /** the known set that item belongs to (its index in the item index), -1 for none */
  readonly itemSet: number;
  /**
   * the last user turn's answer stems (answer-stem.ts): its text with one of its first or
   * last few numbers masked, hashed; two prompts that share one differ only in that number
   */
  readonly stems: readonly number[];
}

export function exchangeSignals(view: ExchangeView): ExchangeSignals {
  const prompt = promptText(view);
  const cap = classifyCapabilities(view, prompt);
  const turns = view.turns;
  const last = turns[turns.length - 1];
  let firstUser = "";
  let assistantBefore = false;
  for (const t of turns) {
    if (t.role === "user" && firstUser.length === 0) firstUser = t.text;
    if (t !== last && t.role === "assistant") assistantBefore = true;
  }
  const toolStep = last?.role === "tool";
  const followUp = !toolStep && last?.role === "user" && assistantBefore;
  // the earlier turns are the conversation's vocabulary
  const newItem = followUp && prompt.length > 0 && carriesNewItem(turns, prompt);
  // templates are read from requests that open a task; later steps repeat the task
  const scaffold = toolStep || followUp ? undefined : scaffoldOf(view.system, prompt);
  const budget =
    view.sampling.thinkingBudget ??
    (view.sampling.reasoningEffort === "high" ? 16000 : view.sampling.reasoningEffort ? 4000 : 0);
  const match = toolStep || prompt.length === 0 ? undefined : shippedItemIndex()?.match(prompt);
  return {
    capabilities: cap.mask,
    givenAnswer: cap.givenAnswer,
    elicitingSystem: cap.elicitingSystem,
    instructionFormat: cap.instructionFormat,
    scaffold: scaffold?.key ?? "",
    scaffoldText: scaffold ? scaffold.masked.slice(0, 240) : "",
    simBands: scaffold ? bands(simhash(scaffold.masked)) : [],
    promptHash: fnv1aHex(prompt),
    taskHash: fnv1aHex(firstUser.slice(0, 2000)),
    followUp,
    newItem,
    toolStep,
    maxTokens: view.sampling.maxTokens ?? 0,
    thinkingBudget: budget,
    temperature: view.sampling.temperature,
    inputTokens: view.usage.inputTokens ?? Math.ceil((view.system.length + prompt.length) / 4),
    outputTokens: view.usage.outputTokens ?? 0,
    history: Math.max(0, turns.length - 1),
    harvest: toolStep || prompt.length === 0 ? 0 : (shippedHarvestModel()?.score(prompt) ?? 0),
    item: match?.item ?? -1,
    itemSet: match?.set ?? -1,
    stems: toolStep ? [] : answerStems(prompt),
  };
}
