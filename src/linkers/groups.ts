// Accounts grouped by what they share, maintained as exchanges arrive. A value's
// group is the set of accounts that used it (capped: a value used by thousands is
// common, not evidence). Kinds are infrastructure (payment card, sign-up address,
// source IP, user agent, e-mail domain, organisation) or content (prompt scaffold,
// near-duplicate scaffold band). Each group keeps counts of its well-evidenced
// members and of those whose own evidence already crosses the flag threshold, so a
// checkpoint only touches the accounts that changed.

import { hashKey } from "../profiles/index.js";

export type GroupKind =
  | "payment_fingerprint"
  | "signup_ip"
  | "ip"
  | "residential_ip"
  | "user_agent"
  | "email_domain"
  | "org"
  | "scaffold"
  | "near_scaffold"
  | "pivot_cohort"
  | "dense_block";

export const CONTENT_KINDS: ReadonlySet<GroupKind> = new Set(["scaffold", "near_scaffold"]);

/** Free-mail domains say nothing about who is behind an account. */
const FREE_MAIL = new Set([
  "gmail.com",
  "outlook.com",
  "hotmail.com",
  "yahoo.com",
  "icloud.com",
  "proton.me",
  "protonmail.com",
  "gmx.de",
  "naver.com",
  "qq.com",
  "163.com",
  "mail.ru",
  "yandex.ru",
]);

export function isFreeMail(domain: string): boolean {
  return FREE_MAIL.has(domain.toLowerCase());
}

/** The accounts of a group, read-only: a Set satisfies it, and so does the index's MemberList. */
export interface Members extends Iterable<string> {
  readonly size: number;
  has(account: string): boolean;
}

/**
 * A group's accounts in an array: 8 bytes a member against ~30 for a Set, which matters
 * with millions of memberships (most are in template groups). Membership is checked
 * from the account's side (GroupIndex.memberOf), so the list needs no hash.
 */
export class MemberList implements Members {
  private readonly list: string[];

  constructor(accounts: readonly string[] = []) {
    this.list = [...accounts];
  }

  get size(): number {
    return this.list.length;
  }

  /** Linear in the group's size (the index asks it only when the account's own list is longer). */
  has(account: string): boolean {
    return this.list.includes(account);
  }

  /** Appends an account the caller knows is not yet a member. */
  push(account: string): void {
    this.list.push(account);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.list[Symbol.iterator]();
  }
}

export interface Group {
  readonly key: string;
  readonly kind: GroupKind;
  readonly value: string;
  readonly members: Members;
  /** members with enough traffic to judge */
  well: number;
  /** well-evidenced members whose own evidence crosses the threshold */
  seeds: number;
  /** well-evidenced members whose own evidence leans toward a campaign (within a margin of the threshold) */
  leaning: number;
  /** well-evidenced members whose own evidence is firmly toward a campaign (closer to the threshold) */
  firm: number;
  /** sum of the well-evidenced members' own-score ranks in the log's population (in the units the index's rankOf gives) */
  rankSum: number;
  /** what the value looks like, for analysts (a template's masked text) */
  example?: string;
}

/** A group as the index holds it: members it can append to. */
type IndexedGroup = Group & { readonly members: MemberList };

/** An account's standing as groups see it. */
export interface MemberStatus {
  well: boolean;
  seed: boolean;
  leaning: boolean;
  firm: boolean;
}

/** Values with at most this many accounts form groups; bigger ones are treated as common. */
export const MAX_GROUP = 5000;

/**
 * Values seen by one account so far are kept in two generations of this many each:
 * when the young one fills, the old one is forgotten. A value whose second account
 * comes after it has been forgotten starts afresh (the link is missed); a value two
 * accounts share is kept for good. This bounds memory however many distinct values
 * (prompt templates, home addresses) a log holds.
 */
export const SINGLETON_GENERATION = 1_500_000;

/** Template hashes are held as 31-bit integers (hashKey), other values as they are. */
type ValueKey = string | number;

function keyOf(kind: GroupKind, value: string): ValueKey {
  return CONTENT_KINDS.has(kind) && isHashText(value) ? hashKey(value) : value;
}

/** "89abcdef" or "1:89abcdef" (at most 8 hex digits): what the signals emit for templates. */
function isHashText(v: string): boolean {
  let i = v.length > 2 && v.charCodeAt(1) === 58 /* : */ ? 2 : 0;
  if (v.length - i < 1 || v.length - i > 8) return false;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

export interface GroupCensus {
  /** groups of two or more accounts */
  readonly shared: number;
  /** account-in-group entries (each is held twice: in the group and in the account's list) */
  readonly memberships: number;
  /** values with one account so far (young and old generations) */
  readonly unshared: number;
  readonly forgotten: number;
  readonly byKind: Partial<Record<GroupKind, { groups: number; memberships: number; unshared: number }>>;
}

export type GroupIndexPart =
  | { readonly type: "meta"; readonly youngSize: number; readonly forgotten: number }
  | { readonly type: "groups"; readonly groups: (Omit<Group, "members"> & { members: string[] })[] }
  | {
      readonly type: "singletons";
      readonly generation: "young" | "old";
      readonly kind: GroupKind;
      readonly entries: [ValueKey, string][];
    };

export class GroupIndex {
  /** groups with two or more members, by kind and value key (see keyOf) */
  private readonly groupsByKind = new Map<GroupKind, Map<ValueKey, IndexedGroup>>();
  /** values with one account so far: young and old generation, by kind */
  private young = new Map<GroupKind, Map<ValueKey, string>>();
  private youngSize = 0;
  private old = new Map<GroupKind, Map<ValueKey, string>>();
  /** values forgotten while still unshared */
  forgotten = 0;
  /** groups with two or more members */
  readonly shared = new Map<string, IndexedGroup>();
  /** the shared groups each account belongs to (an array: a group is joined once) */
  readonly memberOf = new Map<string, IndexedGroup[]>();

  constructor(
    private readonly statusOf: (account: string) => MemberStatus,
    private readonly generation = SINGLETON_GENERATION,
    /** a well-evidenced account's own-score rank in the population (as last told to restate(), in the caller's units) */
    private readonly rankOf: (account: string) => number = () => 0.5,
  ) {}

  add(kind: GroupKind, text: string, account: string, example?: string): void {
    const value = keyOf(kind, text);
    let groups = this.groupsByKind.get(kind);
    if (groups === undefined) {
      groups = new Map();
      this.groupsByKind.set(kind, groups);
    }
    const g = groups.get(value);
    if (g !== undefined) {
      // membership is read from the shorter of the account's list of groups and the group's members
      if (g.members.size < MAX_GROUP && !this.isMember(g, account)) this.join(g, account);
      return;
    }
    let young = this.young.get(kind);
    if (young === undefined) {
      young = new Map();
      this.young.set(kind, young);
    }
    let first = young.get(value);
    let fromOld = false;
    if (first === undefined) {
      first = this.old.get(kind)?.get(value);
      fromOld = first !== undefined;
    }
    if (first === undefined) {
      young.set(value, account);
      if (++this.youngSize >= this.generation) this.rotate();
      return;
    }
    if (first === account) {
      if (fromOld) {
        // still in use: carry it into the young generation
        this.old.get(kind)?.delete(value);
        young.set(value, account);
        if (++this.youngSize >= this.generation) this.rotate();
      }
      return;
    }
    if (fromOld) this.old.get(kind)?.delete(value);
    else {
      young.delete(value);
      this.youngSize--;
    }
    const key = `${kind}\u0000${text}`;
    const created: IndexedGroup = {
      key,
      kind,
      value: text,
      members: new MemberList(),
      well: 0,
      seeds: 0,
      leaning: 0,
      firm: 0,
      rankSum: 0,
    };
    if (example !== undefined) created.example = example;
    groups.set(value, created);
    this.shared.set(key, created);
    this.join(created, first);
    this.join(created, account);
  }

  /** Whether an account is in a group: read from whichever of its two lists is shorter. */
  private isMember(g: IndexedGroup, account: string): boolean {
    const mine = this.memberOf.get(account);
    if (mine === undefined) return false;
    return mine.length <= g.members.size ? mine.includes(g) : g.members.has(account);
  }

  private rotate(): void {
    for (const m of this.old.values()) this.forgotten += m.size;
    this.old = this.young;
    this.young = new Map();
    this.youngSize = 0;
  }

  private join(g: IndexedGroup, account: string): void {
    g.members.push(account);
    const st = this.statusOf(account);
    if (st.well) g.well++;
    if (st.seed) g.seeds++;
    if (st.leaning) g.leaning++;
    if (st.firm) g.firm++;
    if (st.well) g.rankSum += this.rankOf(account);
    const list = this.memberOf.get(account);
    if (list) list.push(g);
    else this.memberOf.set(account, [g]);
  }

  /**
   * Call when an account's standing or rank changes, with its old and new standing and
   * rank (a rank counts only while the account is well-evidenced).
   */
  restate(
    account: string,
    before: MemberStatus,
    after: MemberStatus,
    rankBefore = 0.5,
    rankAfter = 0.5,
  ): void {
    const rankDelta = (after.well ? rankAfter : 0) - (before.well ? rankBefore : 0);
    if (
      before.well === after.well &&
      before.seed === after.seed &&
      before.leaning === after.leaning &&
      before.firm === after.firm &&
      rankDelta === 0
    )
      return;
    for (const g of this.memberOf.get(account) ?? []) {
      g.well += Number(after.well) - Number(before.well);
      g.seeds += Number(after.seed) - Number(before.seed);
      g.leaning += Number(after.leaning) - Number(before.leaning);
      g.firm += Number(after.firm) - Number(before.firm);
      g.rankSum += rankDelta;
    }
  }

  /** The index as plain parts (for a saved state), in chunks of at most `chunk` entries. */
  *exportParts(chunk = 100_000): Generator<GroupIndexPart> {
    yield { type: "meta", youngSize: this.youngSize, forgotten: this.forgotten };
    let groups: GroupIndexPart & { type: "groups" } = { type: "groups", groups: [] };
    for (const g of this.shared.values()) {
      groups.groups.push({ ...g, members: [...g.members] });
      if (groups.groups.length >= chunk) {
        yield groups;
        groups = { type: "groups", groups: [] };
      }
    }
    if (groups.groups.length > 0) yield groups;
    for (const [generation, maps] of [
      ["young", this.young],
      ["old", this.old],
    ] as const)
      for (const [kind, m] of maps) {
        let entries: [ValueKey, string][] = [];
        for (const e of m) {
          entries.push(e);
          if (entries.length >= chunk) {
            yield { type: "singletons", generation, kind, entries };
            entries = [];
          }
        }
        if (entries.length > 0) yield { type: "singletons", generation, kind, entries };
      }
  }

  /** Adds a part saved by exportParts (into an empty index). */
  importPart(part: GroupIndexPart): void {
    if (part.type === "meta") {
      this.youngSize = part.youngSize;
      this.forgotten = part.forgotten;
    } else if (part.type === "groups") {
      for (const saved of part.groups) {
        const g: IndexedGroup = { ...saved, members: new MemberList(saved.members) };
        let groups = this.groupsByKind.get(g.kind);
        if (groups === undefined) {
          groups = new Map();
          this.groupsByKind.set(g.kind, groups);
        }
        groups.set(keyOf(g.kind, g.value), g);
        this.shared.set(g.key, g);
        for (const a of g.members) {
          const list = this.memberOf.get(a);
          if (list) list.push(g);
          else this.memberOf.set(a, [g]);
        }
      }
    } else {
      const maps = part.generation === "young" ? this.young : this.old;
      let m = maps.get(part.kind);
      if (m === undefined) {
        m = new Map();
        maps.set(part.kind, m);
      }
      for (const [v, a] of part.entries) m.set(v, a);
    }
  }

  /** The accounts that used a value so far (a shared group's members, or its one user), if any. */
  accountsWith(kind: GroupKind, text: string): readonly string[] {
    const value = keyOf(kind, text);
    const g = this.groupsByKind.get(kind)?.get(value);
    if (g) return [...g.members];
    const one = this.young.get(kind)?.get(value) ?? this.old.get(kind)?.get(value);
    return one === undefined ? [] : [one];
  }

  /** What the index holds, by kind: for memory work (scripts/census.ts) and tests. */
  census(): GroupCensus {
    const byKind: GroupCensus["byKind"] = {};
    const entry = (kind: GroupKind): { groups: number; memberships: number; unshared: number } =>
      (byKind[kind] ??= { groups: 0, memberships: 0, unshared: 0 });
    let memberships = 0;
    for (const [kind, groups] of this.groupsByKind)
      for (const g of groups.values()) {
        const e = entry(kind);
        e.groups++;
        e.memberships += g.members.size;
        memberships += g.members.size;
      }
    for (const maps of [this.young, this.old]) for (const [kind, m] of maps) entry(kind).unshared += m.size;
    return {
      shared: this.shared.size,
      memberships,
      unshared: this.size - this.shared.size,
      forgotten: this.forgotten,
      byKind,
    };
  }

  /** Distinct values held: shared groups and values with one account so far. */
  get size(): number {
    let n = this.shared.size + this.youngSize;
    for (const m of this.old.values()) n += m.size;
    return n;
  }
}

/**
 * How strongly a group points at a campaign, in [0, 1]. The group must be homogeneous:
 * at least 90% of its well-evidenced members lean toward a campaign (full strength at
 * 98%), so that a group mixing a campaign with the honest customers of the same
 * reseller, campus or cloud stays below the bar. And it must carry weight: either one
 * member stands on its own evidence and five lean, or ten are firmly suspicious on
 * their own (pooled evidence: many accounts each showing part of the picture).
 */
export function groupStrength(g: Group): number {
  const weighty = (g.seeds >= 1 && g.leaning >= 5) || g.firm >= 10;
  if (!weighty || g.well === 0) return 0;
  const share = g.leaning / g.well;
  return Math.max(0, Math.min(1, (share - 0.9) / 0.08));
}

/**
 * How much a shared value says about common control, by kind and by how many use it:
 * a card or an address used by a few accounts says more than one used by hundreds.
 */
export function specificity(g: Group): number {
  const n = g.members.size;
  return n <= 50 ? 1 : Math.max(0.2, 1 - Math.log10(n / 50));
}

/** Other well-evidenced members a group needs before it is judged as a group. */
export const JUDGED_GROUP = 3;

/**
 * How far a group stands out from the log's population, seen from one member, in [0, 1]:
 * the other well-evidenced members' mean own-score rank against what a random set of that
 * many accounts would show (mean 0.5, standard error 1/sqrt(12 n)). The effect (how far
 * above the median they stand together) counts once the evidence is clear (z from 2 to 5),
 * scaled by the value's specificity. A group of accounts each only somewhat unusual, but
 * all of them so, stands out; a campus, an office or a reseller's honest customers rank
 * like everyone else on average and do not. `own` is the member's own rank if it is
 * well-evidenced (it is left out: a group does not vouch for itself). Ranks are in units
 * of `scale` (1: ranks in [0, 1]).
 */
export function groupStandOut(g: Group, own: number | undefined, scale = 1): number {
  const { others, mean } = othersMeanRank(g, own, scale);
  if (others < JUDGED_GROUP) return 0;
  const effect = 2 * mean - 1;
  if (effect <= 0) return 0;
  const z = (mean - 0.5) * Math.sqrt(12 * others);
  return specificity(g) * effect * Math.max(0, Math.min(1, (z - 2) / 3));
}

/** The group's other well-evidenced members, seen from one member (`own`: its rank if well-evidenced), and their mean rank in [0, 1]. */
export function othersMeanRank(
  g: Group,
  own: number | undefined,
  scale = 1,
): { readonly others: number; readonly mean: number } {
  const others = g.well - (own === undefined ? 0 : 1);
  return { others, mean: others > 0 ? (g.rankSum - (own ?? 0)) / others / scale : 0.5 };
}
