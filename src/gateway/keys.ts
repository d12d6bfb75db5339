// Gateway keys: kept as SHA-256 digests, read from the request's x-api-key or bearer
// token, and remembered once valid so that a request does not hash its key again.
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { GatewayKey } from "./types.js";

/** Hex SHA-256 of a client or admin key: what the configuration stores instead of the key. */
export function keyDigest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The key a request presents: x-api-key, else a bearer token. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const x = headers["x-api-key"];
  if (typeof x === "string" && x.length > 0) return x;
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  return undefined;
}

/** Valid keys remembered (unknown keys never are: nobody fills the cache by guessing); emptied past this many. */
const KNOWN_KEYS = 100_000;

/** The configured client keys, looked up by the key a request presents. */
export class KeyCache {
  private readonly byDigest: ReadonlyMap<string, GatewayKey>;
  private readonly known = new Map<string, GatewayKey>();

  constructor(keys: readonly GatewayKey[]) {
    this.byDigest = new Map(keys.map((k) => [k.sha256.toLowerCase(), k]));
  }

  lookup(presented: string): GatewayKey | undefined {
    const hit = this.known.get(presented);
    if (hit) return hit;
    const key = this.byDigest.get(keyDigest(presented));
    if (key) {
      if (this.known.size >= KNOWN_KEYS) this.known.clear();
      this.known.set(presented, key);
    }
    return key;
  }
}

/** The admin keys (digests): whether a request presents one. */
export class AdminKeys {
  private readonly digests: ReadonlySet<string>;

  constructor(digests: readonly string[]) {
    this.digests = new Set(digests.map((k) => k.toLowerCase()));
  }

  /** whether any admin key is configured (none: the admin routes are off) */
  get configured(): boolean {
    return this.digests.size > 0;
  }

  allows(headers: IncomingHttpHeaders | Headers): boolean {
    const presented =
      headers instanceof Headers
        ? presentedKey({
            "x-api-key": headers.get("x-api-key") ?? undefined,
            authorization: headers.get("authorization") ?? undefined,
          })
        : presentedKey(headers);
    return presented !== undefined && this.digests.has(keyDigest(presented));
  }
}
