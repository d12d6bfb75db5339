// Public surface of the scorer: verdicts against a scenario's ground truth.
export { type EvalResult, evaluate, formatEval } from "./evaluate.js";
