// Public surface of the traffic simulator.
export { ADAPTIVE_DOC, ADAPTIVE_LEVELS, type AdaptiveLevel, type AdaptiveTactics } from "./_adaptive.js";
export { TACTICS, type Tactic } from "./_campaigns.js";

export { FAMILIES, FAMILY_NAMES, type Family, familyOn, type Variants } from "./_families.js";
export {
  type AttackerCost,
  type SimProgress,
  type SimulateOptions,
  type SimulationSummary,
  simulate,
} from "./simulate.js";
