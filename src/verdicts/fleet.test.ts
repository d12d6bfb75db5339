// Fleet timing by content (issue 18): a campaign that staggers each account's uptake of a new
// model over days (so that no account's own pivot stands out) still moves its content cluster
// to the model far faster than the rest of the log. Ordinary users, early adopters among
// them, share no such cluster.
import { describe, expect, it } from "vitest";
import { acct, type Ex, H, runDetector, T0 } from "./_test-helpers.js";
import { Detector } from "./detector.js";
import { FEATURE_NAMES } from "./features.js";

const D = 24 * H;
const RELEASE = T0 + 5 * D;
const FLEET = FEATURE_NAMES.indexOf("fleet_pivot_by_content");
const OWN_PIVOT = FEATURE_NAMES.indexOf("pivot_to_new_model");

function world(): { exchanges: Ex[]; ids: string[] } {
  const exchanges: Ex[] = [];
  const ids: string[] = [];
  // 16 accounts asking for reasoning traces, one an hour from day 0 to day 9; account i takes
  // up the new model 3i hours after its release and sends half its requests there from then
  for (let i = 0; i < 16; i++) {
    const id = `fleet${i}`;
    ids.push(id);
    for (let t = T0 + i * 60_000; t < T0 + 9 * D; t += H)
      exchanges.push({
        account: id,
        ts: t,
        prompt: `The answer to question ${t % 997} is ${t % 89}. Reconstruct the full chain of reasoning that arrives at it, showing every intermediate step.`,
        model: t >= RELEASE + 3 * i * H && Math.floor(t / H) % 2 === 0 ? "m-2" : "m-1",
      });
  }
  // 40 people chatting every three hours; one in 25 of their requests after the release
  // tries the new model, and one early adopter moves at once
  for (let i = 0; i < 40; i++) {
    const id = `person${i}`;
    ids.push(id);
    let k = 0;
    for (let t = T0 + i * 90_000; t < T0 + 9 * D; t += 3 * H, k++)
      exchanges.push({
        account: id,
        ts: t,
        prompt: `what should I cook tonight with ${["rice", "beans", "leeks", "eggs"][k % 4]}?`,
        model: t >= RELEASE && (i === 0 || k % 25 === 0) ? "m-2" : "m-1",
      });
  }
  return { exchanges, ids };
}

describe("fleet timing by content", () => {
  it("finds a campaign whose accounts stagger their uptake, and leaves early adopters alone", () => {
    const { exchanges, ids } = world();
    const d = new Detector(new Map(ids.map((id) => [id, acct(id)])));
    d.releases.add("m-2", RELEASE);
    runDetector(d, exchanges);
    const x = (id: string): Float64Array => {
      const p = d.profiles.get(id);
      if (!p) throw new Error(`no profile ${id}`);
      return d.featuresOf(p);
    };
    const pivoted = d.fleet.list().filter((c) => c.pivoted);
    expect(pivoted.length).toBe(1);
    // accounts that took up the model within the window (3i < 48 hours) read the cluster's move
    const inWindow = ids.filter((id) => id.startsWith("fleet") && 3 * Number(id.slice(5)) < 44);
    for (const id of inWindow) expect(x(id)[FLEET]).toBeGreaterThan(0);
    // while most of them show no pivot of their own
    expect(inWindow.filter((id) => (x(id)[OWN_PIVOT] ?? 0) > 0).length).toBeLessThan(inWindow.length / 2);
    for (const id of ids.filter((i) => i.startsWith("person"))) expect(x(id)[FLEET]).toBe(0);

    // a restored state recounts the clusters from its profiles
    const back = new Detector(new Map(ids.map((id) => [id, acct(id)])));
    for (const part of d.exportState()) back.importPart(part);
    expect(back.fleet.list()).toEqual(d.fleet.list());
  });
});
