// Public surface of the verdicts stage: scoring, assembly and the report.
export { type AccountDecision, describeCampaign, verdictLine } from "./assemble.js";
export { esc, type ReportInput, renderReport } from "./report.js";
export { MIN_EXCHANGES, type Scored, scoreProfile } from "./score.js";
