// Public surface of threat-intelligence sharing: campaigns out as STIX 2.1 bundles,
// partners' bundles in as detector evidence, the STIX pattern grammar, validation against
// the official schemas, and the TAXII 2.1 endpoint.

// kept on the intel surface, where it first was: the depth guard lives with the contract now
export { jsonDepth } from "../contract/index.js";
export { type Bundle, CAMPAIGN_EXTENSION, type ExportOptions, exportBundle, keyedHash } from "./export.js";
export {
  type ImportLimits,
  IntelError,
  type ParsedBundle,
  type PartnerRow,
  partnerIntel,
  partnerRows,
  readBundle,
} from "./import.js";

export { type StixObject, TLP_LEVELS, TLP2_EXTENSION, type TlpLevel } from "./stix.js";
export { createTaxiiApp, type TaxiiOptions } from "./taxii.js";
export { StixSchemas } from "./validate.js";
