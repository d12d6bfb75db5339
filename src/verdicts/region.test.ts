// region_mismatch reads an account's traffic from other countries than its declared one
// against the rest of its organisation (leave-one-family-out at 3dda964 and 421f569 flagged
// two customers of a reseller abroad on it): a reseller's customers are where the reseller
// is, whatever country their card was issued in. A lone account, or one away from an
// organisation that stays at home, still reads the mismatch.
import { describe, expect, it } from "vitest";
import { OrgSpread } from "../linkers/index.js";
import { acct, type Ex, H, runDetector, T0 } from "./_test-helpers.js";
import { Detector } from "./detector.js";
import { FEATURE_NAMES } from "./features.js";

const REGION = FEATURE_NAMES.indexOf("region_mismatch");

const chats = (id: string, country: string, n = 12): Ex[] =>
  Array.from({ length: n }, (_, k) => ({
    account: id,
    ts: T0 + k * 3 * H + id.length * 60_000,
    prompt: `${id} asks question ${k} about the weather in spring`,
    country,
  }));

function world(): { d: Detector; records: Map<string, ReturnType<typeof acct>> } {
  const records = new Map<string, ReturnType<typeof acct>>();
  const exchanges: Ex[] = [];
  // a reseller's eight customers: US cards, traffic through the reseller's exits in Germany
  for (let i = 0; i < 8; i++) {
    const id = `customer${i}`;
    records.set(id, acct(id, { org_id: "reseller", pathway: "reseller" }));
    exchanges.push(...chats(id, "DE"));
  }
  // a company of seven at home, one of whom works from abroad
  for (let i = 0; i < 7; i++) {
    const id = `staff${i}`;
    records.set(id, acct(id, { org_id: "acme" }));
    exchanges.push(...chats(id, i === 0 ? "BR" : "US"));
  }
  // an account of its own, away from its declared country
  records.set("lone", acct("lone"));
  exchanges.push(...chats("lone", "SG"));
  const d = new Detector(records);
  runDetector(d, exchanges);
  return { d, records };
}

const value = (d: Detector, id: string): number => {
  const p = d.profiles.get(id);
  if (!p) throw new Error(`no profile ${id}`);
  return d.featuresOf(p)[REGION] ?? Number.NaN;
};

describe("region_mismatch against the organisation's spread", () => {
  it("spares a reseller's customers who are where the reseller is", () => {
    const { d } = world();
    for (let i = 0; i < 8; i++) expect(value(d, `customer${i}`)).toBe(0);
  });

  it("reads an account away from an organisation that stays at home, and a lone account", () => {
    const { d } = world();
    expect(value(d, "staff0")).toBe(1);
    for (let i = 1; i < 7; i++) expect(value(d, `staff${i}`)).toBe(0);
    expect(value(d, "lone")).toBe(1);
  });

  it("recounts the organisations from a restored state", () => {
    const { d, records } = world();
    const back = new Detector(records);
    for (const part of d.exportState()) back.importPart(part);
    for (const id of ["customer3", "staff0", "staff4", "lone"]) {
      const p = back.profiles.get(id);
      if (!p) throw new Error(`no profile ${id}`);
      expect(back.featuresOf(p)[REGION]).toBe(value(d, id));
    }
    expect(back.orgSpread.othersAway("reseller", 0, 0)).toBeCloseTo(1, 6);
  });

  it("needs enough other accounts to read an organisation, and leaves the account's own figures out", () => {
    const o = new OrgSpread();
    for (let i = 0; i < 5; i++) o.add("small", 1, 10, 10);
    // the account itself and four others: too few to read
    expect(o.othersAway("small", 10, 10)).toBeUndefined();
    o.add("small", 1, 10, 0);
    // five others: four away, one at home, the account's own 10 away left out
    expect(o.othersAway("small", 10, 10)).toBeCloseTo(40 / 50, 6);
    expect(o.othersAway("nobody", 0, 0)).toBeUndefined();
  });
});
