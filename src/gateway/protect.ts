// The gateway's output protection: what the `protect` policy action does to an answer
// (watermark keyed by cohort and time window, reasoning traces shielded), and the
// signature every returned reasoning trace carries. Built on src/protection.
import {
  type ApiKind,
  type BodyTransform,
  carrierKey,
  carriersFor,
  deriveKey,
  isoWeek,
  KeyedChoice,
  protectTransform,
  type Shield,
  TraceSigner,
} from "../protection/index.js";

export interface ProtectionSettings {
  /** the provider's protection secret (from the environment); watermark keys and trace signatures derive from it */
  readonly secret: string;
  /** what protected clients see of reasoning traces (default summary) */
  readonly shield: Exclude<Shield, "full"> | "full";
  /** watermark protected answers (default true) */
  readonly watermark: boolean;
  /** sign reasoning traces for every client, not only protected ones (default true) */
  readonly signAll: boolean;
  /** the watermark's time window (default week) */
  readonly window: "week" | "day";
  /** the largest share of an answer's words the watermark may change (default `DEFAULT_MAX_CHANGED_SHARE`, 3%; 1 for no bound) */
  readonly maxChangedShare?: number;
}

/** What protection did to one answer: recorded with the exchange. */
export interface Applied {
  /** the watermark key's id (`cohort@window`), if the text was marked */
  readonly watermark: string | undefined;
  readonly shield: Shield;
  readonly transform: BodyTransform;
}

export class GatewayProtection {
  readonly signer: TraceSigner;
  private readonly keys = new Map<string, KeyedChoice>();

  constructor(readonly settings: ProtectionSettings) {
    this.signer = new TraceSigner(settings.secret);
    // WordNet is read once, here (about 1 s), not on the first protected answer's request
    if (settings.watermark) carriersFor(carrierKey(settings.secret));
  }

  /** The watermark cohort of an account: its campaign when it is in one, else the account itself. */
  static cohortOf(accountId: string, campaignId: string | null | undefined): string {
    return campaignId ? `campaign:${campaignId}` : `account:${accountId}`;
  }

  windowOf(at: number): string {
    return this.settings.window === "day" ? new Date(at).toISOString().slice(0, 10) : isoWeek(at);
  }

  /** The keyed choice for a cohort at a time (cached). */
  choiceFor(cohort: string, at: number): KeyedChoice {
    const id = `${cohort}@${this.windowOf(at)}`;
    let c = this.keys.get(id);
    if (!c) {
      if (this.keys.size >= 10_000) this.keys.clear();
      c = new KeyedChoice(deriveKey(this.settings.secret, cohort, this.windowOf(at)));
      this.keys.set(id, c);
    }
    return c;
  }

  /**
   * The transform for an answer, or none: a protected caller's answers are marked and their
   * traces shielded; with `signAll`, anyone's reasoning traces are signed (`asksReasoning`:
   * the request asked for thinking or reasoning).
   */
  plan(p: {
    kind: ApiKind;
    stream: boolean;
    protect: boolean;
    asksReasoning: boolean;
    accountId: string;
    campaignId: string | null | undefined;
    exchangeId: string;
    at: number;
  }): Applied | undefined {
    if (!p.protect && !(this.settings.signAll && p.asksReasoning)) return undefined;
    const choice =
      p.protect && this.settings.watermark
        ? this.choiceFor(GatewayProtection.cohortOf(p.accountId, p.campaignId), p.at)
        : undefined;
    const shield: Shield = p.protect ? this.settings.shield : "full";
    return {
      watermark: choice?.key.id,
      shield,
      transform: protectTransform(p.kind, p.stream, {
        watermark: choice,
        ...(this.settings.maxChangedShare !== undefined
          ? { maxChangedShare: this.settings.maxChangedShare }
          : {}),
        shield,
        signer: this.signer,
        context: { exchangeId: p.exchangeId, accountId: p.accountId, at: p.at },
      }),
    };
  }
}

/** Whether a request body asks for reasoning: Anthropic `thinking`, OpenAI `reasoning_effort` (a cheap byte search). */
export function asksReasoning(body: Buffer | undefined): boolean {
  return (
    body !== undefined &&
    (body.includes('"thinking"') || body.includes('"reasoning_effort"') || body.includes('"reasoning"'))
  );
}
