// distillguard intel export | import | validate | serve: campaigns as STIX 2.1 bundles,
// partners' bundles as evidence, and a TAXII 2.1 endpoint (docs/intel.md).
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CampaignsFile } from "../contract/index.js";
import { closeServer, fetchListener, listen, originOf } from "../http/index.js";
import {
  createTaxiiApp,
  exportBundle,
  IntelError,
  partnerRows,
  readBundle,
  type StixObject,
  StixSchemas,
  TLP_LEVELS,
  type TlpLevel,
} from "../intel/index.js";
import { DuckDbStore, readCampaigns } from "../store/index.js";
import {
  defineCommand,
  type Io,
  integer,
  type OptionValues,
  PORT,
  stringOption,
  untilStopped,
} from "./_args.js";
import { CLIError } from "./_errors.js";

export const INTEL_USAGE = `usage: distillguard intel export (--db FILE | --in DIR) --out BUNDLE [--tlp LEVEL] [--producer NAME]
                           [--key-env NAME] [--key-id ID] [--valid-days N]
       distillguard intel import BUNDLE --db FILE [--schemas DIR]
       distillguard intel validate BUNDLE [--schemas DIR]
       distillguard intel serve (--db FILE | --in DIR) [--port P] [--host H] [--key-sha256 HEX]

Threat-intelligence sharing in STIX 2.1 (docs/intel.md).

  export    the campaigns of an analysis (its store, or its output folder) as a STIX 2.1
            bundle: campaigns, indicators with STIX patterns, infrastructure, relationships,
            every object marked --tlp (clear, green, amber, amber+strict, red; default
            amber). Account ids, payment fingerprints and e-mail domains leave only as
            HMAC-SHA256 under the key in --key-env (default DISTILLGUARD_INTEL_KEY), which
            the partners agree on; prompt text never leaves.
  import    checks a partner's bundle whole (size, nesting, every object, the official
            schemas when --schemas or ../shared/stix2-json-schemas is there, every pattern)
            and keeps its indicators in the store; 'analyze --db' then uses them as
            evidence (reason partner_indicator). A bundle with any problem is rejected
            and nothing of it kept.
  validate  the same checks, without importing.
  serve     a read-only TAXII 2.1 server of the current export (discovery at /taxii2/);
            prints its address and a fresh read key unless --key-sha256 gives one.`;

/** ../shared/stix2-json-schemas beside the project (where this workspace keeps the official schemas) */
const DEFAULT_SCHEMAS = fileURLToPath(new URL("../../../shared/stix2-json-schemas", import.meta.url));

function keyFrom(envName: string | undefined): string {
  const name = envName ?? "DISTILLGUARD_INTEL_KEY";
  const key = process.env[name];
  if (!key)
    throw new CLIError(
      `the partners' hashing key is not set: put it (at least 16 characters) in ${name} (or name another variable with --key-env)`,
      "E_CONFIG",
    );
  if (key.length < 16)
    throw new CLIError(
      `the partners' hashing key in ${name} is too short: ${key.length} characters, at least 16`,
      "E_CONFIG",
    );
  return key;
}

/** The campaigns of an analysis: from its store or from its output folder's campaigns.json. */
export async function loadCampaigns(db: string | undefined, dir: string | undefined): Promise<CampaignsFile> {
  if (dir !== undefined) {
    const file = join(dir, "campaigns.json");
    if (!existsSync(file))
      throw new CLIError(`${file}: no such file (an analysis' --out folder was expected)`, "E_INPUT_MISSING");
    return JSON.parse(readFileSync(file, "utf8")) as CampaignsFile;
  }
  if (db === undefined || !existsSync(db))
    throw new CLIError(`--db: ${db ?? "(none)"} is not there`, "E_INPUT_MISSING");
  return readCampaigns(db);
}

function schemasFrom(dir: string | undefined, io: Io): StixSchemas | undefined {
  const d = dir ?? DEFAULT_SCHEMAS;
  const s = StixSchemas.load(d);
  if (!s) {
    if (dir !== undefined) throw new CLIError(`--schemas: ${dir}/schemas is not there`, "E_INPUT_MISSING");
    io.stderr.write(
      `intel: the official STIX schemas are not at ${d}: checking structure and patterns only\n`,
    );
  }
  return s;
}

function readText(file: string): string {
  if (!existsSync(file)) throw new CLIError(`${file}: no such file`, "E_INPUT_MISSING");
  const size = statSync(file).size;
  if (size > 32 * 1024 * 1024)
    throw new CLIError(`${file}: larger than 32 MiB; not read`, "E_INPUT_UNREADABLE");
  return readFileSync(file, "utf8");
}

const INTEL_OPTIONS = {
  db: { type: "string" },
  in: { type: "string" },
  out: { type: "string" },
  tlp: { type: "string" },
  producer: { type: "string" },
  "key-env": { type: "string" },
  "key-id": { type: "string" },
  "valid-days": integer(1, 3650, "days from 1 to 3650"),
  schemas: { type: "string" },
  port: PORT,
  host: { type: "string" },
  "key-sha256": { type: "string" },
} as const;

export async function runIntel(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    io.stdout.write(`${INTEL_USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  return defineCommand({
    usage: INTEL_USAGE,
    options: INTEL_OPTIONS,
    run: ({ values, positionals }, out) => intel(sub, values, positionals, out),
  })(rest, io);
}

async function intel(
  sub: string,
  values: OptionValues<typeof INTEL_OPTIONS>,
  positionals: readonly string[],
  io: Io,
): Promise<number> {
  const tlpRaw = stringOption(values.tlp) ?? "amber";
  if (!(TLP_LEVELS as readonly string[]).includes(tlpRaw))
    throw new CLIError(`--tlp: expected one of ${TLP_LEVELS.join(", ")}, got "${tlpRaw}"`, "E_BAD_OPTION");
  const tlp = tlpRaw as TlpLevel;
  const db = stringOption(values.db);
  const dir = stringOption(values.in);
  const makeBundle = async (): Promise<{ type: "bundle"; id: string; objects: StixObject[] }> => {
    if ((db === undefined) === (dir === undefined))
      throw new CLIError("give either --db FILE or --in DIR", "E_USAGE");
    const campaigns = await loadCampaigns(db, dir);
    return exportBundle(campaigns, {
      tlp,
      hmacKey: keyFrom(stringOption(values["key-env"])),
      hmacKeyId: stringOption(values["key-id"]) ?? "default",
      ...(stringOption(values.producer) ? { producer: stringOption(values.producer) as string } : {}),
      validDays: values["valid-days"] ?? 30,
    });
  };

  if (sub === "export") {
    const out = stringOption(values.out);
    if (!out) throw new CLIError(`export needs --out BUNDLE\n${INTEL_USAGE}`, "E_USAGE");
    const bundle = await makeBundle();
    const schemas = StixSchemas.load(stringOption(values.schemas) ?? DEFAULT_SCHEMAS);
    // what we send must pass what we demand of partners
    try {
      readBundle(JSON.stringify(bundle), { schemas });
    } catch (err) {
      if (err instanceof IntelError) throw new Error(`the export does not validate (a bug): ${err.message}`);
      throw err;
    }
    writeFileSync(out, `${JSON.stringify(bundle, null, 2)}\n`);
    const count = (t: string): number => bundle.objects.filter((o) => o.type === t).length;
    io.stderr.write(
      `intel: ${count("campaign")} campaigns, ${count("indicator")} indicators, ${count("infrastructure")} infrastructure, ${count("relationship")} relationships (TLP:${tlp.toUpperCase()}${schemas ? ", valid against the official schemas" : ""}) → ${out}\n`,
    );
    return 0;
  }
  if (sub === "import" || sub === "validate") {
    const file = positionals[0];
    if (!file) throw new CLIError(`${sub} needs a BUNDLE file\n${INTEL_USAGE}`, "E_USAGE");
    if (sub === "import" && !db)
      throw new CLIError("import needs --db FILE (the store analyze --db uses)", "E_USAGE");
    const schemas = schemasFrom(stringOption(values.schemas), io);
    let parsed: ReturnType<typeof readBundle>;
    try {
      parsed = readBundle(readText(file), { schemas });
    } catch (err) {
      if (err instanceof IntelError) {
        io.stderr.write(`intel: ${file} rejected: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const rows = partnerRows(parsed);
    const kinds: Record<string, number> = {};
    for (const r of rows) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    if (sub === "validate") {
      io.stdout.write(
        `${JSON.stringify({ bundle: parsed.id, objects: parsed.objects.length, usable_indicators: kinds, valid: true })}\n`,
      );
      return 0;
    }
    const store = await DuckDbStore.open(db as string);
    try {
      const total = await store.replacePartnerIndicators(parsed.id, rows);
      io.stderr.write(
        `intel: ${rows.length} indicators from ${file} (${
          Object.entries(kinds)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ") || "none usable"
        }) in ${db}; ${total} partner indicators in all\n`,
      );
    } finally {
      store.close();
    }
    return 0;
  }
  if (sub === "serve") {
    const given = stringOption(values["key-sha256"]);
    if (given !== undefined && !/^[0-9a-fA-F]{64}$/.test(given))
      throw new CLIError("--key-sha256: 64 hex digits (the SHA-256 of the key) expected", "E_BAD_OPTION");
    const fresh = given === undefined ? `dg-taxii-${randomBytes(16).toString("hex")}` : undefined;
    const keys = [
      given ??
        createHash("sha256")
          .update(fresh as string)
          .digest("hex"),
    ];
    let cache: { at: number; objects: StixObject[] } | undefined;
    let origin = "";
    const app = createTaxiiApp({
      keys,
      // the listening address, as the server knows it (not the client's Host field)
      origin: () => origin,
      objects: async () => {
        // the export is rebuilt at most once a minute
        if (!cache || Date.now() - cache.at > 60_000)
          cache = { at: Date.now(), objects: (await makeBundle()).objects };
        return cache.objects;
      },
    });
    await makeBundle(); // fail now, not on the first request, if the inputs or the key are wrong
    const serve = fetchListener(app.fetch);
    const server = createServer((req, res) => {
      serve(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    const port = values.port ?? 0;
    const a = await listen(server, port, stringOption(values.host) ?? "127.0.0.1");
    origin = originOf(a);
    io.stdout.write(
      `taxii_url: http://${a.address}:${a.port}/taxii2/\n${fresh ? `taxii_key: ${fresh}\n` : ""}`,
    );
    await untilStopped();
    await closeServer(server);
    return 0;
  }
  throw new CLIError(`unknown intel command "${sub}"\n${INTEL_USAGE}`, "E_USAGE");
}
