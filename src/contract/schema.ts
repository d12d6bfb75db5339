// The traffic-log and verdict contract (docs/contract.md, version 1) as
// TypeBox schemas. These are the single source: the TypeScript types are derived
// from them and `distillguard schema` writes them as JSON Schema into docs/schema/.
// Add, never rename: outside tools rely on every field name here.
import { type Static, type TSchema, Type } from "@sinclair/typebox";

const Rfc3339 = Type.String({
  format: "date-time",
  description: "RFC 3339 timestamp, e.g. 2026-02-01T12:00:00.000Z",
});

export const IP_TYPES = ["residential", "mobile", "datacenter", "proxy", "vpn", "tor", "unknown"] as const;
export const APIS = ["anthropic.messages", "openai.chat"] as const;
/** How an answer that did not reach its end was cut (an exchange's `truncated`). */
export const TRUNCATIONS = ["client_aborted", "upstream_cut", "timeout"] as const;
/** What a campaign exchange is to the attacker (simulator ground truth, exchange_labels.jsonl). */
export const EXCHANGE_PARTS = ["harvest", "chained", "cover", "customer"] as const;
export const PATHWAYS = ["standard", "enterprise", "education", "research", "startup", "reseller"] as const;

export const ClientSchema = Type.Object(
  {
    ip: Type.Optional(Type.String({ description: "source IPv4 or IPv6 address" })),
    user_agent: Type.Optional(Type.String({ description: "HTTP User-Agent" })),
    asn: Type.Optional(Type.Integer({ description: "autonomous system of ip" })),
    ip_type: Type.Optional(Type.Union(IP_TYPES.map((t) => Type.Literal(t)))),
    country: Type.Optional(Type.String({ pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2" })),
  },
  { description: "what the provider saw of the caller", additionalProperties: true },
);

const AnyObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const ExchangeSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "unique exchange id" }),
    ts: Rfc3339,
    account_id: Type.String({ minLength: 1, description: "the billed account" }),
    org_id: Type.Optional(Type.String({ description: "organisation the account belongs to" })),
    key_id: Type.Optional(Type.String({ description: "API key used" })),
    client: Type.Optional(ClientSchema),
    api: Type.Optional(Type.Union(APIS.map((a) => Type.Literal(a)))),
    request: AnyObject(
      "the request body exactly as the customer sent it: an Anthropic Messages or OpenAI Chat Completions body",
    ),
    response: Type.Optional(
      Type.Union([AnyObject("the response body in the same API's format"), Type.Null()]),
    ),
    status: Type.Optional(Type.Integer({ description: "HTTP status returned; default 200" })),
    truncated: Type.Optional(
      Type.Union(
        TRUNCATIONS.map((t) => Type.Literal(t)),
        {
          description:
            "added by distillguard: the answer stopped before its end because the client went away (client_aborted), the upstream broke off (upstream_cut) or a time limit passed (timeout); response holds what had been sent by then (absent: the answer was complete)",
        },
      ),
    ),
  },
  {
    $id: "https://distillguard.dev/schema/v1/exchange.schema.json",
    title: "Exchange",
    description: "One API call: request, response and what the provider knows of the caller",
    additionalProperties: true,
  },
);

export const AccountSchema = Type.Object(
  {
    account_id: Type.String({ minLength: 1 }),
    created_at: Type.Optional(Rfc3339),
    org_id: Type.Optional(Type.String()),
    pathway: Type.Optional(Type.Union(PATHWAYS.map((p) => Type.Literal(p)))),
    verified: Type.Optional(Type.Boolean()),
    email_domain: Type.Optional(Type.String()),
    payment_fingerprint: Type.Optional(Type.String()),
    signup_ip: Type.Optional(Type.String()),
    signup_country: Type.Optional(Type.String({ pattern: "^[A-Z]{2}$" })),
  },
  {
    $id: "https://distillguard.dev/schema/v1/account.schema.json",
    title: "Account",
    description: "Sign-up metadata of one account",
    additionalProperties: true,
  },
);

export const EventSchema = Type.Object(
  {
    ts: Rfc3339,
    type: Type.String({ minLength: 1, description: "model_release; other types may be added" }),
    model: Type.Optional(Type.String({ description: "for model_release: the model that became available" })),
  },
  {
    $id: "https://distillguard.dev/schema/v1/event.schema.json",
    title: "Event",
    additionalProperties: true,
  },
);

export const ReasonSchema = Type.Object(
  {
    signal: Type.String({ minLength: 1 }),
    detail: Type.String(),
    weight: Type.Number(),
  },
  { additionalProperties: true },
);

export const VerdictAccountSchema = Type.Object(
  {
    account_id: Type.String({ minLength: 1 }),
    risk: Type.Number({ minimum: 0, maximum: 1 }),
    flagged: Type.Boolean(),
    campaign_id: Type.Union([Type.String(), Type.Null()]),
    first_flagged_at: Type.Union([Rfc3339, Type.Null()]),
    reasons: Type.Array(ReasonSchema, { description: "evidence, strongest first" }),
  },
  {
    $id: "https://distillguard.dev/schema/v1/verdict-account.schema.json",
    title: "VerdictAccount",
    description: "One line of an analysis' accounts.jsonl",
    additionalProperties: true,
  },
);

export const EvidenceSchema = Type.Object(
  {
    signal: Type.String({ minLength: 1 }),
    detail: Type.String(),
    weight: Type.Number(),
  },
  { additionalProperties: true },
);

export const IndicatorSchema = Type.Object(
  {
    kind: Type.String({ description: "ip, ip_prefix, asn, user_agent, payment_fingerprint, scaffold, ..." }),
    value: Type.String(),
    accounts: Type.Integer({ minimum: 0, description: "campaign accounts sharing it" }),
    users: Type.Optional(Type.Integer({ minimum: 0, description: "accounts in the whole log using it" })),
    example: Type.Optional(
      Type.String({ description: "what the value looks like, e.g. a template's masked text" }),
    ),
  },
  { additionalProperties: true },
);

export const CampaignSchema = Type.Object(
  {
    campaign_id: Type.String({ minLength: 1 }),
    accounts: Type.Array(Type.String()),
    exchanges: Type.Integer({ minimum: 0 }),
    first_seen: Type.Union([Rfc3339, Type.Null()]),
    last_seen: Type.Union([Rfc3339, Type.Null()]),
    capabilities: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }), {
      description: "share of the campaign's exchanges per targeted capability",
    }),
    indicators: Type.Array(IndicatorSchema),
    evidence: Type.Array(EvidenceSchema, { description: "strongest first" }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: true },
);

export const CampaignsFileSchema = Type.Object(
  { campaigns: Type.Array(CampaignSchema) },
  {
    $id: "https://distillguard.dev/schema/v1/campaigns.schema.json",
    title: "CampaignsFile",
    description: "An analysis' campaigns.json",
    additionalProperties: true,
  },
);

// Ground truth written by the simulator; the detector never reads these.
export const LabelSchema = Type.Object(
  {
    account_id: Type.String({ minLength: 1 }),
    population: Type.String({ minLength: 1 }),
    campaign: Type.Union([Type.String(), Type.Null()]),
  },
  {
    $id: "https://distillguard.dev/schema/v1/label.schema.json",
    title: "Label",
    description: "Ground truth for one account (simulator labels.jsonl)",
    additionalProperties: true,
  },
);

export const ExchangeLabelSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    campaign: Type.String({ minLength: 1 }),
    account_id: Type.Optional(Type.String()),
    ts: Type.Optional(Rfc3339),
    part: Type.Optional(
      Type.Union(
        EXCHANGE_PARTS.map((p) => Type.Literal(p)),
        {
          description:
            "what the exchange is to the attacker: an item harvested, an item pasted as a follow-up into an open conversation, an ordinary chat sent as cover, or a relay customer's own chat through the account (absent: harvest)",
        },
      ),
    ),
  },
  {
    $id: "https://distillguard.dev/schema/v1/exchange-label.schema.json",
    title: "ExchangeLabel",
    description: "Ground truth for one campaign exchange (simulator exchange_labels.jsonl)",
    additionalProperties: true,
  },
);

// Shapes of the two request formats, as documentation and for validating what the
// simulator writes. The reader itself accepts any request object: a malformed body
// is still traffic the provider received.
const TextBlock = Type.Object({ type: Type.Literal("text"), text: Type.String() });
const AnthropicImageBlock = Type.Object({ type: Type.Literal("image"), source: Type.Object({}) });
const AnthropicToolUse = Type.Object({
  type: Type.Literal("tool_use"),
  id: Type.String(),
  name: Type.String(),
  input: Type.Unknown(),
});
const AnthropicToolResult = Type.Object({
  type: Type.Literal("tool_result"),
  tool_use_id: Type.String(),
  content: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String() }))])),
});
const AnthropicThinking = Type.Object({ type: Type.Literal("thinking"), thinking: Type.String() });
const AnthropicBlock = Type.Union([
  TextBlock,
  AnthropicImageBlock,
  AnthropicToolUse,
  AnthropicToolResult,
  AnthropicThinking,
]);

export const AnthropicRequestSchema = Type.Object(
  {
    model: Type.String(),
    max_tokens: Type.Integer({ minimum: 1 }),
    system: Type.Optional(Type.Union([Type.String(), Type.Array(TextBlock)])),
    messages: Type.Array(
      Type.Object({
        role: Type.Union([Type.Literal("user"), Type.Literal("assistant")]),
        content: Type.Union([Type.String(), Type.Array(AnthropicBlock)]),
      }),
      { minItems: 1 },
    ),
    tools: Type.Optional(Type.Array(Type.Object({ name: Type.String(), input_schema: Type.Object({}) }))),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    thinking: Type.Optional(
      Type.Object({ type: Type.String(), budget_tokens: Type.Optional(Type.Integer({ minimum: 0 })) }),
    ),
  },
  {
    $id: "https://distillguard.dev/schema/v1/anthropic-messages-request.schema.json",
    title: "AnthropicMessagesRequest",
    additionalProperties: true,
  },
);

const OpenAIPart = Type.Union([
  TextBlock,
  Type.Object({ type: Type.Literal("image_url"), image_url: Type.Object({ url: Type.String() }) }),
]);

export const OpenAIRequestSchema = Type.Object(
  {
    model: Type.String(),
    messages: Type.Array(
      Type.Object({
        role: Type.Union(["system", "developer", "user", "assistant", "tool"].map((r) => Type.Literal(r))),
        content: Type.Union([Type.String(), Type.Null(), Type.Array(OpenAIPart)]),
        tool_calls: Type.Optional(
          Type.Array(
            Type.Object({
              id: Type.String(),
              type: Type.Literal("function"),
              function: Type.Object({ name: Type.String(), arguments: Type.String() }),
            }),
          ),
        ),
        tool_call_id: Type.Optional(Type.String()),
      }),
      { minItems: 1 },
    ),
    tools: Type.Optional(
      Type.Array(
        Type.Object({
          type: Type.Literal("function"),
          function: Type.Object({ name: Type.String() }),
        }),
      ),
    ),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
    max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  },
  {
    $id: "https://distillguard.dev/schema/v1/openai-chat-request.schema.json",
    title: "OpenAIChatRequest",
    additionalProperties: true,
  },
);

export type ExchangeRecord = Static<typeof ExchangeSchema>;
export type AccountRecord = Static<typeof AccountSchema>;
export type EventRecord = Static<typeof EventSchema>;
export type ClientInfo = Static<typeof ClientSchema>;
export type Reason = Static<typeof ReasonSchema>;
export type VerdictAccount = Static<typeof VerdictAccountSchema>;
export type Campaign = Static<typeof CampaignSchema>;
export type CampaignsFile = Static<typeof CampaignsFileSchema>;
export type Indicator = Static<typeof IndicatorSchema>;
export type Label = Static<typeof LabelSchema>;
export type ExchangeLabel = Static<typeof ExchangeLabelSchema>;
export type IpType = (typeof IP_TYPES)[number];
export type Api = (typeof APIS)[number];
export type Pathway = (typeof PATHWAYS)[number];
export type ExchangePart = (typeof EXCHANGE_PARTS)[number];

/** Every schema written to docs/schema/, by file name. */
export const SCHEMA_FILES: Readonly<Record<string, TSchema>> = {
  "exchange.schema.json": ExchangeSchema,
  "account.schema.json": AccountSchema,
  "event.schema.json": EventSchema,
  "verdict-account.schema.json": VerdictAccountSchema,
  "campaigns.schema.json": CampaignsFileSchema,
  "label.schema.json": LabelSchema,
  "exchange-label.schema.json": ExchangeLabelSchema,
  "anthropic-messages-request.schema.json": AnthropicRequestSchema,
  "openai-chat-request.schema.json": OpenAIRequestSchema,
};

/** The schemas as plain JSON Schema (draft 2020-12) documents, stable key order. */
export function jsonSchemaDocuments(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(SCHEMA_FILES)) {
    const doc = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      ...JSON.parse(JSON.stringify(schema)),
    };
    out[name] = `${JSON.stringify(doc, null, 2)}\n`;
  }
  return out;
}
