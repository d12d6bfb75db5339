import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ExchangeRecord, normaliseExchange } from "../contract/index.js";
import { exchangeSignals, NEW_ITEM_UNITS } from "./index.js";
import { novelUnits } from "./novelty.js";

const answer =
  "To reverse a linked list in place, keep three pointers: previous, current and next. Walk the list once, pointing each node's next field back at the previous node, then return the previous pointer as the new head.";

const followUp = (text: string, history = answer) =>
  exchangeSignals(
    normaliseExchange(
      {
        id: "x",
        ts: "2026-02-01T00:00:00Z",
        account_id: "a",
        request: {
          model: "m",
          max_tokens: 1000,
          messages: [
            { role: "user", content: "How do I reverse a linked list in place?" },
            { role: "assistant", content: history },
            { role: "user", content: text },
          ],
        },
      } as ExchangeRecord,
      0,
    ),
  );

describe("a follow-up that carries a new item", () => {
  it("is told from turns about the conversation by the new content words it brings", () => {
    // people refer back: short, or in the answer's own words
    for (const t of [
      "thanks! can you show that in python?",
      "why do we need the previous pointer at all?",
      "what happens to the head node when the list walk finishes and the previous pointer is returned?",
      "ok",
    ]) {
      const s = followUp(t);
      expect(s.followUp).toBe(true);
      expect(s.newItem, t).toBe(false);
    }
    // a problem pasted into the open chat brings its own vocabulary
    const pasted =
      "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?";
    expect(followUp(pasted).newItem).toBe(true);
    // also in Chinese, which has no spaces between words
    expect(
      followUp("判断下列句子的语气并说明理由：他昨天终于完成了那个困难的项目，大家都为他感到高兴。").newItem,
    ).toBe(true);
    // a task opening is never a follow-up item
    const opening = exchangeSignals(
      normaliseExchange(
        {
          id: "y",
          ts: "2026-02-01T00:00:00Z",
          account_id: "a",
          request: { model: "m", max_tokens: 10, messages: [{ role: "user", content: pasted }] },
        } as ExchangeRecord,
        0,
      ),
    );
    expect(opening.followUp).toBe(false);
    expect(opening.newItem).toBe(false);
  });

  it("counts only units the context lacks, each once, and never more than the text has", () => {
    expect(novelUnits("alpha beta gamma", "alpha beta gamma delta delta epsilon")).toBe(2);
    expect(novelUnits("", "one two three four")).toBe(2); // words under four characters are not content
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (ctx, text) => {
        const n = novelUnits(ctx, text);
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n).toBeLessThanOrEqual(novelUnits("", text));
        // what the context already holds is never new
        expect(novelUnits(`${ctx} ${text}`, text)).toBe(0);
      }),
      { numRuns: 300 },
    );
    expect(NEW_ITEM_UNITS).toBeGreaterThan(3);
  });
});
