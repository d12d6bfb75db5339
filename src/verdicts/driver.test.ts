// One driver for every mode: analyze over a file and the gateway's live scorer over the
// same records give the same verdicts; the state goes out and comes back through the
// checked codec, and a state that does not fit is refused with the field that does not.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type AccountRecord,
  type EventRecord,
  type ExchangeRecord,
  exchangeFacts,
  normaliseExchange,
} from "../contract/index.js";
import { LiveScorer } from "../gateway/scoring.js";
import { analyze } from "../pipeline/index.js";
import { exchangeSignals } from "../signals/index.js";
import { simulate } from "../simulate/index.js";
import { DetectorDriver } from "./driver.js";
import { StateError } from "./state.js";

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as T);

let scen = "";
let records: ExchangeRecord[] = [];
let accounts = new Map<string, AccountRecord>();
let releases: { model: string; ts: number }[] = [];

function feed(driver: DetectorDriver, upTo = records.length): void {
  for (const r of records.slice(0, upTo)) {
    const view = normaliseExchange(r, Date.parse(r.ts));
    driver.observe(exchangeFacts(view), exchangeSignals(view));
  }
}

function verdicts(driver: DetectorDriver): Map<string, [boolean, number]> {
  return new Map([...driver.detector.decisions].map(([id, d]) => [id, [d.flagged, d.risk]]));
}

beforeAll(async () => {
  scen = mkdtempSync(join(tmpdir(), "dg-driver-"));
  await simulate({ out: scen, seed: 5, scale: 0.02, days: 5, workers: false });
  records = readJsonl<ExchangeRecord>(join(scen, "exchanges.jsonl")).sort(
    (a, b) => Date.parse(a.ts) - Date.parse(b.ts),
  );
  accounts = new Map(readJsonl<AccountRecord>(join(scen, "accounts.jsonl")).map((a) => [a.account_id, a]));
  releases = readJsonl<EventRecord>(join(scen, "events.jsonl")).flatMap((e) =>
    e.type === "model_release" && e.model ? [{ model: e.model, ts: Date.parse(e.ts) }] : [],
  );
}, 120_000);

describe("one detector driver", () => {
  it("analyze and the gateway's live scorer give the same verdicts on the same log", async () => {
    const out = join(scen, "v");
    await analyze({
      inputs: {
        exchanges: join(scen, "exchanges.jsonl"),
        accounts: join(scen, "accounts.jsonl"),
        events: join(scen, "events.jsonl"),
      },
      out,
      report: false,
      threads: 0,
    });
    const fromFile = new Map(
      readJsonl<{ account_id: string; flagged: boolean; risk: number }>(join(out, "accounts.jsonl")).map(
        (v) => [v.account_id, [v.flagged, v.risk] as [boolean, number]],
      ),
    );
    const live = new LiveScorer({ accounts, checkpointEveryMs: 0, linkEveryMs: 0 });
    for (const r of releases) live.driver.addRelease(r.model, r.ts);
    for (const r of records) live.observe(r);
    live.driver.finish();
    const fromGateway = verdicts(live.driver);
    await live.close();
    expect([...fromFile.values()].filter(([f]) => f).length).toBeGreaterThan(5);
    expect(fromGateway.size).toBe(fromFile.size);
    for (const [id, [flagged, risk]] of fromFile) {
      const g = fromGateway.get(id);
      expect(g?.[0], id).toBe(flagged);
      expect(g?.[1] ?? -1).toBeCloseTo(risk, 3);
    }
  });

  it("a state saved halfway and loaded into a new driver continues to the verdicts of one pass", async () => {
    const whole = new DetectorDriver(accounts);
    for (const r of releases) whole.addRelease(r.model, r.ts);
    feed(whole);
    whole.finish();

    const half = Math.floor(records.length / 2);
    const first = new DetectorDriver(accounts);
    for (const r of releases) first.addRelease(r.model, r.ts);
    feed(first, half);
    const parts = [...first.saveState()];
    const second = new DetectorDriver(accounts);
    await second.loadState(parts);
    for (const r of records.slice(half)) {
      const view = normaliseExchange(r, Date.parse(r.ts));
      second.observe(exchangeFacts(view), exchangeSignals(view));
    }
    second.finish();
    expect(verdicts(second)).toEqual(verdicts(whole));
  });

  it("an account saved alone comes back with the same profile", () => {
    const d = new DetectorDriver(accounts);
    feed(d, 2000);
    const id = [...d.detector.profiles.keys()][0] ?? "";
    const saved = d.saveAccount(id);
    expect(saved).toBeDefined();
    const e = new DetectorDriver(accounts);
    e.loadAccount(saved?.bytes ?? Buffer.alloc(0));
    const a = d.detector.profiles.get(id);
    const b = e.detector.profiles.get(id);
    expect(b?.n).toBe(a?.n);
    expect(b?.hourFlatness).toBeCloseTo(a?.hourFlatness ?? -1, 9);
    expect([...(b?.prompts.entries() ?? [])]).toEqual([...(a?.prompts.entries() ?? [])]);
  });

  it("refuses a state that does not fit, naming the field", async () => {
    const d = new DetectorDriver(accounts);
    feed(d, 500);
    const parts = [...d.saveState()];
    // a profile whose hour histogram was saved as a plain array (another build, or tampering)
    const tampered = parts.map((bytes) => {
      const part = deserialize(bytes) as { type: string; rows?: { profile: object }[] };
      if (part.type === "profiles" && part.rows?.[0])
        (part.rows[0].profile as Record<string, unknown>).hourOfDay = [1, 2, 3];
      return serialize(part);
    });
    await expect(new DetectorDriver(accounts).loadState(tampered)).rejects.toThrow(
      /profile\.hourOfDay: expected Float64Array, found array/,
    );
    // an extra field
    const extra = parts.map((bytes) => {
      const part = deserialize(bytes) as { type: string; rows?: { profile: object }[] };
      if (part.type === "profiles" && part.rows?.[0])
        (part.rows[0].profile as Record<string, unknown>).injected = 1;
      return serialize(part);
    });
    await expect(new DetectorDriver(accounts).loadState(extra)).rejects.toThrow(
      /profile\.injected: not a field/,
    );
    // parts out of order, and bytes that are not a state at all
    await expect(new DetectorDriver(accounts).loadState(parts.slice(1))).rejects.toThrow(StateError);
    await expect(new DetectorDriver(accounts).loadState([Buffer.from("not a state")])).rejects.toThrow(
      StateError,
    );
  });
});
