import { describe, expect, it } from "vitest";
import { GroupIndex, type MemberStatus } from "./groups.js";

const NOBODY: MemberStatus = { well: false, seed: false, leaning: false, firm: false };

describe("GroupIndex", () => {
  it("groups a value once two accounts use it, and counts members' standing", () => {
    const idx = new GroupIndex((a) => (a === "b" ? { ...NOBODY, well: true, seed: true } : NOBODY));
    idx.add("ip", "1.2.3.4", "a");
    idx.add("ip", "1.2.3.4", "a");
    expect(idx.shared.size).toBe(0);
    idx.add("ip", "1.2.3.4", "b");
    idx.add("user_agent", "1.2.3.4", "c"); // same value, another kind: another group
    const g = [...idx.shared.values()];
    expect(g.map((x) => [x.kind, [...x.members].sort(), x.seeds])).toEqual([["ip", ["a", "b"], 1]]);
    expect([...(idx.memberOf.get("b") ?? [])].map((x) => x.value)).toEqual(["1.2.3.4"]);
    // a member announcing the value again is not listed twice
    idx.add("ip", "1.2.3.4", "b");
    idx.add("ip", "1.2.3.4", "a");
    const census = idx.census();
    expect(census.memberships).toBe(2);
    expect(census.byKind.ip).toEqual({ groups: 1, memberships: 2, unshared: 0 });
    expect(census.byKind.user_agent).toEqual({ groups: 0, memberships: 0, unshared: 1 });
    expect(census.shared).toBe(1);
    expect(census.unshared).toBe(1);
  });

  it("keeps memory bounded: unshared values are forgotten two generations on, shared ones never", () => {
    const idx = new GroupIndex(() => NOBODY, 4);
    idx.add("scaffold", "shared", "a");
    idx.add("scaffold", "shared", "b");
    idx.add("scaffold", "kept", "a");
    for (let i = 0; i < 3; i++) idx.add("scaffold", `once-${i}`, "x");
    // young generation full: it becomes the old one
    idx.add("scaffold", "kept", "a"); // seen again while old: carried into the young generation
    for (let i = 3; i < 7; i++) idx.add("scaffold", `once-${i}`, "x");
    // a second rotation forgets the first generation's unshared values
    expect(idx.forgotten).toBeGreaterThanOrEqual(3);
    idx.add("scaffold", "once-0", "y"); // its first user was forgotten: no link
    idx.add("scaffold", "kept", "z"); // still remembered: a link
    idx.add("scaffold", "shared", "c");
    const groups = new Map([...idx.shared.values()].map((g) => [g.value, [...g.members].sort()]));
    expect(groups.get("once-0")).toBeUndefined();
    expect(groups.get("shared")).toEqual(["a", "b", "c"]);
    expect(groups.get("kept")).toEqual(["a", "z"]);
    expect(idx.size).toBeLessThanOrEqual(2 * 4 + idx.shared.size);
  });
});

describe("GroupIndex keys", () => {
  it("keeps template hashes and other text apart, and never merges distinct non-hash values", () => {
    const idx = new GroupIndex(() => NOBODY);
    for (const v of ["89abcdef", "0:89abcdef", "1:89abcdef", "not-hex", "also not hex"]) {
      idx.add("near_scaffold", v, "a");
      idx.add("near_scaffold", v, "b");
    }
    expect([...idx.shared.values()].map((g) => g.value).sort()).toEqual(
      ["0:89abcdef", "1:89abcdef", "89abcdef", "also not hex", "not-hex"].sort(),
    );
  });
});
