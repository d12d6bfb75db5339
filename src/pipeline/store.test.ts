// The store is passed in: an analysis given an OpenStore uses only the AnalysisStore interface.
// A store held in memory here (no DuckDB) takes a run's exchanges, verdicts and state; a second
// run with --append continues from the state it holds, skips an input it already took in, and
// reads analysts' reviews through it.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Campaign } from "../contract/index.js";
import { simulate } from "../simulate/index.js";
import type { AccountFacts, AnalysisStore, Ingest, PublishOptions, Review } from "../store/index.js";
import { analyze } from "./index.js";

class MemoryStore implements AnalysisStore {
  exchanges = 0;
  added = 0;
  state: Uint8Array[] = [];
  ingests: Ingest[] = [];
  accounts: AccountFacts[] = [];
  campaigns: readonly Campaign[] = [];
  reviews: Review[] = [];
  opened = 0;
  closed = 0;

  addExchange(): void {
    this.added++;
  }
  async findIngest(fingerprint: string): Promise<{ input: string; finishedAt: string } | undefined> {
    const i = this.ingests.find((x) => x.fingerprint === fingerprint);
    return i && { input: i.input, finishedAt: "2026-02-01T00:00:00.000Z" };
  }
  async contents(): Promise<{ exchanges: number; state: boolean }> {
    return { exchanges: this.exchanges, state: this.state.length > 0 };
  }
  async *stateParts(): AsyncGenerator<Uint8Array> {
    yield* this.state;
  }
  async publish(
    accounts: Iterable<AccountFacts>,
    campaigns: readonly Campaign[],
    opts?: PublishOptions,
  ): Promise<void> {
    this.exchanges = (opts?.append ? this.exchanges : 0) + this.added;
    this.added = 0;
    this.accounts = [...accounts];
    this.campaigns = campaigns;
    this.state = [...(opts?.state ?? [])].map((p) => Uint8Array.from(p));
    const ingest = opts?.ingest;
    this.ingests.push(...(ingest === undefined ? [] : Array.isArray(ingest) ? ingest : [ingest as Ingest]));
  }
  async latestReviews(): Promise<Review[]> {
    return this.reviews;
  }
  async partnerIndicators(): Promise<[]> {
    return [];
  }
  close(): void {
    this.closed++;
  }
}

describe("an analysis with its store passed in", () => {
  it("publishes to it, continues from its state and reads its reviews, with no DuckDB file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-store-"));
    const s = await simulate({ out: join(dir, "w"), seed: 12, scale: 0.02, days: 4, workers: false });
    const lines = readFileSync(join(dir, "w/exchanges.jsonl"), "utf8").trimEnd().split("\n");
    const cut = Date.parse(s.start) + 2 * 86_400_000;
    const tsOf = (l: string): number => Date.parse((JSON.parse(l) as { ts: string }).ts);
    writeFileSync(join(dir, "a.jsonl"), `${lines.filter((l) => tsOf(l) < cut).join("\n")}\n`);
    writeFileSync(join(dir, "b.jsonl"), `${lines.filter((l) => tsOf(l) >= cut).join("\n")}\n`);
    const store = new MemoryStore();
    const opened: string[] = [];
    const openStore = async (path: string): Promise<AnalysisStore> => {
      opened.push(path);
      store.opened++;
      return store;
    };
    const common = { accounts: join(dir, "w/accounts.jsonl"), events: join(dir, "w/events.jsonl") };
    const first = await analyze({
      inputs: { exchanges: join(dir, "a.jsonl"), ...common },
      out: join(dir, "o1"),
      db: "memory:runs",
      openStore,
      report: false,
    });
    expect(opened).toEqual(["memory:runs"]);
    expect(store.exchanges).toBe(first.exchanges);
    expect(store.accounts.length).toBe(first.accounts);
    expect(store.state.length).toBeGreaterThan(0);
    expect(store.closed).toBe(1);
    // an analyst confirms an account the first run did not flag
    const unflagged = store.accounts.find((a) => !a.verdict.flagged);
    expect(unflagged).toBeDefined();
    const id = unflagged?.verdict.account_id ?? "";
    store.reviews = [
      {
        targetType: "account",
        targetId: id,
        decision: "confirm",
        comment: "same card as a known campaign",
        analyst: "alice",
        evidence: "",
        at: Date.UTC(2026, 1, 5),
      },
    ];
    const second = await analyze({
      inputs: { exchanges: [join(dir, "a.jsonl"), join(dir, "b.jsonl")], ...common },
      out: join(dir, "o2"),
      db: "memory:runs",
      openStore,
      append: true,
      report: false,
    });
    // a.jsonl was taken in already: only b.jsonl is read, on top of the state the store held
    expect(second.alreadyIngested).toBeDefined();
    expect(second.exchanges).toBe(lines.length - first.exchanges);
    expect(store.exchanges).toBe(lines.length);
    expect(second.totalExchanges).toBe(lines.length);
    const confirmed = store.accounts.find((a) => a.verdict.account_id === id)?.verdict;
    expect(confirmed?.flagged).toBe(true);
    expect(confirmed?.reasons.map((r) => r.signal)).toContain("analyst_confirmed");
  }, 120_000);
});
