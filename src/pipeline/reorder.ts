// Logs are nearly, not exactly, in time order. A min-heap holds items until the newest
// time seen is `horizonMs` past them, then releases them in order; memory is bounded by
// the traffic of one horizon. Items later than that arrive out of order and are
// released at once (counted).

export class ReorderBuffer<T> {
  private readonly heap: { ts: number; item: T }[] = [];
  private maxTs = Number.NEGATIVE_INFINITY;
  late = 0;

  constructor(private readonly horizonMs: number) {}

  get size(): number {
    return this.heap.length;
  }

  /** Adds an item and returns those now safe to release, oldest first. */
  push(ts: number, item: T, out: T[]): void {
    if (ts < this.maxTs - this.horizonMs) {
      this.late++;
      out.push(item);
      return;
    }
    if (ts > this.maxTs) this.maxTs = ts;
    this.insert({ ts, item });
    const limit = this.maxTs - this.horizonMs;
    while (this.heap.length > 0 && (this.heap[0]?.ts ?? 0) <= limit) out.push(this.pop().item);
  }

  drain(out: T[]): void {
    while (this.heap.length > 0) out.push(this.pop().item);
  }

  private insert(e: { ts: number; item: T }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as { ts: number; item: T };
      if (parent.ts <= e.ts) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  private pop(): { ts: number; item: T } {
    const h = this.heap;
    const top = h[0] as { ts: number; item: T };
    const last = h.pop() as { ts: number; item: T };
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mts = last.ts;
        if (l < h.length && (h[l] as { ts: number }).ts < mts) {
          m = l;
          mts = (h[l] as { ts: number }).ts;
        }
        if (r < h.length && (h[r] as { ts: number }).ts < mts) m = r;
        if (m === i) break;
        h[i] = h[m] as { ts: number; item: T };
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
