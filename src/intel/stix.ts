// STIX 2.1 building blocks: deterministic identifiers (UUIDv5, so the same campaign
// exported twice has the same ids and partners can de-duplicate), timestamps, and the
// TLP 2.0 marking definitions (FIRST TLP 2.0 as published by OASIS in
// cti-stix-common-objects: fixed ids, a property extension).
import { createHash } from "node:crypto";
import { at } from "../contract/index.js";

export type StixObject = Record<string, unknown> & { type: string; id: string };

/** distillguard's UUIDv5 namespace for STIX identifiers. */
const NAMESPACE = "6e2f4c1a-9b1d-5c8e-a2f3-7d4b9e0c1a55";

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll("-", ""), "hex");
}

/** RFC 9562 UUIDv5 of a name in a namespace. */
export function uuid5(name: string, namespace = NAMESPACE): string {
  const h = createHash("sha1").update(uuidBytes(namespace)).update(name, "utf8").digest();
  h[6] = (at(h, 6) & 0x0f) | 0x50;
  h[8] = (at(h, 8) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A STIX identifier whose UUID part is derived from `key` (the same key, the same id). */
export function stixId(type: string, key: string): string {
  return `${type}--${uuid5(`${type}|${key}`)}`;
}

/** STIX timestamps: RFC 3339 in UTC with milliseconds. */
export function stixTime(ms: number): string {
  return new Date(ms).toISOString();
}

export const TLP_LEVELS = ["clear", "green", "amber", "amber+strict", "red"] as const;
export type TlpLevel = (typeof TLP_LEVELS)[number];

export const TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

const TLP2_IDS: Record<TlpLevel, string> = {
  clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
  green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
  amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
  "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
  red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/** The TLP 2.0 marking definition of a level, as OASIS publishes it. */
export function tlpMarking(level: TlpLevel): StixObject {
  return {
    type: "marking-definition",
    spec_version: "2.1",
    id: TLP2_IDS[level],
    created: "2022-10-01T00:00:00.000Z",
    name: `TLP:${level.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION]: { extension_type: "property-extension", tlp_2_0: level } },
  };
}

/** The TLP level of a marking definition id, if it is one of TLP 2.0's. */
export function tlpOf(markingId: string): TlpLevel | undefined {
  return (Object.entries(TLP2_IDS) as [TlpLevel, string][]).find(([, id]) => id === markingId)?.[0];
}
