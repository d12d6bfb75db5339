import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "./_render.js";

type Op =
  | { readonly kind: "s"; readonly text: string }
  | { readonly kind: "b"; readonly text: string }
  | { readonly kind: "pos" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("s" as const), text: fc.string({ unit: "grapheme", maxLength: 300 }) }),
  fc.record({ kind: fc.constant("b" as const), text: fc.string({ unit: "grapheme", maxLength: 300 }) }),
  fc.record({ kind: fc.constant("pos" as const) }),
);

describe("ByteWriter", () => {
  it("writes strings and byte fragments in order, whatever the mix, growing past its first buffer", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 64 }), (ops, initial) => {
        const w = new ByteWriter(initial);
        const expected: Buffer[] = [];
        for (const o of ops) {
          if (o.kind === "pos") {
            expect(w.pos).toBe(Buffer.concat(expected).length);
            continue;
          }
          const bytes = Buffer.from(o.text, "utf8");
          expected.push(bytes);
          if (o.kind === "s") w.s(o.text);
          else w.b(bytes);
        }
        const out = w.take();
        expect(out.equals(Buffer.concat(expected))).toBe(true);
        // taking starts afresh
        expect(w.pos).toBe(0);
        w.s("x");
        expect(w.take().toString()).toBe("x");
      }),
    );
  });
});
