// STIX export, hostile bundles, the official examples, and a round trip from one store to
// another that adds partner evidence to the same campaigns.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CampaignsFile, VerdictAccount } from "../contract/index.js";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { DuckDbStore } from "../store/index.js";
import { exportBundle, IntelError, partnerRows, readBundle, StixSchemas } from "./index.js";
import { parsePattern } from "./pattern.js";
import { tlpMarking } from "./stix.js";

const SHARED = new URL("../../../shared/stix2-json-schemas", import.meta.url).pathname;
const schemas = StixSchemas.load(SHARED);
const KEY = "partners-agreed-key-0001";
let scen: string;
let campaigns: CampaignsFile;

beforeAll(async () => {
  scen = mkdtempSync(join(tmpdir(), "dg-intel-"));
  await simulate({ out: join(scen, "s"), seed: 3, scale: 0.05, days: 5, workers: false });
  await analyze({
    inputs: { exchanges: join(scen, "s/exchanges.jsonl"), accounts: join(scen, "s/accounts.jsonl") },
    out: join(scen, "a"),
    db: join(scen, "a.duckdb"),
    threads: 0,
    report: false,
  });
  campaigns = JSON.parse(readFileSync(join(scen, "a/campaigns.json"), "utf8")) as CampaignsFile;
}, 120_000);

describe("STIX export", () => {
  it("writes campaigns, indicators, infrastructure and relationships, all marked, identifiers only hashed", () => {
    expect(campaigns.campaigns.length).toBeGreaterThan(0);
    const b = exportBundle(campaigns, {
      tlp: "amber+strict",
      hmacKey: KEY,
      hmacKeyId: "k1",
      producer: "Lab A",
    });
    const types = new Set(b.objects.map((o) => o.type));
    for (const t of [
      "campaign",
      "indicator",
      "infrastructure",
      "relationship",
      "identity",
      "marking-definition",
      "extension-definition",
    ])
      expect(types, t).toContain(t);
    const tlp = tlpMarking("amber+strict").id;
    for (const o of b.objects)
      if (o.type !== "marking-definition") expect(o.object_marking_refs).toEqual([tlp]);
    for (const o of b.objects)
      if (o.type === "indicator") expect(() => parsePattern(String(o.pattern))).not.toThrow();
    // no account id, payment fingerprint or e-mail domain in the clear
    const text = JSON.stringify(b);
    const accounts = readFileSync(join(scen, "s/accounts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, string>);
    for (const a of accounts) {
      expect(text).not.toContain(a.account_id as string);
      if (a.payment_fingerprint) expect(text).not.toContain(a.payment_fingerprint);
    }
    for (const c of campaigns.campaigns)
      for (const i of c.indicators.filter((x) => x.kind === "email_domain"))
        expect(text).not.toContain(`"${i.value}"`);
    // the same input exports the same ids
    const again = exportBundle(campaigns, {
      tlp: "amber+strict",
      hmacKey: KEY,
      hmacKeyId: "k1",
      producer: "Lab A",
    });
    expect(again.objects.map((o) => o.id)).toEqual(b.objects.map((o) => o.id));
  });

  it.skipIf(!schemas)(
    "validates against the official STIX 2.1 schemas (needs ../shared/stix2-json-schemas)",
    () => {
      const b = exportBundle(campaigns, { tlp: "green", hmacKey: KEY, hmacKeyId: "k1" });
      for (const o of b.objects) expect(schemas?.validate(o), o.id).toEqual([]);
      expect(() => readBundle(JSON.stringify(b), { schemas })).not.toThrow();
    },
  );
});

describe("STIX import", () => {
  const good = (): Record<string, unknown> =>
    JSON.parse(JSON.stringify(exportBundle(campaigns, { tlp: "amber", hmacKey: KEY, hmacKeyId: "k1" })));
  const rejects = (text: string, limits = {}): string => {
    try {
      readBundle(text, { schemas, limits });
    } catch (err) {
      expect(err).toBeInstanceOf(IntelError);
      return (err as Error).message;
    }
    throw new Error("accepted");
  };

  it("rejects hostile and malformed bundles with clear reasons", () => {
    expect(rejects("{not json")).toContain("not JSON");
    expect(rejects(JSON.stringify(good()), { maxBytes: 1000 })).toContain("larger than 1000 bytes");
    expect(rejects(`${"[".repeat(5000)}${"]".repeat(5000)}`)).toContain("nested deeper");
    expect(rejects(JSON.stringify({ type: "bundle", id: "bundle--x", objects: [] }))).toContain(
      "bundle--<uuid>",
    );
    const many = good();
    expect(rejects(JSON.stringify(many), { maxObjects: 3 })).toContain("objects (at most 3)");
    const wrong = good();
    (wrong.objects as Record<string, unknown>[])[5] = { type: 7, id: "x" };
    expect(rejects(JSON.stringify(wrong))).toContain('objects[5]: "type" and "id"');
    const pattern = good();
    const ind = (pattern.objects as Record<string, unknown>[]).find((o) => o.type === "indicator") as Record<
      string,
      unknown
    >;
    ind.pattern = "[ipv4-addr:value = '1.2.3.4' OR ]";
    expect(rejects(JSON.stringify(pattern))).toContain("pattern does not parse");
    const conf = good();
    (
      (conf.objects as Record<string, unknown>[]).find((o) => o.type === "campaign") as Record<
        string,
        unknown
      >
    ).confidence = 250;
    expect(rejects(JSON.stringify(conf))).toContain("confidence");
    const huge = good();
    (
      (huge.objects as Record<string, unknown>[]).find((o) => o.type === "campaign") as Record<
        string,
        unknown
      >
    ).description = "x".repeat(70_000);
    expect(rejects(JSON.stringify(huge))).toContain("characters");
    const dup = good();
    const objs = dup.objects as Record<string, unknown>[];
    objs.push({ ...(objs.find((o) => o.type === "indicator") as Record<string, unknown>) });
    expect(rejects(JSON.stringify(dup))).toContain("duplicate object");
    const longName = good();
    ((longName.objects as Record<string, unknown>[])[1] as Record<string, unknown>)[`x_${"a".repeat(300)}`] =
      1;
    expect(rejects(JSON.stringify(longName))).toContain("a property name of 302 characters");
  });

  it("takes a bundle of 75,000 identical relationships in linear time, as one indicator of one campaign", () => {
    const b = good();
    const objs = b.objects as Record<string, unknown>[];
    const ind = objs.find((o) => o.type === "indicator") as Record<string, unknown>;
    const rel = objs.find((o) => o.type === "relationship" && o.source_ref === ind.id) as Record<
      string,
      unknown
    >;
    const before = partnerRows(readBundle(JSON.stringify(b), { schemas })).filter(
      (r) => r.campaign !== "" && r.kind !== "account",
    ).length;
    // the same "indicates" relationship, 75,000 times under fresh ids (a bundle of about 30 MB)
    for (let i = 0; i < 75_000; i++)
      objs.push({
        type: "relationship",
        spec_version: "2.1",
        id: `relationship--00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
        created: rel.created,
        modified: rel.modified,
        relationship_type: "indicates",
        source_ref: rel.source_ref,
        target_ref: rel.target_ref,
      });
    const text = JSON.stringify(b);
    expect(text.length).toBeGreaterThan(15_000_000);
    const rows = partnerRows(readBundle(text, { schemas }));
    // nothing is counted twice: the indicator's rows are as many as without the copies
    expect(rows.filter((r) => r.campaign !== "" && r.kind !== "account").length).toBe(before);
    const keys = rows.map((r) => `${r.partner}|${r.campaign}|${r.kind}|${r.value}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.skipIf(!schemas)(
    "imports the official examples without error (needs ../shared/stix2-json-schemas)",
    () => {
      const files = [
        ...readdirSync(join(SHARED, "examples"))
          .filter((f) => f.endsWith(".json"))
          .map((f) => join(SHARED, "examples", f)),
        ...readdirSync(join(SHARED, "examples/threat-reports")).map((f) =>
          join(SHARED, "examples/threat-reports", f),
        ),
      ];
      expect(files.length).toBeGreaterThan(5);
      for (const f of files)
        expect(() => partnerRows(readBundle(readFileSync(f, "utf8"), { schemas })), f).not.toThrow();
    },
  );

  it("round trip: export from one store, import into another, and the re-analysis adds partner evidence to the same campaigns", async () => {
    const bundle = exportBundle(campaigns, {
      tlp: "amber",
      hmacKey: KEY,
      hmacKeyId: "k1",
      producer: "Lab A",
    });
    const parsed = readBundle(JSON.stringify(bundle), { schemas });
    const db = join(scen, "b.duckdb");
    const store = await DuckDbStore.open(db);
    const rows = partnerRows(parsed);
    expect(await store.replacePartnerIndicators(parsed.id, rows)).toBe(rows.length);
    // importing the same bundle again replaces it
    expect(await store.replacePartnerIndicators(parsed.id, rows)).toBe(rows.length);
    store.close();
    const s = await analyze({
      inputs: { exchanges: join(scen, "s/exchanges.jsonl"), accounts: join(scen, "s/accounts.jsonl") },
      out: join(scen, "b"),
      db,
      threads: 0,
      report: false,
      intelKey: KEY,
    });
    expect(s.partner).toEqual({ indicators: rows.length, hashedUnused: 0 });
    const verdicts = readFileSync(join(scen, "b/accounts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as VerdictAccount);
    const byId = new Map(verdicts.map((v) => [v.account_id, v]));
    const after = JSON.parse(readFileSync(join(scen, "b/campaigns.json"), "utf8")) as CampaignsFile;
    for (const c of campaigns.campaigns) {
      // every account of the campaign now carries the partner's evidence, and stays in one campaign with the others
      for (const a of c.accounts)
        expect(
          byId.get(a)?.reasons.map((r) => r.signal),
          a,
        ).toContain("partner_indicator");
      const home = after.campaigns.find((x) => x.accounts.includes(c.accounts[0] as string));
      for (const a of c.accounts) expect(home?.accounts).toContain(a);
    }
    // partner evidence corroborates: it does not flag accounts whose own evidence is weak
    const truth = readFileSync(join(scen, "s/labels.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { account_id: string; campaign: string | null });
    const benignFlagged = truth.filter((t) => !t.campaign && byId.get(t.account_id)?.flagged).length;
    const benignFlaggedBefore = readFileSync(join(scen, "a/accounts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as VerdictAccount)
      .filter((v) => v.flagged && !truth.find((t) => t.account_id === v.account_id)?.campaign).length;
    expect(benignFlagged - benignFlaggedBefore).toBeLessThanOrEqual(2);
  }, 120_000);

  it("without the partners' key, uses addresses and agents only, and says so", async () => {
    const s = await analyze({
      inputs: { exchanges: join(scen, "s/exchanges.jsonl"), accounts: join(scen, "s/accounts.jsonl") },
      out: join(scen, "c"),
      db: join(scen, "b.duckdb"),
      threads: 0,
      report: false,
    });
    expect(s.partner.hashedUnused).toBeGreaterThan(0);
  }, 120_000);
});
