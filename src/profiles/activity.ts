// When an account is active, as a bitset of hours: compact enough to keep for every
// account, precise enough to compare two accounts' timing (lockstep).
const HOUR = 3_600_000;

/** Active hours of an account as a bitset over the 60 days from its first exchange. */
export class ActiveHours {
  private readonly words = new Uint32Array(45);
  private origin: number | undefined;
  count = 0;

  mark(ts: number): void {
    const hour = Math.floor(ts / HOUR);
    this.origin ??= hour;
    const i = hour - this.origin;
    if (i < 0 || i >= this.words.length * 32) return;
    const w = i >>> 5;
    const bitmask = 1 << (i & 31);
    if (((this.words[w] ?? 0) & bitmask) === 0) {
      this.words[w] = (this.words[w] ?? 0) | bitmask;
      this.count++;
    }
  }

  /** Jaccard similarity of two accounts' active hours (0 when their windows differ). */
  jaccard(other: ActiveHours): number {
    if (this.origin === undefined || other.origin === undefined) return 0;
    const shift = other.origin - this.origin;
    let inter = 0;
    for (let i = 0; i < this.words.length * 32; i++) {
      const j = i - shift;
      if (j < 0 || j >= other.words.length * 32) continue;
      if (((this.words[i >>> 5] ?? 0) >>> (i & 31)) & 1 && ((other.words[j >>> 5] ?? 0) >>> (j & 31)) & 1)
        inter++;
    }
    const union = this.count + other.count - inter;
    return union === 0 ? 0 : inter / union;
  }
}
