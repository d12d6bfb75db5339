import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReorderBuffer } from "./reorder.js";

describe("ReorderBuffer", () => {
  it("releases items in time order when they arrive within the horizon", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 50 }),
        (base, jitter) => {
          const sorted = [...base].sort((a, b) => a - b);
          // perturb each time by less than the horizon
          const arrivals = sorted.map((t, i) => t + ((i * 7919) % (jitter + 1)));
          const buf = new ReorderBuffer<number>(100);
          const out: number[] = [];
          for (const t of arrivals) buf.push(t, t, out);
          buf.drain(out);
          expect(out).toEqual([...arrivals].sort((a, b) => a - b));
          expect(buf.late).toBe(0);
        },
      ),
    );
  });

  it("holds only the items within the horizon, and passes late ones straight through", () => {
    const buf = new ReorderBuffer<string>(10);
    const out: string[] = [];
    buf.push(0, "a", out);
    buf.push(5, "b", out);
    buf.push(20, "c", out);
    expect(out).toEqual(["a", "b"]);
    expect(buf.size).toBe(1);
    buf.push(3, "late", out);
    expect(out).toEqual(["a", "b", "late"]);
    expect(buf.late).toBe(1);
  });
});
