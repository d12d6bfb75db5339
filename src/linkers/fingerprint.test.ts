// Behavioural fingerprints link accounts that behave alike: mutual nearest neighbours stay
// inside clusters of similar behaviour, the same input gives the same edges, and a large
// input is compared within random-projection buckets.
import { describe, expect, it } from "vitest";
import { mutualNeighbours } from "./fingerprint.js";

function clusters(n: number, seed = 3): { ids: string[]; vectors: number[][]; of: Map<string, number> } {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const centres = [
    [5, 0, 0, 1, 7],
    [0, 5, 0, 1, 7],
    [0, 0, 5, 1, 7],
  ];
  const ids: string[] = [];
  const vectors: number[][] = [];
  const of = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const id = `a${i}`;
    ids.push(id);
    of.set(id, c);
    // the last two dimensions are constant: they must weigh nothing
    vectors.push((centres[c] as number[]).map((x, j) => (j < 3 ? x + rnd() : x)));
  }
  return { ids, vectors, of };
}

describe("mutual nearest neighbours", () => {
  it("link accounts within a behaviour cluster, never across, the same way every time", () => {
    const { ids, vectors, of } = clusters(90);
    const edges = mutualNeighbours(ids, vectors, 5);
    expect(edges.length).toBeGreaterThan(60);
    for (const e of edges) {
      expect(of.get(e.a)).toBe(of.get(e.b));
      expect(e.similarity).toBeGreaterThan(0);
      expect(e.similarity).toBeLessThanOrEqual(1);
    }
    expect(mutualNeighbours(ids, vectors, 5)).toEqual(edges);
  });

  it("compare a large set within buckets and still link within clusters", () => {
    const { ids, vectors, of } = clusters(6600);
    const edges = mutualNeighbours(ids, vectors, 3);
    expect(edges.length).toBeGreaterThan(3000);
    const cross = edges.filter((e) => of.get(e.a) !== of.get(e.b)).length;
    expect(cross).toBe(0);
  });

  it("return nothing for fewer than two accounts", () => {
    expect(mutualNeighbours(["a"], [[1, 2]])).toEqual([]);
  });
});
