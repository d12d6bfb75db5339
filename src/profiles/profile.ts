// Per-account state, updated one exchange at a time. Every field is bounded: counts,
// fixed histograms and capped maps, so memory grows with accounts, never with traffic.
import type { AccountRecord, ExchangeView, IpType } from "../contract/index.js";
import { CAPABILITIES, type ExchangeSignals } from "../signals/index.js";

const HOUR = 3_600_000;

/** A map that stops admitting new keys at `cap` (counting those it refused). */
export class CappedCounter {
  readonly counts = new Map<string, number>();
  overflow = 0;

  constructor(readonly cap: number) {}

  add(key: string, n = 1): void {
    const c = this.counts.get(key);
    if (c !== undefined) this.counts.set(key, c + n);
    else if (this.counts.size < this.cap) this.counts.set(key, n);
    else this.overflow += n;
  }

  /** distinct keys seen, a lower bound once the cap is reached */
  get distinct(): number {
    return this.counts.size + (this.overflow > 0 ? 1 : 0);
  }

  top(k = 1): [string, number][] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  }
}

export const IP_TYPE_INDEX: Record<IpType, number> = {
  residential: 0,
  mobile: 1,
  datacenter: 2,
  proxy: 3,
  vpn: 4,
  tor: 5,
  unknown: 6,
};

export class AccountProfile {
  n = 0;
  errors429 = 0;
  firstTs = Number.POSITIVE_INFINITY;
  lastTs = Number.NEGATIVE_INFINITY;
  /** exchanges per UTC hour of day */
  readonly hourOfDay = new Float64Array(24);
  /** exchanges per capability, in CAPABILITIES order */
  readonly capabilities = new Uint32Array(CAPABILITIES.length);
  givenAnswer = 0;
  oneShot = 0;
  thinking = 0;
  inputTokens = 0;
  outputTokens = 0;
  maxTokens = 0;
  readonly ipTypes = new Uint32Array(7);
  readonly ips = new CappedCounter(256);
  readonly prefixes = new CappedCounter(128);
  readonly asns = new CappedCounter(64);
  readonly countries = new CappedCounter(32);
  readonly userAgents = new CappedCounter(16);
  readonly models = new CappedCounter(16);
  readonly scaffolds = new CappedCounter(512);
  /** exchanges per UTC day (key: days since the epoch) */
  readonly days = new CappedCounter(400);
  /** log inter-arrival times (Welford) */
  private gapN = 0;
  private gapMean = 0;
  private gapM2 = 0;
  /** retries within a minute of a 429 */
  retriesAfter429 = 0;
  private last429 = Number.NEGATIVE_INFINITY;

  constructor(
    readonly id: string,
    public account: AccountRecord | undefined,
  ) {}

  update(view: ExchangeView, s: ExchangeSignals): void {
    const ts = view.ts;
    if (this.n > 0 && ts >= this.lastTs) {
      const g = Math.log1p((ts - this.lastTs) / 1000);
      this.gapN++;
      const d = g - this.gapMean;
      this.gapMean += d / this.gapN;
      this.gapM2 += d * (g - this.gapMean);
    }
    this.n++;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    if (ts - this.last429 < 60_000) this.retriesAfter429++;
    if (view.status === 429) {
      this.errors429++;
      this.last429 = ts;
    }
    this.hourOfDay[Math.floor(ts / HOUR) % 24] = (this.hourOfDay[Math.floor(ts / HOUR) % 24] ?? 0) + 1;
    for (let i = 0; i < CAPABILITIES.length; i++)
      if (s.capabilities & (1 << i)) this.capabilities[i] = (this.capabilities[i] ?? 0) + 1;
    if (s.givenAnswer) this.givenAnswer++;
    if (s.history === 0) this.oneShot++;
    if (s.thinking) this.thinking++;
    this.inputTokens += s.inputTokens;
    this.outputTokens += s.outputTokens;
    this.maxTokens += s.maxTokens;
    const c = view.client;
    if (c.ip_type !== undefined)
      this.ipTypes[IP_TYPE_INDEX[c.ip_type]] = (this.ipTypes[IP_TYPE_INDEX[c.ip_type]] ?? 0) + 1;
    if (c.ip !== undefined) {
      this.ips.add(c.ip);
      this.prefixes.add(ipPrefix(c.ip));
    }
    if (c.asn !== undefined) this.asns.add(String(c.asn));
    if (c.country !== undefined) this.countries.add(c.country);
    if (c.user_agent !== undefined) this.userAgents.add(c.user_agent.slice(0, 120));
    if (view.model !== undefined) this.models.add(view.model.slice(0, 80));
    this.scaffolds.add(s.scaffold);
    this.days.add(String(Math.floor(ts / (24 * HOUR))));
  }

  share(count: number): number {
    return this.n === 0 ? 0 : count / this.n;
  }

  capabilityShare(i: number): number {
    return this.share(this.capabilities[i] ?? 0);
  }

  /** Standard deviation of log inter-arrival times; low means machine-regular traffic. */
  get gapSpread(): number {
    return this.gapN < 2 ? Number.NaN : Math.sqrt(this.gapM2 / (this.gapN - 1));
  }

  /** Normalised entropy of the hour-of-day histogram: 1 is flat around the clock. */
  get hourFlatness(): number {
    if (this.n === 0) return 0;
    let h = 0;
    for (const v of this.hourOfDay) {
      if (v <= 0) continue;
      const p = v / this.n;
      h -= p * Math.log(p);
    }
    return h / Math.log(24);
  }
}

/** The /24 of an IPv4 address or the /48 of an IPv6 address. */
export function ipPrefix(ip: string): string {
  if (ip.includes(":")) return `${ip.split(":").slice(0, 3).join(":")}::/48`;
  const dot = ip.lastIndexOf(".");
  return dot < 0 ? ip : `${ip.slice(0, dot)}.0/24`;
}
