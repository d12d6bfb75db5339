// Public surface of the outputs: what a run writes from the detector's results and its
// campaigns (verdict lines for accounts.jsonl and the store, report.html) and the HTML escaping
// the dashboard shares.
export { esc } from "./html.js";
export { GRAPH_NODES, type ReportInput, renderReport } from "./report.js";
export { accountFacts, type CampaignOf, verdictLine } from "./verdicts.js";
