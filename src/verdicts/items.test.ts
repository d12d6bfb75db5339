// Coverage of known item sets across unlinked accounts (issue 18): a sweep spreads one set's
// items over accounts that never overlap; a class repeats its problem set across students,
// an evaluation lab its suite across runs and accounts. The index here is built from
// invented items and handed to the detector the way a provider hands its own
// (DISTILLGUARD_ITEMSETS), so the test runs without ../shared.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AccountRecord } from "../contract/index.js";
import { buildItemIndex, shippedItemIndex } from "../signals/index.js";
import { acct, type Ex, H, runDetector, T0 } from "./_test-helpers.js";
import { Detector } from "./detector.js";
import { FEATURE_NAMES } from "./features.js";

/** A made-up word: no English shingle, and so no organic text, can carry it. */
function word(i: number): string {
  const c = "bdfgklmnprstvz";
  const v = "aeiou";
  let s = "";
  let x = i * 7919 + 13;
  for (let k = 0; k < 3; k++) {
    s += (c[x % c.length] as string) + (v[(x >> 4) % v.length] as string);
    x = Math.floor(x / 11) + k * 31 + 5;
  }
  return s;
}
const ITEMS = Array.from(
  { length: 500 },
  (_, i) =>
    `${word(i)} ${word(i + 1000)} has ${i + 3} ${word(i + 2000)} and gives ${word(i + 3000)} ${(i % 7) + 2} of them; how many ${word(i + 4000)} ${word(i + 5000)} remain for ${word(i + 6000)}?`,
);

const dir = mkdtempSync(join(tmpdir(), "dg-items-"));
writeFileSync(join(dir, "items.bin"), buildItemIndex([{ name: "exam", items: ITEMS }], []).index.encode());
process.env.DISTILLGUARD_ITEMSETS = join(dir, "items.bin");
delete process.env.DISTILLGUARD_ITEMSET_KEY;

const D = 24 * H;
const EXCLUSIVE = FEATURE_NAMES.indexOf("exclusive_items");

function runLog(): Detector {
  const accounts = new Map<string, AccountRecord>();
  const ex: Ex[] = [];
  let k = 0;
  // a class: 20 students on one problem set of 25, a question and a follow-up each time;
  // a third of each student's questions are practice problems of the same public set that
  // no classmate asks
  for (let s = 0; s < 20; s++) {
    accounts.set(`s${s}`, acct(`s${s}`, { pathway: "education", email_domain: "uni.example.edu" }));
    for (let q = 0; q < 12; q++) {
      const ts = T0 + ((s * 5 + q * 13) % 12) * D + 19 * H + (k++ % 50) * 60_000;
      const item = (
        q % 3 === 2 ? ITEMS[420 + s * 4 + Math.floor(q / 3)] : ITEMS[(s * 7 + q * 3) % 25]
      ) as string;
      const prompt = `can you show me how to do this one step by step? ${item}`;
      ex.push({ account: `s${s}`, ts, prompt, out: 400, ip: "198.51.100.10" });
      ex.push({
        account: `s${s}`,
        ts: ts + 180_000,
        prompt: "wait why did you divide there?",
        history: [{ user: prompt, assistant: "Here is how." }],
        ip: "198.51.100.10",
      });
    }
  }
  // an evaluation lab: three verified accounts running the same 60 items at temperature 0
  for (let a = 0; a < 3; a++) {
    accounts.set(`lab${a}`, acct(`lab${a}`, { pathway: "research", verified: true, org_id: "org_lab" }));
    for (let run = 0; run < 2; run++)
      for (let i = 0; i < 60; i++)
        ex.push({
          account: `lab${a}`,
          ts: T0 + (a * 3 + run) * D + 10 * H + i * 2000,
          prompt: `Answer the following question. Think step by step, then give the final answer.\n\n${ITEMS[100 + i]}`,
          temperature: 0,
          out: 300,
          ip: "203.0.113.7",
          ipType: "datacenter",
        });
  }
  // a sweep: eight unlinked accounts, each 30 items of the same set no other account asks
  for (let a = 0; a < 8; a++) {
    accounts.set(`w${a}`, acct(`w${a}`));
    for (let i = 0; i < 30; i++)
      ex.push({
        account: `w${a}`,
        ts: T0 + ((i * 11) % 13) * D + ((a * 5 + i) % 10) * H + 9 * H,
        prompt: `solve this and explain how you got it: ${ITEMS[170 + a * 30 + i]}`,
        out: 900,
        ip: `10.9.${a}.1`,
      });
  }
  // ordinary users, for a population
  for (let u = 0; u < 120; u++) {
    accounts.set(`u${u}`, acct(`u${u}`));
    for (let i = 0; i < 6; i++)
      ex.push({
        account: `u${u}`,
        ts: T0 + ((u + i * 2) % 13) * D + 20 * H + (k++ % 50) * 60_000,
        prompt: `hey, can you help me plan a trip to the coast number ${k}?`,
        ip: `10.1.${u}.1`,
      });
  }
  return runDetector(new Detector(accounts), ex);
}

describe("coverage of known item sets", () => {
  const d = runLog();
  const exclusive = (id: string): number => {
    const p = d.profiles.get(id);
    if (!p) throw new Error(`no account ${id}`);
    return d.featuresOf(p)[EXCLUSIVE] ?? 0;
  };

  it("reads the provider's own index, and finds the items inside other words", () => {
    expect(shippedItemIndex()?.size).toBe(500);
    for (let a = 0; a < 8; a++) expect(d.profiles.get(`w${a}`)?.items.distinct).toBe(30);
    expect(d.profiles.get("s0")?.items.distinct).toBeGreaterThan(5);
    expect(d.profiles.get("u0")?.items.distinct).toBe(0);
  });

  it("ranks a sweep's accounts above a class and a lab that repeat their items across accounts", () => {
    const sweep = Array.from({ length: 8 }, (_, a) => exclusive(`w${a}`));
    const students = Array.from({ length: 20 }, (_, s) => exclusive(`s${s}`));
    const lab = Array.from({ length: 3 }, (_, a) => exclusive(`lab${a}`));
    expect(Math.min(...sweep)).toBeGreaterThan(Math.max(...students) + 0.3);
    // a student's own practice problems count in proportion to how little else they ask
    // alone: the class's shared set is most of what a student asks
    expect(Math.min(...sweep)).toBeGreaterThan(3 * Math.max(...students));
    expect(Math.min(...sweep)).toBeGreaterThan(Math.max(...lab));
    expect(exclusive("u0")).toBe(0);
  });

  it("keeps the class, the lab and ordinary users unflagged", () => {
    const flagged = [...d.decisions.values()].filter((x) => x.flagged).map((x) => x.profile.id);
    expect(flagged.filter((id) => !id.startsWith("w"))).toEqual([]);
  });

  it("counts who asked what from the profiles when a saved state is read back", () => {
    const back = new Detector(new Map());
    for (const part of d.exportState()) back.importPart(part);
    for (const id of ["w0", "s0", "lab0"]) {
      const p = back.profiles.get(id);
      if (!p) throw new Error(`no account ${id}`);
      expect(back.featuresOf(p)[EXCLUSIVE]).toBeCloseTo(exclusive(id), 10);
    }
  });
});
