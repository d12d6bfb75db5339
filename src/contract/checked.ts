// Checked index access: `at(list, i)` for an index the code knows is in range. Under
// noUncheckedIndexedAccess an index reads as `T | undefined`; a cast (`list[i] as T`) would let
// an undefined flow on silently if the reasoning were ever wrong, this fails at the spot instead.

/** `list[i]`; a RangeError if there is no such element. */
export function at<T>(list: ArrayLike<T>, i: number): T {
  const v = list[i];
  if (v === undefined) throw new RangeError(`index ${i} outside a list of ${list.length}`);
  return v;
}
