// capability_sweep: one account that harvests vision, tool use and coding together (the
// agentic campaign's coverage). A person who asks about images and code now and then, with
// no tools (a reseller's honest customer on the ladder's worlds was flagged on this), is not.
import { describe, expect, it } from "vitest";
import { type ExchangeRecord, normaliseExchange } from "../contract/index.js";
import { AccountProfile, Releases } from "../profiles/index.js";
import { exchangeSignals } from "../signals/index.js";
import { acct, H, opts, T0 } from "./_test-helpers.js";
import { FEATURES } from "./features.js";

const sweep = FEATURES.find((f) => f.name === "capability_sweep");

function profile(id: string, kinds: readonly ("image" | "code" | "tools" | "chat")[]): AccountProfile {
  const p = new AccountProfile(id, acct(id));
  const releases = new Releases();
  kinds.forEach((k, i) => {
    const text =
      k === "code"
        ? `Write a Python function number ${i} that parses a CSV file and returns the rows as dictionaries.`
        : `Question ${i}: what should I look at first in this situation, and why?`;
    const content =
      k === "image"
        ? [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "text", text: `What is in picture ${i}?` },
          ]
        : text;
    const r: ExchangeRecord = {
      id: `${id}-${i}`,
      ts: new Date(T0 + i * H).toISOString(),
      account_id: id,
      request: {
        model: "m",
        max_tokens: 1000,
        messages: [{ role: "user", content }],
        ...(k === "tools" ? { tools: [{ name: "bash", input_schema: { type: "object" } }] } : {}),
      },
    };
    const v = normaliseExchange(r, T0 + i * H);
    p.update(v, exchangeSignals(v), releases);
  });
  return p;
}

describe("capability sweep", () => {
  it("needs vision, tool use and coding together", () => {
    if (!sweep) throw new Error("no capability_sweep feature");
    const harvester = profile(
      "h",
      Array.from({ length: 30 }, (_, i) => (["image", "tools", "code"] as const)[i % 3] ?? "code"),
    );
    expect(sweep.value(harvester, opts)).toBe(1);
    // images and code questions, no tools: a person, not coverage
    const person = profile(
      "p",
      Array.from({ length: 30 }, (_, i) => (i % 10 === 0 ? "image" : i % 3 === 0 ? "code" : "chat")),
    );
    expect(sweep.value(person, opts)).toBe(0);
  });
});
