// The learned harvest classifier: features, the model file, the shipped model's reading of
// plain cases, and the fitting and measuring helpers (on synthetic sources here; on the real
// prompt sets in npm run eval).
import { describe, expect, it } from "vitest";
import type { LoadedSource } from "../datasets/index.js";
import { HARVEST_BITS, HarvestModel, harvestFeatures, shippedHarvestModel } from "./harvest.js";
import { auc, casual, cutAt, fitHarvest, leaveOneSourceOut, seeded } from "./harvest-train.js";

describe("harvest features", () => {
  it("are bounded bucket indices, the same for the same text, with digit runs as one symbol", () => {
    const a = harvestFeatures("Solve for x: 3x + 12 = 45. Show your work.");
    expect(a.length).toBeGreaterThan(10);
    for (const f of a) expect(f >= 0 && f < 1 << HARVEST_BITS && Number.isInteger(f)).toBe(true);
    expect(harvestFeatures("Solve for x: 3x + 12 = 45. Show your work.")).toEqual(a);
    expect(harvestFeatures("Solve for x: 7x + 99 = 1234. Show your work.")).toEqual(a);
    expect(harvestFeatures("Solve for y: 3y + 12 = 45. Show your work.")).not.toEqual(a);
  });

  it("read CJK text character by character and clip long prompts", () => {
    expect(harvestFeatures("请解释光合作用的过程").length).toBeGreaterThan(10);
    const long = "word ".repeat(10_000);
    expect(harvestFeatures(long).length).toBeLessThan(3 * 500);
  });
});

describe("the model file", () => {
  it("round-trips through bytes within the quantisation step", () => {
    const w = new Float32Array(1 << HARVEST_BITS);
    const rnd = seeded(5);
    for (let i = 0; i < w.length; i += 97) w[i] = (rnd() - 0.5) * 4;
    const m = new HarvestModel(w, -0.75);
    const back = HarvestModel.decode(m.encode());
    expect(back.bias).toBeCloseTo(-0.75, 5);
    const step = 2 / 127;
    for (let i = 0; i < w.length; i += 97)
      expect(Math.abs((back.weights[i] ?? 0) - (w[i] ?? 0))).toBeLessThanOrEqual(step);
    const text = "Write a function that reverses a linked list.";
    expect(back.score(text)).toBeCloseTo(m.score(text), 2);
    // scoring a text directly equals scoring its feature list
    expect(m.score(text)).toBeCloseTo(1 / (1 + Math.exp(-m.logitOf(harvestFeatures(text)))), 12);
  });

  it("refuses bytes that are not a model, or a truncated one", () => {
    expect(() => HarvestModel.decode(Buffer.from("hello"))).toThrow(/not a harvest model/);
    const bytes = new HarvestModel(new Float32Array(1 << HARVEST_BITS), 0).encode();
    expect(() => HarvestModel.decode(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated/);
  });

  it("is shipped, and reads exam items and self-contained tasks apart from conversational turns", () => {
    const m = shippedHarvestModel();
    expect(m, "models/harvest.bin is missing: npm run train-harvest").not.toBeNull();
    if (!m) return;
    const items = [
      "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
      "Write a Python function that takes a list of integers and returns the second largest element. Include type hints.",
      "Given an array of integers nums and an integer target, return indices of the two numbers such that they add up to target.",
    ];
    const turns = [
      "thanks, that worked! can you make the second paragraph a bit shorter?",
      "haha ok but what did you mean by that last part",
      "my cat keeps scratching the couch, I've tried everything, any ideas?",
    ];
    for (const t of items) expect(m.score(t), t).toBeGreaterThan(0.5);
    for (const t of turns) expect(m.score(t), t).toBeLessThan(0.5);
  });
});

describe("fitting and measuring", () => {
  const src = (name: string, label: "harvest" | "organic", texts: string[]): LoadedSource => ({
    source: { name, label, what: name, files: [], train: true, load: () => texts },
    texts,
  });
  const rnd = seeded(11);
  const task = (i: number): string => `Compute the sum of the first ${i} odd numbers and give the result.`;
  const code = (i: number): string => `Implement a function f${i} that sorts an array in O(n log n) time.`;
  const chat = (i: number): string => `lol yeah i saw that too, what do you think about it ${i}`;
  const talk = (i: number): string => `ugh my day was long, thanks for listening ${i}`;
  const sources = [
    src(
      "tasks",
      "harvest",
      Array.from({ length: 300 }, (_, i) => task(i)),
    ),
    src(
      "code",
      "harvest",
      Array.from({ length: 300 }, (_, i) => code(i)),
    ),
    src(
      "chat",
      "organic",
      Array.from({ length: 300 }, (_, i) => chat(i)),
    ),
    src(
      "talk",
      "organic",
      Array.from({ length: 300 }, (_, i) => talk(i)),
    ),
  ];

  it("auc counts the chance a positive outscores a negative, ties half", () => {
    expect(auc([3, 4], [1, 2])).toBe(1);
    expect(auc([1, 2], [3, 4])).toBe(0);
    expect(auc([1], [1])).toBe(0.5);
    expect(cutAt([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1)).toBe(9);
  });

  it("a fit separates the classes, and casual phrasing added to a text does not flip it", () => {
    const m = fitHarvest(sources, { epochs: 3 });
    expect(m.score(task(1000))).toBeGreaterThan(0.5);
    expect(m.score(chat(1000))).toBeLessThan(0.5);
    for (let i = 0; i < 20; i++) expect(m.score(casual(task(2000 + i), rnd))).toBeGreaterThan(0.5);
  });

  it("leave-one-source-out scores each source with a model that never saw it", () => {
    const rows = leaveOneSourceOut(sources, { epochs: 2 });
    expect(rows.map((r) => r.source)).toEqual(["tasks", "code", "chat", "talk"]);
    for (const r of rows) {
      expect(r.auc).toBeGreaterThanOrEqual(0);
      expect(r.auc).toBeLessThanOrEqual(1);
    }
    // a held-out organic source's false-positive share is measured at the other sources' 1% cut
    expect(rows.find((r) => r.source === "talk")?.label).toBe("organic");
  });
});
