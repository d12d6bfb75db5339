// The TAXII 2.1 endpoint: discovery, API root, collections, objects with filters and
// pagination, manifest, object versions, media types, authentication.
// In-process (hono's app.request): no port; `distillguard intel serve` serves the same app
// (src/cli/cli.test.ts runs it on a port).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTaxiiApp, type StixObject } from "./index.js";
import { COLLECTION_ID, STIX_MEDIA, TAXII_MEDIA } from "./taxii.js";

const KEY = "taxii-read-key";
const base = "https://intel.example.org";
const objects: StixObject[] = Array.from({ length: 12 }, (_, i) => ({
  type: i % 3 === 0 ? "campaign" : "indicator",
  spec_version: "2.1",
  id: `${i % 3 === 0 ? "campaign" : "indicator"}--00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  created: `2026-11-${String(10 + i).padStart(2, "0")}T00:00:00.000Z`,
  modified: `2026-11-${String(10 + i).padStart(2, "0")}T00:00:00.000Z`,
}));

const app = createTaxiiApp({
  keys: [createHash("sha256").update(KEY).digest("hex")],
  objects: async () => objects,
  maxPage: 100,
  origin: () => base,
});
const fetch = async (url: string, init: RequestInit = {}): Promise<Response> => app.request(url, init);

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${base}${path}`, { headers: { accept: TAXII_MEDIA, authorization: `Bearer ${KEY}`, ...headers } });
const root = `/api/collections/${COLLECTION_ID}`;

describe("TAXII 2.1", () => {
  it("answers discovery, the API root and the collections with TAXII media types", async () => {
    const d = await get("/taxii2/");
    expect(d.status).toBe(200);
    expect(d.headers.get("content-type")).toBe(TAXII_MEDIA);
    const disc = (await d.json()) as { api_roots: string[]; default: string };
    expect(disc.api_roots).toEqual([`${base}/api/`]);
    // a forged Host field is not echoed: the URL comes from the configured origin
    const forged = await (
      await get("/taxii2/", { host: "evil.example", "x-forwarded-host": "evil.example" })
    ).text();
    expect(forged).not.toContain("evil.example");
    expect((JSON.parse(forged) as { api_roots: string[] }).api_roots).toEqual([`${base}/api/`]);
    const api = (await (await get("/api/")).json()) as { versions: string[] };
    expect(api.versions).toEqual([TAXII_MEDIA]);
    const cols = (await (await get("/api/collections/")).json()) as {
      collections: { id: string; can_read: boolean; can_write: boolean; media_types: string[] }[];
    };
    expect(cols.collections[0]).toMatchObject({
      id: COLLECTION_ID,
      can_read: true,
      can_write: false,
      media_types: [STIX_MEDIA],
    });
    expect((await get(`${root}/`)).status).toBe(200);
    expect((await get("/api/collections/nope/")).status).toBe(404);
  });

  it("pages objects with limit and next, in date-added order, with the date headers", async () => {
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await get(`${root}/objects/?limit=5${next ? `&next=${next}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("x-taxii-date-added-first")).toBeTruthy();
      const env = (await r.json()) as { more: boolean; next?: string; objects: StixObject[] };
      seen.push(...env.objects.map((o) => o.id));
      next = env.more ? env.next : undefined;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(seen).toEqual(objects.map((o) => o.id));
  });

  it("filters by type, id and added_after; serves one object, its versions and the manifest", async () => {
    const camp = (await (await get(`${root}/objects/?match[type]=campaign`)).json()) as {
      objects: StixObject[];
    };
    expect(camp.objects.map((o) => o.type)).toEqual(["campaign", "campaign", "campaign", "campaign"]);
    const after = (await (await get(`${root}/objects/?added_after=2026-11-20T00:00:00.000Z`)).json()) as {
      objects: StixObject[];
    };
    expect(after.objects).toHaveLength(1);
    const one = objects[4] as StixObject;
    const byId = (await (await get(`${root}/objects/${one.id}/`)).json()) as { objects: StixObject[] };
    expect(byId.objects).toEqual([one]);
    const versions = (await (await get(`${root}/objects/${one.id}/versions/`)).json()) as {
      versions: string[];
    };
    expect(versions.versions).toEqual([one.modified]);
    const manifest = (await (await get(`${root}/manifest/?limit=2`)).json()) as {
      more: boolean;
      objects: { id: string; media_type: string }[];
    };
    expect(manifest.more).toBe(true);
    expect(manifest.objects[0]).toMatchObject({ id: objects[0]?.id, media_type: STIX_MEDIA });
    expect((await get(`${root}/objects/indicator--00000000-0000-4000-8000-999999999999/`)).status).toBe(404);
  });

  it("requires a key, refuses other media types and writes, and rejects bad parameters", async () => {
    const none = await fetch(`${base}/taxii2/`, { headers: { accept: TAXII_MEDIA } });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    const basic = await get("/taxii2/", {
      authorization: `Basic ${Buffer.from(`partner:${KEY}`).toString("base64")}`,
    });
    expect(basic.status).toBe(200);
    expect((await get("/taxii2/", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await get("/taxii2/", { accept: "text/html" })).status).toBe(406);
    const post = await fetch(`${base}${root}/objects/`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
      body: "{}",
    });
    expect(post.status).toBe(405);
    expect((await get(`${root}/objects/?limit=0`)).status).toBe(400);
    expect((await get(`${root}/objects/?next=garbage`)).status).toBe(400);
    const err = (await (await get(`${root}/objects/?added_after=nope`)).json()) as {
      http_status: string;
      title: string;
    };
    expect(err).toMatchObject({ http_status: "400" });
    // a malformed percent-escape in an object id: 400 with a body, not a 500
    const bad = await get(`${root}/objects/indicator--%E0%A4%A/`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ http_status: "400" });
  });
});
