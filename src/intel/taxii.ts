// A read-only TAXII 2.1 server for the current export (OASIS TAXII 2.1 §4-5): discovery,
// one API root, one collection of the campaigns' STIX objects, with the objects, object,
// versions and manifest endpoints, filtering (added_after, match[id], match[type],
// match[spec_version], match[version]=last|first|all), cursor pagination (limit, next),
// TAXII media types and error messages, and authentication (HTTP Basic with the key as
// password, or Bearer) against SHA-256 hashes of the keys, on by default.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { StixObject } from "./stix.js";

export const TAXII_MEDIA = "application/taxii+json;version=2.1";
export const STIX_MEDIA = "application/stix+json;version=2.1";

export interface TaxiiOptions {
  /** the current objects (an export); called per request, so it may cache */
  readonly objects: () => Promise<readonly StixObject[]>;
  /** hex SHA-256 of the keys allowed to read (empty: nobody can) */
  readonly keys: readonly string[];
  readonly title?: string;
  /** largest page (default 1000) */
  readonly maxPage?: number;
  /** where the server is mounted, e.g. "" or "/intel" (discovery is at <base>/taxii2/) */
  readonly base?: string;
  /**
   * the server's own origin as configured (e.g. "https://intel.example.org"), for the API
   * root's URL in discovery; never read from the request's Host field, which the client
   * writes. Without it the URL is a path on the same server.
   */
  readonly origin?: () => string;
}

const API_ROOT = "api";
export const COLLECTION_ID = "6f1f5cf4-5d8a-5a0c-8d43-2f2c3c1d9a01";

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": TAXII_MEDIA,
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
}

function error(
  res: ServerResponse,
  status: number,
  title: string,
  description?: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, { title, ...(description ? { description } : {}), http_status: String(status) }, headers);
}

function presented(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== "string") return undefined;
  if (h.toLowerCase().startsWith("bearer ")) return h.slice(7).trim();
  if (h.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return i >= 0 ? decoded.slice(i + 1) : undefined;
  }
  return undefined;
}

function acceptable(req: IncomingMessage): boolean {
  const a = req.headers.accept;
  if (a === undefined || a.trim() === "") return true;
  return a.split(",").some((part) => {
    const t = part.split(";q=")[0]?.replace(/\s+/g, "").toLowerCase() ?? "";
    return (
      t === "*/*" ||
      t === "application/*" ||
      t === "application/taxii+json" ||
      t === "application/taxii+json;version=2.1"
    );
  });
}

const dateAdded = (o: StixObject): string => String(o.modified ?? o.created ?? "1970-01-01T00:00:00.000Z");

interface Cursor {
  readonly at: string;
  readonly id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString("base64url");
}

function decodeCursor(s: string): Cursor | undefined {
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && typeof v[0] === "string" && typeof v[1] === "string")
      return { at: v[0], id: v[1] };
  } catch {
    // not ours
  }
  return undefined;
}

/** A request handler for the TAXII routes; resolves false for paths it does not serve. */
export function taxiiHandler(
  o: TaxiiOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const keys = new Set(o.keys.map((k) => k.toLowerCase()));
  const base = o.base ?? "";
  const maxPage = o.maxPage ?? 1000;
  const authorized = (req: IncomingMessage): boolean => {
    const k = presented(req);
    if (k === undefined) return false;
    const digest = createHash("sha256").update(k).digest();
    for (const h of keys) {
      const want = Buffer.from(h, "hex");
      if (want.length === digest.length && timingSafeEqual(want, digest)) return true;
    }
    return false;
  };
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let path = url.pathname;
    if (
      !path.startsWith(`${base}/taxii2/`) &&
      !path.startsWith(`${base}/${API_ROOT}/`) &&
      path !== `${base}/taxii2`
    )
      return false;
    path = path.slice(base.length);
    if (!path.endsWith("/")) path += "/";
    if (!authorized(req)) {
      error(res, 401, "authentication required", "present a key as HTTP Basic password or a Bearer token", {
        "www-authenticate": 'Basic realm="distillguard TAXII"',
      });
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      error(res, 405, "method not allowed", "this TAXII server is read-only", { allow: "GET, HEAD" });
      return true;
    }
    if (!acceptable(req)) {
      error(res, 406, "not acceptable", `this server answers ${TAXII_MEDIA}`);
      return true;
    }
    const rootUrl = `${o.origin?.() ?? ""}${base}/${API_ROOT}/`;
    if (path === "/taxii2/") {
      send(res, 200, {
        title: o.title ?? "distillguard threat intelligence",
        description: "Distillation campaigns against an LLM API, as STIX 2.1",
        default: rootUrl,
        api_roots: [rootUrl],
      });
      return true;
    }
    const parts = path.split("/").filter(Boolean); // api, collections, id, objects, oid, versions
    if (parts[0] !== API_ROOT) return false;
    if (parts.length === 1) {
      send(res, 200, { title: "distillguard", versions: [TAXII_MEDIA], max_content_length: 0 });
      return true;
    }
    const collection = {
      id: COLLECTION_ID,
      title: "distillation campaigns",
      description: "The current export of campaigns, indicators, infrastructure and relationships",
      can_read: true,
      can_write: false,
      media_types: [STIX_MEDIA],
    };
    if (parts[1] !== "collections") {
      error(res, 404, "not found");
      return true;
    }
    if (parts.length === 2) {
      send(res, 200, { collections: [collection] });
      return true;
    }
    if (parts[2] !== COLLECTION_ID) {
      error(res, 404, "no such collection");
      return true;
    }
    if (parts.length === 3) {
      send(res, 200, collection);
      return true;
    }
    const what = parts[3];
    if (what !== "objects" && what !== "manifest") {
      error(res, 404, "not found");
      return true;
    }
    // filters
    const q = url.searchParams;
    const limitRaw = q.get("limit");
    const limit = limitRaw === null ? maxPage : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1) {
      error(res, 400, "bad limit", "limit must be a positive integer");
      return true;
    }
    const addedAfter = q.get("added_after");
    if (addedAfter !== null && Number.isNaN(Date.parse(addedAfter))) {
      error(res, 400, "bad added_after", "added_after must be a timestamp");
      return true;
    }
    const list = (k: string): string[] | undefined => {
      const v = q.get(k);
      return v === null ? undefined : v.split(",").map((x) => x.trim());
    };
    const ids = list("match[id]");
    const types = list("match[type]");
    const specs = list("match[spec_version]");
    const versions = list("match[version]") ?? ["last"];
    let objects = [...(await o.objects())];
    if (parts.length >= 5) {
      let oid: string;
      try {
        oid = decodeURIComponent(parts[4] as string);
      } catch {
        error(res, 400, "bad request", "the object id is not a valid percent-encoded string");
        return true;
      }
      objects = objects.filter((x) => x.id === oid);
      if (objects.length === 0) {
        error(res, 404, "no such object");
        return true;
      }
      if (parts[5] === "versions") {
        send(res, 200, { more: false, versions: objects.map((x) => String(x.modified ?? x.created)) });
        return true;
      }
    }
    objects = objects.filter(
      (x) =>
        (!ids || ids.includes(x.id)) &&
        (!types || types.includes(x.type)) &&
        (!specs || specs.includes(String(x.spec_version ?? "2.1"))) &&
        (!addedAfter || Date.parse(dateAdded(x)) > Date.parse(addedAfter)),
    );
    // one version per object here: last, first and all select the same
    if (
      !versions.some(
        (v) => v === "last" || v === "first" || v === "all" || objects.some((x) => x.modified === v),
      )
    )
      objects = [];
    objects.sort((a, b) => dateAdded(a).localeCompare(dateAdded(b)) || a.id.localeCompare(b.id));
    const next = q.get("next");
    if (next !== null) {
      const c = decodeCursor(next);
      if (!c) {
        error(res, 400, "bad next", "next is not a cursor this server gave");
        return true;
      }
      objects = objects.filter((x) => dateAdded(x) > c.at || (dateAdded(x) === c.at && x.id > c.id));
    }
    const page = objects.slice(0, Math.min(limit, maxPage));
    const more = objects.length > page.length;
    const last = page[page.length - 1];
    const headers: Record<string, string> = {};
    if (page.length > 0) {
      headers["x-taxii-date-added-first"] = dateAdded(page[0] as StixObject);
      headers["x-taxii-date-added-last"] = dateAdded(last as StixObject);
    }
    const envelope =
      what === "manifest"
        ? {
            more,
            ...(more && last ? { next: encodeCursor({ at: dateAdded(last), id: last.id }) } : {}),
            objects: page.map((x) => ({
              id: x.id,
              date_added: dateAdded(x),
              version: String(x.modified ?? x.created),
              media_type: STIX_MEDIA,
            })),
          }
        : {
            more,
            ...(more && last ? { next: encodeCursor({ at: dateAdded(last), id: last.id }) } : {}),
            objects: page,
          };
    send(res, 200, envelope, headers);
    return true;
  };
}
