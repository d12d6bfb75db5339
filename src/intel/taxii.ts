// A read-only TAXII 2.1 server for the current export (OASIS TAXII 2.1 §4-5): discovery,
// one API root, one collection of the campaigns' STIX objects, with the objects, object,
// versions and manifest endpoints, filtering (added_after, match[id], match[type],
// match[spec_version], match[version]=last|first|all), cursor pagination (limit, next),
// TAXII media types and error messages, and authentication (HTTP Basic with the key as
// password, or Bearer) against SHA-256 hashes of the keys, on by default. A hono app:
// testable in-process with `app.request()`, served by `distillguard intel serve`.
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { decodeSegment } from "../http/index.js";
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

type Status = 200 | 400 | 401 | 404 | 405 | 406 | 500;

function send(status: Status, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": TAXII_MEDIA,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}

function error(
  status: Exclude<Status, 200>,
  title: string,
  description?: string,
  headers: Record<string, string> = {},
): Response {
  return send(
    status,
    { title, ...(description ? { description } : {}), http_status: String(status) },
    headers,
  );
}

function presented(h: string | undefined): string | undefined {
  if (h === undefined) return undefined;
  if (h.toLowerCase().startsWith("bearer ")) return h.slice(7).trim();
  if (h.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return i >= 0 ? decoded.slice(i + 1) : undefined;
  }
  return undefined;
}

function acceptable(a: string | undefined): boolean {
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

/** The TAXII routes under `o.base`, as a hono app; anything else is a TAXII-shaped 404. */
export function createTaxiiApp(o: TaxiiOptions): Hono {
  const keys = new Set(o.keys.map((k) => k.toLowerCase()));
  const base = o.base ?? "";
  const maxPage = o.maxPage ?? 1000;
  const authorized = (header: string | undefined): boolean => {
    const k = presented(header);
    if (k === undefined) return false;
    const digest = createHash("sha256").update(k).digest();
    for (const h of keys) {
      const want = Buffer.from(h, "hex");
      if (want.length === digest.length && timingSafeEqual(want, digest)) return true;
    }
    return false;
  };
  const rootUrl = (): string => `${o.origin?.() ?? ""}${base}/${API_ROOT}/`;
  const collection = {
    id: COLLECTION_ID,
    title: "distillation campaigns",
    description: "The current export of campaigns, indicators, infrastructure and relationships",
    can_read: true,
    can_write: false,
    media_types: [STIX_MEDIA],
  };
  // trailing slashes optional, as TAXII clients differ
  const app = new Hono({ strict: false });
  app.notFound(() => error(404, "not found"));
  // the objects could not be made (the export failed): no detail leaves
  app.onError(() => error(500, "internal error"));
  for (const scope of [`${base}/taxii2`, `${base}/taxii2/*`, `${base}/${API_ROOT}`, `${base}/${API_ROOT}/*`])
    app.use(scope, async (c, next) => {
      if (!authorized(c.req.header("authorization")))
        return error(
          401,
          "authentication required",
          "present a key as HTTP Basic password or a Bearer token",
          {
            "www-authenticate": 'Basic realm="distillguard TAXII"',
          },
        );
      if (c.req.method !== "GET" && c.req.method !== "HEAD")
        return error(405, "method not allowed", "this TAXII server is read-only", { allow: "GET, HEAD" });
      if (!acceptable(c.req.header("accept")))
        return error(406, "not acceptable", `this server answers ${TAXII_MEDIA}`);
      await next();
    });
  app.get(`${base}/taxii2`, () =>
    send(200, {
      title: o.title ?? "distillguard threat intelligence",
      description: "Distillation campaigns against an LLM API, as STIX 2.1",
      default: rootUrl(),
      api_roots: [rootUrl()],
    }),
  );
  app.get(`${base}/${API_ROOT}`, () =>
    send(200, { title: "distillguard", versions: [TAXII_MEDIA], max_content_length: 0 }),
  );
  app.get(`${base}/${API_ROOT}/collections`, () => send(200, { collections: [collection] }));
  app.get(`${base}/${API_ROOT}/collections/:id`, (c) =>
    c.req.param("id") === COLLECTION_ID ? send(200, collection) : error(404, "no such collection"),
  );
  const listing = async (
    c: { req: { param(k: string): string | undefined; url: string } },
    what: "objects" | "manifest",
    one: "object" | "versions" | undefined,
  ): Promise<Response> => {
    if (c.req.param("id") !== COLLECTION_ID) return error(404, "no such collection");
    const url = new URL(c.req.url);
    // filters
    const q = url.searchParams;
    const limitRaw = q.get("limit");
    const limit = limitRaw === null ? maxPage : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1)
      return error(400, "bad limit", "limit must be a positive integer");
    const addedAfter = q.get("added_after");
    if (addedAfter !== null && Number.isNaN(Date.parse(addedAfter)))
      return error(400, "bad added_after", "added_after must be a timestamp");
    const list = (k: string): string[] | undefined => {
      const v = q.get(k);
      return v === null ? undefined : v.split(",").map((x) => x.trim());
    };
    const ids = list("match[id]");
    const types = list("match[type]");
    const specs = list("match[spec_version]");
    const versions = list("match[version]") ?? ["last"];
    let objects = [...(await o.objects())];
    if (one !== undefined) {
      // the id as sent (its percent-escapes checked here, not silently kept)
      const raw = url.pathname.slice(base.length).split("/").filter(Boolean)[4] ?? "";
      const oid = decodeSegment(raw);
      if (oid === undefined)
        return error(400, "bad request", "the object id is not a valid percent-encoded string");
      objects = objects.filter((x) => x.id === oid);
      if (objects.length === 0) return error(404, "no such object");
      if (one === "versions")
        return send(200, { more: false, versions: objects.map((x) => String(x.modified ?? x.created)) });
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
      const cur = decodeCursor(next);
      if (!cur) return error(400, "bad next", "next is not a cursor this server gave");
      objects = objects.filter((x) => dateAdded(x) > cur.at || (dateAdded(x) === cur.at && x.id > cur.id));
    }
    const page = objects.slice(0, Math.min(limit, maxPage));
    const more = objects.length > page.length;
    const first = page[0];
    const last = page.at(-1);
    const headers: Record<string, string> = {};
    if (first !== undefined && last !== undefined) {
      headers["x-taxii-date-added-first"] = dateAdded(first);
      headers["x-taxii-date-added-last"] = dateAdded(last);
    }
    const cursor = more && last ? { next: encodeCursor({ at: dateAdded(last), id: last.id }) } : {};
    return send(
      200,
      what === "manifest"
        ? {
            more,
            ...cursor,
            objects: page.map((x) => ({
              id: x.id,
              date_added: dateAdded(x),
              version: String(x.modified ?? x.created),
              media_type: STIX_MEDIA,
            })),
          }
        : { more, ...cursor, objects: page },
      headers,
    );
  };
  const collectionPath = `${base}/${API_ROOT}/collections/:id`;
  app.get(`${collectionPath}/objects`, (c) => listing(c, "objects", undefined));
  app.get(`${collectionPath}/manifest`, (c) => listing(c, "manifest", undefined));
  app.get(`${collectionPath}/objects/:oid`, (c) => listing(c, "objects", "object"));
  app.get(`${collectionPath}/objects/:oid/versions`, (c) => listing(c, "objects", "versions"));
  return app;
}
