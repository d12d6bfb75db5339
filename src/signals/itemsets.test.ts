import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ANCHORS, buildItemIndex, ItemIndex, shingleHashes } from "./itemsets.js";

const PROBLEMS = [
  "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
  "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?",
  "Betty is saving money for a new wallet which costs $100. Betty has only half of the money she needs. Her parents decided to give her $15 for that purpose, and her grandparents twice as much as her parents. How much more money does Betty need to buy the wallet?",
];
const EXAM = [
  "What happens to you if you eat watermelon seeds? Consider the digestive system carefully.",
  "Which planet in our solar system has the longest day measured in Earth hours?",
];
const CHATS = [
  "How much did she earn last week at her new job? I need help with my budget spreadsheet.",
  "can you help me plan a birthday party for my daughter who loves dinosaurs",
];

function index(key?: string): ItemIndex {
  return buildItemIndex(
    [
      { name: "math", items: PROBLEMS },
      { name: "exam", items: EXAM },
    ],
    CHATS,
    key,
  ).index;
}

describe("item sets", () => {
  it("finds an item pasted whole, wrapped in someone's own words, or lightly reworded", () => {
    const ix = index();
    expect(ix.match(PROBLEMS[1] as string)).toEqual({ item: 1, set: 0 });
    expect(
      ix.match(`ok so my teacher gave us this one pls solve and explain how u got it: ${PROBLEMS[2]}`),
    ).toEqual({
      item: 2,
      set: 0,
    });
    const reworded = (PROBLEMS[0] as string).replace("Natalia", "Maria").replace("altogether", "in total");
    expect(ix.match(reworded)?.item).toBe(0);
    expect(ix.match(EXAM[0] as string)).toEqual({ item: 3, set: 1 });
  });

  it("does not match organic text that shares a few words with an item", () => {
    const ix = index();
    for (const c of CHATS) expect(ix.match(c)).toBeUndefined();
    expect(ix.match("How many clips did you buy in April? I lost count.")).toBeUndefined();
  });

  it("anchors under a key differ from the unkeyed ones, and a file only opens with its key", () => {
    const plain = index();
    const keyed = index("provider secret");
    expect([...keyed.anchors].some((a, i) => a !== plain.anchors[i])).toBe(true);
    expect(keyed.match(PROBLEMS[0] as string)?.item).toBe(0);
    const bytes = keyed.encode();
    expect(() => ItemIndex.decode(bytes)).toThrow(/another key/);
    expect(() => ItemIndex.decode(bytes, "wrong")).toThrow(/another key/);
    expect(ItemIndex.decode(bytes, "provider secret").match(PROBLEMS[0] as string)?.item).toBe(0);
    // the file does not carry the seed: the anchors cannot be recomputed without the key
    expect(bytes.toString("latin1")).not.toContain(String(keyed.seed));
  });

  it("round-trips through its file format and rejects damaged files", () => {
    const ix = index();
    const back = ItemIndex.decode(ix.encode());
    expect(back.sets).toEqual(["math", "exam"]);
    expect([...back.anchors]).toEqual([...ix.anchors]);
    expect(back.anchors.length).toBe(back.size * ANCHORS);
    expect(() => ItemIndex.decode(ix.encode().subarray(0, 40))).toThrow();
    expect(() => ItemIndex.decode(Buffer.from("not an index"))).toThrow(/not an item index/);
  });

  it("leaves out items too short or too alike to anchor", () => {
    const { index: ix, skipped } = buildItemIndex(
      [{ name: "s", items: ["yes", "the same long sentence here", "the same long sentence here too"] }],
      [],
    );
    expect(skipped).toBeGreaterThan(0);
    expect(ix.size + skipped).toBe(3);
  });

  it("never throws on arbitrary text and reads Chinese by character", () => {
    const ix = index();
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const m = ix.match(s);
        return m === undefined || (m.item >= 0 && m.item < ix.size);
      }),
    );
    expect(shingleHashes("请解释光合作用的过程", 0).length).toBe(8);
  });

  it("finds a problem reworded around its numbers, but not by list numbering or a few small numbers", () => {
    const problem =
      "A warehouse ships 1250 boxes on Monday, 980 on Tuesday and 1425 on Wednesday; each truck holds 175 boxes. How many trucks were needed?";
    const ix = buildItemIndex([{ name: "math", items: [problem, ...PROBLEMS] }], CHATS).index;
    const reworded =
      "pls help: a depot sent out 1,250 crates Mon, 980 crates Tue, 1425 crates Wed, and a lorry carries 175 crates - lorries required?";
    expect(ix.match(reworded)).toEqual({ item: 0, set: 0 });
    expect(ix.match("My list: 1. eggs 2. milk 3. bread 4. jam 5. tea 6. rice")).toBeUndefined();
    expect(ix.match("I have 3 cats, 2 dogs, 4 fish and 1 bird, 5 pets too many?")).toBeUndefined();
  });
});
