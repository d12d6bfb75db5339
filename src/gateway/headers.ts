// Which header fields cross the gateway, in each direction, and the client's address.
// Hop-by-hop fields are dropped both ways (RFC 9110 §7.6.1); requests pass an allow-list.
import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { at } from "../contract/index.js";
import type { UpstreamConfig, UpstreamKind } from "./types.js";

/** Hop-by-hop header fields (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * The request fields passed on to the upstream: an allow-list, so that nothing naming
 * someone else (cookies, an organisation, another proxy's client address) rides along
 * with the provider's key. The gateway sets the credentials, `x-forwarded-for` and the
 * length itself; `expect` is answered here (Node sends 100 Continue) and never forwarded.
 */
const FORWARDED_COMMON = [
  "content-type",
  "accept",
  "accept-encoding",
  "accept-language",
  "user-agent",
  "idempotency-key",
] as const;
const FORWARDED: Readonly<Record<UpstreamKind, ReadonlySet<string>>> = {
  anthropic: new Set([...FORWARDED_COMMON, "anthropic-version", "anthropic-beta"]),
  openai: new Set([...FORWARDED_COMMON, "openai-beta"]),
};
/** Fields no configuration passes on: the gateway's own to set, or the client's credentials. */
const NEVER_FORWARDED = new Set([
  "host",
  "content-length",
  "authorization",
  "x-api-key",
  "x-forwarded-for",
  "forwarded",
  "expect",
  "cookie",
]);
/** The official SDKs' own description of themselves (language, version, retry count), passed on for both APIs. */
const SDK_FIELDS = "x-stainless-";

const NO_TOKENS: ReadonlySet<string> = new Set();

function connectionTokens(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): ReadonlySet<string> {
  const c = headers.connection;
  if (c === undefined) return NO_TOKENS;
  const list = Array.isArray(c) ? c.join(",") : (c ?? "");
  return new Set(
    list
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The end-to-end request headers to send upstream, with the upstream's credentials. */
export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  kind: UpstreamKind,
  upstream: UpstreamConfig,
  clientIp: string,
  extra: ReadonlySet<string> = NO_TOKENS,
): Record<string, string> {
  const named = connectionTokens(headers);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    if (!FORWARDED[kind].has(k) && !k.startsWith(SDK_FIELDS) && !(extra.has(k) && !NEVER_FORWARDED.has(k)))
      continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  if (kind === "anthropic") {
    out["x-api-key"] = upstream.apiKey;
    out["anthropic-version"] ??= "2023-06-01";
  } else out.authorization = `Bearer ${upstream.apiKey}`;
  out["x-forwarded-for"] = clientIp;
  return out;
}

/** The end-to-end response headers to pass to the client. */
export function clientHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const named = connectionTokens(headers);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = v;
  }
  return out;
}

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. An entry that is not
 * a valid IPv4 or IPv6 address is never taken: the walk stops at the trusted hop before it.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trusted: ReadonlySet<string>,
): string {
  const bare = (a: string): string => (a.startsWith("::ffff:") ? a.slice(7) : a);
  let ip = bare(peer);
  if (!trusted.has(ip) || forwardedFor === undefined) return ip;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((h) => bare(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = at(hops, i);
    // only an address is an address: a name or garbage stops the walk at the last trusted hop
    if (isIP(hop) === 0) break;
    ip = hop;
    if (!trusted.has(ip)) break;
  }
  return ip;
}
