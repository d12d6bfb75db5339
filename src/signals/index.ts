// Public surface of the per-exchange signals.
import type { ExchangeView } from "../contract/index.js";
import { type CapabilityMask, classifyCapabilities, promptText } from "./capabilities.js";
import { scaffoldOf } from "./scaffold.js";

export {
  bit,
  CAPABILITIES,
  type Capability,
  type CapabilityMask,
  capabilityList,
  classifyCapabilities,
  promptText,
} from "./capabilities.js";
export { fnv1a, maskPrompt, type Scaffold, scaffoldOf } from "./scaffold.js";

export interface ExchangeSignals {
  readonly capabilities: CapabilityMask;
  readonly givenAnswer: boolean;
  readonly scaffold: string;
  /** requested output budget: max tokens, and the extended-thinking budget if any */
  readonly maxTokens: number;
  readonly thinking: boolean;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** turns of history sent with the request (0 for a one-shot request) */
  readonly history: number;
}

export function exchangeSignals(view: ExchangeView): ExchangeSignals {
  const cap = classifyCapabilities(view);
  const prompt = promptText(view);
  return {
    capabilities: cap.mask,
    givenAnswer: cap.givenAnswer,
    scaffold: scaffoldOf(view.system, prompt).key,
    maxTokens: view.sampling.maxTokens ?? 0,
    thinking: (view.sampling.thinkingBudget ?? 0) > 0 || view.sampling.reasoningEffort !== undefined,
    inputTokens: view.usage.inputTokens ?? Math.ceil((view.system.length + prompt.length) / 4),
    outputTokens: view.usage.outputTokens ?? 0,
    history: Math.max(0, view.turns.length - 1),
  };
}
