// Content surges against the log's own baseline (issue 18): accounts that start asking one
// kind of content on the same days, none of them linked, raise that content's share of the
// day far above its share before; each is read by how much of its work the surge explains.
// Content that was there from the start, and one batch job that starts alone, are not surges.
import { describe, expect, it } from "vitest";
import { acct, type Ex, H, runDetector, T0 } from "./_test-helpers.js";
import { Detector } from "./detector.js";
import { FEATURE_NAMES } from "./features.js";

const D = 24 * H;
const SURGE = FEATURE_NAMES.indexOf("content_surge");
const DISHES = ["rice", "beans", "leeks", "eggs", "pasta", "lentils", "tofu", "squash"];

function world(): { exchanges: Ex[]; ids: string[] } {
  const exchanges: Ex[] = [];
  const ids: string[] = [];
  // 60 people chatting every two hours for ten days: the baseline
  for (let i = 0; i < 60; i++) {
    const id = `person${i}`;
    ids.push(id);
    let k = 0;
    for (let t = T0 + i * 60_000; t < T0 + 10 * D; t += 2 * H, k++)
      exchanges.push({
        account: id,
        ts: t,
        prompt: `what could I cook tonight with ${DISHES[k % 8]} and ${DISHES[(k * 3 + i) % 8]}, day ${k}?`,
      });
  }
  // 8 developers asking about their code every three hours from the start: steady content
  for (let i = 0; i < 8; i++) {
    const id = `dev${i}`;
    ids.push(id);
    let k = 0;
    for (let t = T0 + i * 70_000; t < T0 + 10 * D; t += 3 * H, k++)
      exchanges.push({
        account: id,
        ts: t,
        prompt: `Why does this function throw a TypeError on line ${k}?\n\n\`\`\`python\ndef f(x):\n    return x[${k}] + len(x)\n\`\`\``,
      });
  }
  // from day 6, 12 unlinked accounts each ask for reasoning traces behind given answers, every hour
  for (let i = 0; i < 12; i++) {
    const id = `surge${i}`;
    ids.push(id);
    for (let t = T0 + 6 * D + i * 50_000, k = 0; t < T0 + 10 * D; t += H, k++)
      exchanges.push({
        account: id,
        ts: t,
        prompt: `The answer to question ${i * 1000 + k} is ${(k * 7) % 89}. Reconstruct the full chain of reasoning that arrives at it, showing every intermediate step.`,
      });
  }
  // from day 6, one batch job alone sends the same kind of content, every ten minutes
  ids.push("batch");
  for (let t = T0 + 6 * D, k = 0; t < T0 + 10 * D; t += H / 6, k++)
    exchanges.push({
      account: "batch",
      ts: t,
      prompt: `The answer to item ${50_000 + k} is ${(k * 3) % 71}. Reconstruct the full chain of reasoning that arrives at it, showing every intermediate step.`,
    });
  return { exchanges, ids };
}

describe("content surges", () => {
  it("reads the accounts that carry a surge of new content, not the baseline's or a lone batch job", () => {
    const { exchanges, ids } = world();
    const d = new Detector(new Map(ids.map((id) => [id, acct(id)])));
    runDetector(d, exchanges);
    const x = (id: string): number => {
      const p = d.profiles.get(id);
      if (!p) throw new Error(`no profile ${id}`);
      return d.featuresOf(p)[SURGE] ?? 0;
    };
    const surging = d.surge.list().filter((c) => c.excess > 0);
    expect(surging.length).toBeGreaterThan(0);
    // only on the days the new accounts were at work
    for (const c of surging) expect(c.day).toBeGreaterThanOrEqual(Math.floor((T0 + 6 * D) / D));
    for (let i = 0; i < 12; i++) expect(x(`surge${i}`)).toBeGreaterThan(0.5);
    for (let i = 0; i < 60; i++) expect(x(`person${i}`)).toBe(0);
    for (let i = 0; i < 8; i++) expect(x(`dev${i}`)).toBe(0);
    // the batch job's openings share the surging cells, so it reads the same surge: the cells
    // are judged by their accounts, and an account that is part of one is part of it
    expect(x("batch")).toBeGreaterThan(0);
    // a restored state recounts the cells from its profiles
    const back = new Detector(new Map(ids.map((id) => [id, acct(id)])));
    for (const part of d.exportState()) back.importPart(part);
    expect(back.surge.list()).toEqual(d.surge.list());
  });

  it("does not call one account's new stream a surge, nor content that was there from the start", () => {
    const { exchanges, ids } = world();
    // without the twelve accounts, the batch job alone has the new content
    const alone = exchanges.filter((e) => !e.account.startsWith("surge"));
    const d = new Detector(new Map(ids.map((id) => [id, acct(id)])));
    runDetector(d, alone);
    expect(d.surge.list().filter((c) => c.excess > 0)).toEqual([]);
    const p = d.profiles.get("batch");
    if (!p) throw new Error("no profile");
    expect(d.featuresOf(p)[SURGE]).toBe(0);

    // the twelve accounts at work from the log's first day: their content is the baseline
    const early = exchanges
      .filter((e) => e.account !== "batch")
      .map((e) => (e.account.startsWith("surge") ? { ...e, ts: e.ts - 6 * D } : e));
    const e = new Detector(new Map(ids.map((id) => [id, acct(id)])));
    runDetector(e, early);
    const cells = e.surge.list().filter((c) => c.excess > 0);
    expect(cells).toEqual([]);
    // yet the cells were counted and judged: the same content, only not new
    expect(e.surge.list().some((c) => c.openings >= 100 && c.expected > 0)).toBe(true);
  });

  it("leaves a surge carried by accounts with something in common (a class, a lab) to them", () => {
    const { exchanges, ids } = world();
    const records = new Map(
      ids.map((id) => [id, acct(id, id.startsWith("surge") ? { email_domain: "state12.edu" } : {})]),
    );
    const d = new Detector(records);
    runDetector(d, exchanges);
    // the content surged as before ...
    expect(d.surge.list().filter((c) => c.excess > 0).length).toBeGreaterThan(0);
    // ... but the accounts that carried it share a work domain
    for (let i = 0; i < 12; i++) {
      const p = d.profiles.get(`surge${i}`);
      if (!p) throw new Error("no profile");
      expect(d.featuresOf(p)[SURGE]).toBe(0);
    }
  });
});
