// Public surface of the traffic simulator.
export { TACTICS, type Tactic } from "./_campaigns.js";
export { builtinCorpus, type Corpus, loadCorpus } from "./_corpus.js";
export { type SimProgress, type SimulateOptions, type SimulationSummary, simulate } from "./simulate.js";
