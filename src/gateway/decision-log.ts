// Which policy decisions the gateway writes to its log: an account's decision when it
// changes (action, rule or whether it was acted on), not every request's. A throttled or
// protected account at a thousand requests a second would otherwise write a thousand
// lines a second, synchronously when stderr is a pipe, on the request thread: a stall for
// every request and a flood for whoever reads the log. The counts of every decision are in
// /metrics (distillguard_gateway_decisions_total).

/** Accounts whose last logged decision is remembered; past it the memory starts afresh. */
export const DECISION_LOG_ACCOUNTS = 100_000;

export interface DecisionLine {
  readonly account_id: string;
  readonly action: string;
  readonly rule: string;
  readonly reasons: readonly string[];
  readonly acted: boolean;
  /** requests given the account's previous logged decision since that line (0 for a first line) */
  readonly repeats_before: number;
}

export class DecisionLog {
  private readonly last = new Map<string, { state: string; repeats: number }>();

  constructor(private readonly capacity = DECISION_LOG_ACCOUNTS) {}

  /** The line to log for this decision, or undefined when it repeats the account's last one. */
  note(
    accountId: string,
    d: { readonly action: string; readonly rule: string; readonly reasons: readonly string[] },
    acted: boolean,
  ): DecisionLine | undefined {
    const was = this.last.get(accountId);
    if (d.action === "allow") {
      // back to normal: the next decision other than allow is news again
      if (was) this.last.delete(accountId);
      return undefined;
    }
    const state = `${d.action}\u0000${d.rule}\u0000${acted}`;
    if (was?.state === state) {
      was.repeats++;
      return undefined;
    }
    if (!was && this.last.size >= this.capacity) this.last.clear();
    this.last.set(accountId, { state, repeats: 0 });
    return {
      account_id: accountId,
      action: d.action,
      rule: d.rule,
      reasons: d.reasons,
      acted,
      repeats_before: was?.repeats ?? 0,
    };
  }
}
