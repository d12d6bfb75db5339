// Public surface of campaign assembly: campaigns built from the detector's results (read-only),
// and the evidence edges the report draws.
export { assembleCampaigns, type CampaignAssembly } from "./assemble.js";
export { communities, type Edge, eachEdgeAmong, edgesAmong } from "./attribute.js";
