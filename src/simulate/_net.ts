// Synthetic Internet: countries with time zones, and networks (ASN, type, country)
// each owning address prefixes. Addresses and ASNs are plausible but invented; they
// only need to behave like real ones (shared NATs, cloud egress, proxy pools).
import type { IpType } from "../contract/index.js";
import type { Rng } from "./_rng.js";

export interface Country {
  readonly code: string;
  /** UTC offset in hours of its main time zone */
  readonly tz: number;
  readonly weight: number;
}

export const COUNTRIES: readonly Country[] = [
  { code: "US", tz: -6, weight: 30 },
  { code: "IN", tz: 5.5, weight: 9 },
  { code: "GB", tz: 0, weight: 6 },
  { code: "DE", tz: 1, weight: 5 },
  { code: "BR", tz: -3, weight: 5 },
  { code: "CA", tz: -5, weight: 4 },
  { code: "FR", tz: 1, weight: 4 },
  { code: "JP", tz: 9, weight: 4 },
  { code: "KR", tz: 9, weight: 3 },
  { code: "AU", tz: 10, weight: 3 },
  { code: "SG", tz: 8, weight: 2 },
  { code: "NL", tz: 1, weight: 2 },
  { code: "ES", tz: 1, weight: 2 },
  { code: "MX", tz: -6, weight: 2 },
  { code: "ID", tz: 7, weight: 2 },
  { code: "PL", tz: 1, weight: 2 },
  { code: "TR", tz: 3, weight: 2 },
  { code: "VN", tz: 7, weight: 1 },
  { code: "PH", tz: 8, weight: 1 },
  { code: "NG", tz: 1, weight: 1 },
];

/** Regions where the simulated provider does not offer access; reached only through proxies. */
export const UNSUPPORTED: readonly Country[] = [
  { code: "CN", tz: 8, weight: 1 },
  { code: "RU", tz: 3, weight: 1 },
  { code: "IR", tz: 3.5, weight: 1 },
];

export interface Network {
  readonly asn: number;
  readonly type: IpType;
  readonly country: string;
  /** first two octets of each /16 it owns */
  readonly prefixes: readonly number[];
}

export interface IpInfo {
  readonly ip: string;
  readonly asn: number;
  readonly type: IpType;
  readonly country: string;
}

const CLOUD_ASNS = [16509, 15169, 8075, 24940, 16276, 14061, 45102, 132203, 63949, 20473];
const CLOUD_COUNTRIES = ["US", "US", "US", "DE", "SG", "JP", "NL", "FR", "GB", "IN"];
const VPN_ASNS = [9009, 60068, 212238, 136787];

/** The world: networks by country and type, built deterministically per seed. */
export class World {
  private readonly residential = new Map<string, Network[]>();
  private readonly mobile = new Map<string, Network[]>();
  private readonly cloud: Network[] = [];
  private readonly vpn: Network[] = [];
  private nextPrefix = 0;

  constructor(rng: Rng) {
    let asn = 3300;
    for (const c of [...COUNTRIES, ...UNSUPPORTED]) {
      const res: Network[] = [];
      const nIsp = c.weight > 10 ? 6 : c.weight > 3 ? 4 : 2;
      for (let i = 0; i < nIsp; i++) {
        asn += rng.int(7, 900);
        res.push(this.network(asn, "residential", c.code, 4));
      }
      this.residential.set(c.code, res);
      asn += rng.int(7, 900);
      this.mobile.set(c.code, [this.network(asn, "mobile", c.code, 3)]);
    }
    CLOUD_ASNS.forEach((a, i) => {
      this.cloud.push(this.network(a, "datacenter", CLOUD_COUNTRIES[i] ?? "US", 6));
    });
    VPN_ASNS.forEach((a, i) => {
      this.vpn.push(this.network(a, "vpn", ["NL", "US", "SG", "DE"][i] ?? "NL", 2));
    });
  }

  private network(asn: number, type: IpType, country: string, nPrefixes: number): Network {
    const prefixes: number[] = [];
    for (let i = 0; i < nPrefixes; i++) prefixes.push(this.allocPrefix());
    return { asn, type, country, prefixes };
  }

  private allocPrefix(): number {
    // first octets 11..223 except private, loopback and multicast-adjacent ranges
    for (;;) {
      const p = 11 * 256 + this.nextPrefix++ * 37;
      const a = (Math.floor(p / 256) % 213) + 11;
      if (a === 127 || a === 10 || a === 100 || a === 169 || a === 172 || a === 192) continue;
      return a * 256 + (p % 256);
    }
  }

  residentialNet(rng: Rng, country: string): Network {
    return rng.pick(this.residential.get(country) ?? this.residential.get("US") ?? []);
  }

  mobileNet(rng: Rng, country: string): Network {
    return rng.pick(this.mobile.get(country) ?? this.mobile.get("US") ?? []);
  }

  cloudNet(rng: Rng): Network {
    return rng.pick(this.cloud);
  }

  vpnNet(rng: Rng): Network {
    return rng.pick(this.vpn);
  }

  /** A fresh address in `net`, as its enrichment would describe it. */
  address(rng: Rng, net: Network, typeOverride?: IpType): IpInfo {
    const p = rng.pick(net.prefixes);
    const ip = `${Math.floor(p / 256)}.${p % 256}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    return { ip, asn: net.asn, type: typeOverride ?? net.type, country: net.country };
  }

  /** A random residential address anywhere (a residential proxy exit). */
  proxyExit(rng: Rng, labelledProxyShare: number, country?: string): IpInfo {
    const c = country ?? rng.weighted(COUNTRIES.map((x) => [x.code, x.weight] as const));
    const net = this.residentialNet(rng, c);
    return this.address(rng, net, rng.chance(labelledProxyShare) ? "proxy" : "residential");
  }

  /** A fresh IPv6 address (mobile carriers hand these out). */
  ipv6(rng: Rng, net: Network): IpInfo {
    const p = rng.pick(net.prefixes);
    const ip = `2a0${p % 10}:${(p & 0xffff).toString(16)}:${rng.hex(4)}:${rng.hex(4)}::${rng.hex(3)}`;
    return { ip, asn: net.asn, type: net.type, country: net.country };
  }
}

export function pickCountry(rng: Rng): Country {
  return rng.weighted(COUNTRIES.map((c) => [c, c.weight] as const));
}

export function countryByCode(code: string): Country {
  return [...COUNTRIES, ...UNSUPPORTED].find((c) => c.code === code) ?? { code, tz: 0, weight: 1 };
}
