// Campaigns: connected groups of flagged accounts in the evidence graph.
import type { Edge } from "../linkers/index.js";

/** Union-find over account ids. */
export class DisjointSets {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    // path compression
    let cur = x;
    while (cur !== root) {
      const next = this.parent.get(cur) ?? root;
      this.parent.set(cur, root);
      cur = next;
    }
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}

/** Groups `members` joined by edges of at least `minWeight` whose ends are both members. */
export function groupAccounts(
  members: ReadonlySet<string>,
  edges: readonly Edge[],
  minWeight: number,
): string[][] {
  const sets = new DisjointSets();
  for (const e of edges)
    if (e.weight >= minWeight && members.has(e.a) && members.has(e.b)) sets.union(e.a, e.b);
  const groups = new Map<string, string[]>();
  for (const m of members) {
    const r = sets.find(m);
    let g = groups.get(r);
    if (!g) {
      g = [];
      groups.set(r, g);
    }
    g.push(m);
  }
  return [...groups.values()]
    .map((g) => g.sort())
    .sort((a, b) => b.length - a.length || (a[0] ?? "").localeCompare(b[0] ?? ""));
}
