// The one way every mode drives the detector: `analyze` over a file, the gateway's live
// scorer over the traffic it passes on, and each scale-out partition over its share of
// the stream. Exchanges arrive in log-time order; the accounts that changed are judged at
// every CHECKPOINT_MS boundary of log time (first_flagged_at is set there), and the state
// goes to a store and comes back through one checked codec. Keeping this in one place is
// what makes the three modes give the same verdicts on the same log (src/verdicts/driver.test.ts).
import type { AccountRecord, ExchangeFacts } from "../contract/index.js";
import type { ExchangeSignals } from "../signals/index.js";
import { type AccountState, Detector, type DetectorOptions, type DetectorPart } from "./detector.js";
import { decodePart, encodePart, StateError } from "./state.js";

/** Log time between checkpoints. */
export const CHECKPOINT_MS = 15 * 60_000;

const PART_TYPES: readonly DetectorPart["type"][] = ["detector", "profiles", "groups"];

/** One account's saved state as a scale-out store keeps it (a row per account). */
export interface SavedAccount {
  readonly profile: unknown;
  readonly decision: unknown;
  readonly pivoted: boolean;
}

export class DetectorDriver {
  readonly detector: Detector;
  private nextCheckpoint = Number.NEGATIVE_INFINITY;

  constructor(accounts: ReadonlyMap<string, AccountRecord>, opts: DetectorOptions = {}) {
    this.detector = new Detector(accounts, opts);
  }

  /** A model release (from an events file or the stream). */
  addRelease(model: string, ts: number): void {
    this.detector.releases.add(model, ts);
  }

  /**
   * Takes one exchange in log-time order; when its time crosses a checkpoint boundary the
   * accounts that changed before it are judged first. `judged` (when given) receives the
   * ids a checkpoint judged.
   */
  observe(facts: ExchangeFacts, signals: ExchangeSignals, judged?: string[]): void {
    const ts = facts.ts;
    if (ts >= this.nextCheckpoint) {
      if (Number.isFinite(this.nextCheckpoint)) this.detector.checkpoint(false, judged);
      this.nextCheckpoint = (Math.floor(ts / CHECKPOINT_MS) + 1) * CHECKPOINT_MS;
    }
    this.detector.observe(facts, signals);
  }

  /** Judges the accounts that changed now (a gateway's timer); returns how many were newly flagged. */
  checkpoint(judged?: string[]): number {
    return this.detector.checkpoint(false, judged);
  }

  /** Judges every account with everything seen. */
  finish(): void {
    this.detector.finish();
  }

  /** The whole state, in encoded parts (for analyze --db and the gateway's store). */
  *saveState(): Generator<Buffer> {
    for (const part of this.detector.exportState()) yield encodePart(part);
  }

  /** Continues from a state saved by saveState() (into a driver that has seen nothing yet). */
  async loadState(parts: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    if (this.detector.profiles.size > 0) throw new StateError("a state loads into a fresh detector only");
    let first = true;
    for await (const bytes of parts) {
      const part = decodePart<DetectorPart>(bytes, PART_TYPES);
      if (first && part.type !== "detector") throw new StateError("a saved state starts with its header");
      first = false;
      this.detector.importPart(part);
    }
  }

  /** One account's state, encoded (a scale-out partition's row), if the account was seen. */
  saveAccount(id: string): { state: AccountState; bytes: Buffer } | undefined {
    const state = this.detector.accountState(id);
    return state === undefined ? undefined : { state, bytes: encodePart({ type: "account", ...state }) };
  }

  /** Takes in an account saved by saveAccount(). */
  loadAccount(bytes: Uint8Array): void {
    this.detector.importAccountState(decodeAccount(bytes));
  }
}

/** An account saved by DetectorDriver.saveAccount(), checked. */
export function decodeAccount(bytes: Uint8Array): SavedAccount {
  const row = decodePart<{ type: "account" } & SavedAccount>(bytes, ["account"]);
  if (typeof row.pivoted !== "boolean" || row.profile === null || typeof row.profile !== "object")
    throw new StateError("account: not a saved account");
  return row;
}
