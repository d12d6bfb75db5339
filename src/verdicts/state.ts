// The detector's saved state, checked on the way back in. A saved part is the v8
// serialisation of plain data; restoring copies it into fresh instances field by field,
// and every field must have the shape the fresh instance has (a number stays a number, a
// Float64Array stays one, a nested counter is restored into its own instance), so a state
// written by another build, truncated or tampered with fails with the path of the first
// field that does not fit instead of leaving a half-filled detector behind.
import { deserialize, serialize } from "node:v8";

/** A saved state that does not fit this build's detector. */
export class StateError extends Error {
  override readonly name = "StateError";
}

const kindOf = (v: unknown): string => {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "array";
  if (v instanceof Map) return "map";
  if (v instanceof Set) return "set";
  if (ArrayBuffer.isView(v)) return (v as { constructor: { name: string } }).constructor.name;
  return typeof v;
};

const isInstance = (v: unknown): v is object =>
  v !== null &&
  typeof v === "object" &&
  !(v instanceof Map) &&
  !(v instanceof Set) &&
  !Array.isArray(v) &&
  !ArrayBuffer.isView(v) &&
  Object.getPrototypeOf(v) !== Object.prototype;

/**
 * Copies `saved` into `target` (a fresh instance of the class that was saved). Fields the
 * fresh instance leaves undefined (optional ones) take any saved value; every other field
 * must be present with the same kind of value. Nested class instances are filled in place
 * so that they keep their methods.
 */
export function restoreInto(target: object, saved: unknown, path: string): void {
  if (saved === null || typeof saved !== "object" || Array.isArray(saved))
    throw new StateError(`${path}: expected an object, found ${kindOf(saved)}`);
  const t = target as Record<string, unknown>;
  const s = saved as Record<string, unknown>;
  for (const k of Object.keys(s))
    if (!(k in t)) throw new StateError(`${path}.${k}: not a field of this build's ${path}`);
  for (const k of Object.keys(t)) {
    const cur = t[k];
    if (!(k in s)) {
      if (cur === undefined) continue;
      throw new StateError(`${path}.${k}: missing from the saved state`);
    }
    const v = s[k];
    if (cur === undefined) {
      t[k] = v;
      continue;
    }
    if (isInstance(cur)) {
      restoreInto(cur, v, `${path}.${k}`);
      continue;
    }
    const want = kindOf(cur);
    const got = kindOf(v);
    // a number field may hold ±Infinity or NaN; an optional number may be saved as undefined
    if (want !== got) throw new StateError(`${path}.${k}: expected ${want}, found ${got}`);
    t[k] = v;
  }
}

/** Encodes a part of a state (plain data and class instances' fields). */
export function encodePart(part: unknown): Buffer {
  return serialize(part);
}

/** Decodes a part, checking that it is a tagged object of one of the expected types. */
export function decodePart<T extends { readonly type: string }>(
  bytes: Uint8Array,
  types: readonly T["type"][],
): T {
  let v: unknown;
  try {
    v = deserialize(bytes);
  } catch (err) {
    throw new StateError(`unreadable state part (${err instanceof Error ? err.message : String(err)})`);
  }
  if (v === null || typeof v !== "object" || typeof (v as { type?: unknown }).type !== "string")
    throw new StateError("state part without a type");
  const type = (v as { type: string }).type;
  if (!types.includes(type)) throw new StateError(`unexpected state part of type ${type}`);
  return v as T;
}
