// Validation against the official STIX 2.1 JSON schemas (OASIS cti-stix2-json-schemas,
// draft 2020-12), with ajv. The schemas are read from a folder at run time (by default
// ../shared/stix2-json-schemas); without it, imports rely on our own structural checks
// (import.ts) and the pattern parser.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

type Ajv = InstanceType<typeof Ajv2020.default>;

const FOLDERS = ["common", "sdos", "sros", "observables"] as const;

export class StixSchemas {
  private readonly byType = new Map<string, ValidateFunction>();

  private constructor(ajv: Ajv, files: { folder: string; name: string; id: string }[]) {
    for (const f of files) {
      if (
        f.folder === "common" &&
        !["marking-definition", "extension-definition", "language-content"].includes(f.name)
      )
        continue;
      const v = ajv.getSchema(f.id);
      if (v) this.byType.set(f.name, v);
    }
  }

  /** Loads the schemas under `dir/schemas`; undefined when the folder is not there. */
  static load(dir: string): StixSchemas | undefined {
    const root = join(dir, "schemas");
    if (!existsSync(root)) return undefined;
    // the official schemas hold patterns such as \- that are not valid with the u flag
    const ajv = new Ajv2020.default({
      strict: false,
      allErrors: false,
      validateFormats: true,
      unicodeRegExp: false,
      logger: false,
    });
    addFormats.default(ajv);
    const files: { folder: string; name: string; id: string }[] = [];
    for (const folder of FOLDERS) {
      const d = join(root, folder);
      if (!existsSync(d)) continue;
      for (const file of readdirSync(d).filter((n) => n.endsWith(".json"))) {
        const schema = JSON.parse(readFileSync(join(d, file), "utf8")) as { $id: string };
        ajv.addSchema(schema);
        files.push({ folder, name: file.slice(0, -5), id: schema.$id });
      }
    }
    return new StixSchemas(ajv, files);
  }

  /** The types the schemas describe. */
  get types(): string[] {
    return [...this.byType.keys()];
  }

  /** Errors of one object against its type's schema ([] when valid; unknown types are not checked here). */
  validate(o: { type?: unknown }): string[] {
    const v = typeof o.type === "string" ? this.byType.get(o.type) : undefined;
    if (!v) return [];
    if (v(o)) return [];
    return (v.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  }
}
