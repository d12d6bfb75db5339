import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { normaliseExchange } from "../contract/index.js";
import { bit, classifyCapabilities } from "../signals/index.js";
import { paraphrase } from "./_adaptive.js";
import { Rng } from "./_rng.js";
import { type AdaptiveLevel, type SimulationSummary, simulate } from "./index.js";

type Row = Record<string, unknown>;
const lines = (dir: string, file: string): Row[] =>
  readFileSync(join(dir, file), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Row);

interface World {
  readonly dir: string;
  readonly summary: SimulationSummary;
  /** campaign exchange id → its label */
  readonly labels: Map<string, { campaign: string; part: string; account_id: string }>;
}

const base = { seed: 5, scale: 0.04, days: 5, workers: false, variants: { sweep: "slow" } } as const;

async function world(level: AdaptiveLevel): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), `dg-adaptive-${level}-`));
  const summary = await simulate({ ...base, out: dir, adaptive: level });
  const labels = new Map<string, { campaign: string; part: string; account_id: string }>();
  for (const l of lines(dir, "exchange_labels.jsonl"))
    labels.set(l.id as string, {
      campaign: l.campaign as string,
      part: l.part as string,
      account_id: l.account_id as string,
    });
  return { dir, summary, labels };
}

const EXTRACTION = bit("cot_elicitation") | bit("reward_grading") | bit("censorship_rewrite");

describe("the red team's levels (simulate --adaptive)", () => {
  const worlds = new Map<number, World>();
  beforeAll(async () => {
    for (const level of [0, 1, 4, 5] as const) worlds.set(level, await world(level));
  }, 240_000);
  const w = (level: number): World => {
    const x = worlds.get(level);
    if (!x) throw new Error(`no world at level ${level}`);
    return x;
  };

  it("records the attacker's cost per campaign, and it agrees with the exchange labels", () => {
    for (const level of [0, 4, 5]) {
      const { summary, labels } = w(level);
      expect(summary.adaptive?.level).toBe(level);
      for (const [campaign, cost] of Object.entries(summary.attacker)) {
        const parts = { harvest: 0, chained: 0, cover: 0, customer: 0 } as Record<string, number>;
        for (const l of labels.values())
          if (l.campaign === campaign) parts[l.part] = (parts[l.part] ?? 0) + 1;
        expect(cost.harvest).toBe(parts.harvest);
        expect(cost.chained).toBe(parts.chained);
        expect(cost.cover).toBe(parts.cover);
        expect(cost.customer).toBe(parts.customer);
        expect(cost.exchanges).toBe(cost.harvest + cost.chained + cost.cover);
      }
    }
  });

  it("L1 gives every campaign account its own card and sign-up address", () => {
    const { dir } = w(1);
    const campaign = new Set(
      lines(dir, "labels.jsonl")
        .filter((l) => l.campaign !== null)
        .map((l) => l.account_id as string),
    );
    const cards = new Map<string, number>();
    const signups = new Map<string, number>();
    for (const a of lines(dir, "accounts.jsonl")) {
      if (!campaign.has(a.account_id as string)) continue;
      const card = a.payment_fingerprint as string | undefined;
      if (card !== undefined) cards.set(card, (cards.get(card) ?? 0) + 1);
      const ip = a.signup_ip as string | undefined;
      if (ip !== undefined) signups.set(ip, (signups.get(ip) ?? 0) + 1);
    }
    expect(cards.size).toBeGreaterThan(10);
    expect(Math.max(...cards.values())).toBe(1);
    expect(signups.size).toBeGreaterThan(10);
    expect(Math.max(...signups.values())).toBeLessThanOrEqual(2);
    // the plain campaigns share cards
    const plain = w(0);
    const plainCampaign = new Set(
      lines(plain.dir, "labels.jsonl")
        .filter((l) => l.campaign !== null)
        .map((l) => l.account_id as string),
    );
    const plainCards = new Map<string, number>();
    for (const a of lines(plain.dir, "accounts.jsonl")) {
      const card = a.payment_fingerprint as string | undefined;
      if (plainCampaign.has(a.account_id as string) && card !== undefined)
        plainCards.set(card, (plainCards.get(card) ?? 0) + 1);
    }
    expect(Math.max(...plainCards.values())).toBeGreaterThan(1);
  });

  it("L4 words every harvest request without the capability tests' cues, chains items as follow-ups and sends 30-40% cover", () => {
    const { dir, summary, labels } = w(4);
    let harvest = 0;
    let cued = 0;
    let chained = 0;
    let chainedWithHistory = 0;
    for (const row of lines(dir, "exchanges.jsonl")) {
      const label = labels.get(row.id as string);
      if (!label || (label.part !== "harvest" && label.part !== "chained")) continue;
      const view = normaliseExchange(row as never, 0);
      if (view.tools.length > 0 || view.turns.some((t) => t.role === "tool")) continue;
      harvest++;
      const c = classifyCapabilities(view);
      if ((c.mask & EXTRACTION) !== 0 || c.instructionFormat || c.elicitingSystem) cued++;
      if (label.part === "chained") {
        chained++;
        if (view.turns.some((t) => t.role === "assistant")) chainedWithHistory++;
      }
    }
    expect(harvest).toBeGreaterThan(200);
    expect(cued).toBe(0);
    expect(chained).toBeGreaterThan(harvest * 0.2);
    expect(chainedWithHistory).toBe(chained);
    for (const [name, cost] of Object.entries(summary.attacker)) {
      if (name === "sweep") continue; // its own cover (10-40%) comes on top of the level's
      expect(cost.coverShare, name).toBeGreaterThan(0.25);
      expect(cost.coverShare, name).toBeLessThan(0.5);
    }
    // the plain campaigns do carry cues
    const plain = w(0);
    let plainCued = 0;
    for (const row of lines(plain.dir, "exchanges.jsonl")) {
      const label = plain.labels.get(row.id as string);
      if (label?.campaign !== "reasoning") continue;
      const c = classifyCapabilities(normaliseExchange(row as never, 0));
      if ((c.mask & EXTRACTION) !== 0) plainCued++;
    }
    expect(plainCued).toBeGreaterThan(50);
  });

  it("L5 spreads about the same harvest over more accounts, each sending less", () => {
    const l4 = w(4).summary.attacker;
    const l5 = w(5).summary.attacker;
    const sum = (a: SimulationSummary["attacker"], f: (c: SimulationSummary["attacker"][string]) => number) =>
      Object.values(a).reduce((t, c) => t + f(c), 0);
    const accounts4 = sum(l4, (c) => c.accounts);
    const accounts5 = sum(l5, (c) => c.accounts);
    expect(accounts5).toBeGreaterThan(accounts4 * 1.5);
    const useful = (a: SimulationSummary["attacker"]) => sum(a, (c) => c.harvest + c.chained);
    expect(useful(l5)).toBeGreaterThan(useful(l4) * 0.6);
    expect(useful(l5)).toBeLessThan(useful(l4) * 1.5);
    expect(useful(l5) / accounts5).toBeLessThan(useful(l4) / accounts4 / 1.5);
  });

  it("L6 paraphrases each item: a third or so of its words replaced, its numbers kept", () => {
    const rng = new Rng(7);
    const item =
      "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did she sell altogether?";
    const words = (t: string): string[] => t.match(/[A-Za-z]+/g) ?? [];
    let changed = 0;
    let total = 0;
    for (let i = 0; i < 200; i++) {
      const p = paraphrase(rng, item, 0.35);
      expect(p.match(/\d+/g)).toEqual(["48"]);
      const a = words(item);
      const b = words(p);
      expect(b).toHaveLength(a.length);
      a.forEach((x, k) => {
        total++;
        if (x !== b[k]) changed++;
      });
    }
    expect(changed / total).toBeGreaterThan(0.25);
    expect(changed / total).toBeLessThan(0.4);
    expect(paraphrase(rng, item, 0)).toBe(item);
  });

  it("refuses a level it does not have", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-adaptive-bad-"));
    await expect(simulate({ ...base, out: dir, adaptive: 9 as AdaptiveLevel })).rejects.toThrow(
      /adaptive level 9 is not one of 0, 1, 2, 3, 4, 5, 6/,
    );
  });
});
