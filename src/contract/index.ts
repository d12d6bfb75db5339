// Public surface of the contract: the traffic-log and verdict types, readers,
// normalisation of both APIs, input issues and the JSON Schemas.

export {
  type AnswerPart,
  type ApiKind,
  answerParts,
  type DeltaPart,
  deltaParts,
  messageParts,
  REASONING_FIELDS,
  responseKind,
} from "./answer.js";
export { at } from "./checked.js";
export { jsonDepth } from "./depth.js";
export { formatIssue, type InputIssue, type IssueCode, type IssueSink, IssueTally } from "./issues.js";
export {
  type Line,
  type LineBlock,
  type LineReadOptions,
  linesOfBlock,
  readLineBatches,
  readLineBlocks,
} from "./lines.js";
export {
  type Block,
  type ExchangeFacts,
  type ExchangeView,
  exchangeFacts,
  inferApi,
  lastUserText,
  normaliseExchange,
  type Output,
  type Role,
  type Sampling,
  type Turn,
  type Usage,
} from "./normalise.js";
export {
  type Checker,
  checkers,
  checkLines,
  findJsonl,
  type InputProblem,
  inputProblem,
  type ReadOptions,
  type Row,
  readRecordBatches,
  readRecords,
} from "./read.js";
export { type Checked, isObject } from "./records.js";
export {
  type AccountRecord,
  AccountSchema,
  AnthropicRequestSchema,
  APIS,
  type Api,
  type Campaign,
  type CampaignsFile,
  CampaignsFileSchema,
  type ClientInfo,
  type EventRecord,
  EventSchema,
  EXCHANGE_PARTS,
  type ExchangeLabel,
  ExchangeLabelSchema,
  type ExchangePart,
  type ExchangeRecord,
  ExchangeSchema,
  type Indicator,
  IP_TYPES,
  type IpType,
  jsonSchemaDocuments,
  type Label,
  LabelSchema,
  OpenAIRequestSchema,
  PATHWAYS,
  type Pathway,
  type Reason,
  SCHEMA_FILES,
  TRUNCATIONS,
  type VerdictAccount,
  VerdictAccountSchema,
} from "./schema.js";
export { type SseEvent, SseSplitter } from "./sse.js";
export { parseRfc3339, toRfc3339 } from "./time.js";
