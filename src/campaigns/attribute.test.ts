import { describe, expect, it } from "vitest";
import { behaviourGap, mergeAlike, summariseBehaviour } from "./attribute.js";

/** A deterministic cloud of `n` points around `centre` (spread about `spread` per dimension). */
function cloud(
  prefix: string,
  n: number,
  centre: readonly number[],
  spread: number,
): Map<string, Float64Array> {
  let s = prefix.length * 7919 + n;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  return new Map(
    Array.from({ length: n }, (_, i) => [
      `${prefix}${i}`,
      Float64Array.from(centre, (c) => c + 2 * spread * rnd()),
    ]),
  );
}

describe("joining communities that behave as one", () => {
  const one = cloud("a", 60, [0, 0, 0, 0], 1);
  const other = cloud("b", 40, [4, -3, 2, 0], 1);
  const vectors = new Map([...one, ...other]);
  const ids = (m: Map<string, Float64Array>): string[] => [...m.keys()];

  it("joins two pieces of one operator's accounts and keeps another operator apart", () => {
    // Louvain's cut: one operator's accounts in two pieces by position along one axis
    const left = ids(one).filter((id) => (vectors.get(id)?.[0] ?? 0) < 0);
    const right = ids(one).filter((id) => (vectors.get(id)?.[0] ?? 0) >= 0);
    const pieces = [left, right, ids(other)];
    const gapPieces = behaviourGap(
      summariseBehaviour(left.map((id) => vectors.get(id) as Float64Array)),
      summariseBehaviour(right.map((id) => vectors.get(id) as Float64Array)),
    );
    expect(gapPieces).toBeLessThan(1.2);
    const merged = mergeAlike(pieces, (id) => vectors.get(id), 1.2);
    expect(merged).toHaveLength(2);
    expect(merged[0]?.sort()).toEqual(ids(one).sort());
    expect(merged[1]?.sort()).toEqual(ids(other).sort());
  });

  it("leaves small communities as they are, and does nothing with a gap of 0", () => {
    const small = [ids(one).slice(0, 3), ids(one).slice(3, 6)];
    expect(mergeAlike(small, (id) => vectors.get(id), 1.2)).toHaveLength(2);
    expect(mergeAlike([ids(one).slice(0, 30), ids(one).slice(30)], (id) => vectors.get(id), 0)).toHaveLength(
      2,
    );
  });
});
