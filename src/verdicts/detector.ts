// The streaming decision: exchanges update profiles and the shared-value groups;
// at each checkpoint (every 15 minutes of log time, CHECKPOINT_MS in driver.ts) the accounts that changed are judged on
// their own evidence plus what they share with accounts already standing on theirs.
// first_flagged_at is the time of the last exchange an account had sent when the
// checkpoint first flagged it.
import type { AccountRecord, ExchangeFacts, Reason } from "../contract/index.js";
import { at } from "../contract/index.js";
import {
  CONTENT_KINDS,
  ContentSurge,
  FleetTiming,
  type Group,
  type GroupCensus,
  GroupIndex,
  type GroupIndexPart,
  type GroupKind,
  groupStandOut,
  groupStrength,
  HandoffWatch,
  isFreeMail,
  type MemberStatus,
  OrgSpread,
  othersMeanRank,
  specificity,
} from "../linkers/index.js";
import {
  AccountProfile,
  type Announce,
  type AnnouncedKind,
  contentCluster,
  fleetKeyAt,
  hashKey,
  Releases,
  surgeKey,
} from "../profiles/index.js";
import type { ExchangeSignals } from "../signals/index.js";
import {
  ASKING_FEATURES,
  FEATURE_NAMES,
  type FeatureContext,
  featureValues,
  harvestShare,
  oneShotHarvestShare,
  placeInPopulation,
  TRACKED_FEATURES,
} from "./features.js";
import { type AccountModel, shippedAccountModel } from "./model.js";
import { PartnerHits, type PartnerIntel } from "./partner.js";
import { Population } from "./population.js";
import { DEFAULT_UNSUPPORTED_REGIONS, reasonScore, scoreProfile, valuesScore } from "./score.js";
import { restoreInto, StateError } from "./state.js";

export interface DetectorOptions {
  /** score (log-odds units) at or over which an account is flagged */
  readonly threshold?: number;
  readonly unsupportedRegions?: readonly string[];
  /** weight of a fully matching campaign scaffold */
  readonly contentBoost?: number;
  /** weight of shared campaign infrastructure */
  readonly infraBoost?: number;
  /** turn off groups of these kinds (ablation) */
  readonly disabledKinds?: ReadonlySet<string>;
  /** turn off own-evidence signals by name prefix (ablation) */
  readonly disabledSignals?: ReadonlySet<string>;
  /** the account model weighing own evidence (default: the shipped one, models/account-model.json) */
  readonly model?: AccountModel;
  /** partners' indicators (src/intel), used as evidence (reason partner_indicator) */
  readonly partner?: PartnerIntel;
  /**
   * When given, shared values go to this sink instead of the detector's own group index:
   * a scale-out worker sees only its partition's accounts, and the linkage job joins the
   * values across partitions (src/scaleout). Boosts then stay at zero until that join.
   */
  readonly linkSink?: LinkSink;
  /**
   * evidence in what an account asks for that a flag needs (default ASKED_MIN; 0 turns the
   * rule off, for a model that reads no request content)
   */
  readonly askedMin?: number;
}

/** One account's part of a detector's state (Detector.accountState). */
export interface AccountState {
  readonly profile: AccountProfile;
  readonly decision: Omit<Decision, "profile"> | undefined;
  readonly pivoted: boolean;
}

/** Receives each (kind, value, account) link the detector would add to its group index. */
export type LinkSink = (kind: GroupKind, value: string, account: string, example: string | undefined) => void;

export interface Decision {
  readonly profile: AccountProfile;
  score: number;
  risk: number;
  flagged: boolean;
  firstFlaggedAt: number | undefined;
  reasons: Reason[];
}

/** A decision as the stages after judging read it. */
export interface DecisionView {
  readonly profile: AccountProfile;
  readonly score: number;
  readonly risk: number;
  readonly flagged: boolean;
  readonly firstFlaggedAt: number | undefined;
  readonly reasons: readonly Reason[];
}

/**
 * The detector's results as campaign assembly and the outputs read them: decisions, profiles,
 * the shared values and the rate-limit hand-offs. Read-only: what is built from them (campaigns)
 * is returned by the builder, never written back.
 */
export interface DetectorResults {
  readonly decisions: ReadonlyMap<string, DecisionView>;
  readonly profiles: ReadonlyMap<string, AccountProfile>;
  readonly groups: {
    readonly shared: ReadonlyMap<string, Group>;
    readonly memberOf: ReadonlyMap<string, readonly Group[]>;
  };
  readonly handoffs: { readonly pairs: readonly { readonly a: string; readonly b: string }[] };
}

/** Exchanges an account needs before its own evidence counts toward a group. */
export const WELL_EVIDENCED = 10;
export const DEFAULT_THRESHOLD = 2.5;

/** Risk in [0, 1]: 0.5 at the default threshold. */
export function riskOf(score: number): number {
  return 1 / (1 + Math.exp(-(score - DEFAULT_THRESHOLD)));
}

/** The score threshold at which risk equals `risk`. */
export function scoreForRisk(risk: number): number {
  return DEFAULT_THRESHOLD + Math.log(risk / (1 - risk));
}

const SHARED_EXIT: ReadonlySet<string> = new Set(["residential", "mobile", "proxy", "vpn", "tor"]);
/** The 16 possible standings, shared: an account holds one of these, not an object of its own. */
const STANDINGS: readonly MemberStatus[] = Array.from({ length: 16 }, (_, i) =>
  Object.freeze({ well: (i & 1) !== 0, seed: (i & 2) !== 0, leaning: (i & 4) !== 0, firm: (i & 8) !== 0 }),
);
function standing(well: boolean, seed: boolean, leaning: boolean, firm: boolean): MemberStatus {
  return STANDINGS[
    Number(well) | (Number(seed) << 1) | (Number(leaning) << 2) | (Number(firm) << 3)
  ] as MemberStatus;
}
const NOBODY = standing(false, false, false, false);
const NO_BOOST: { weight: number; reasons: Reason[] } = { weight: 0, reasons: [] };
const NO_REASONS = Object.freeze([]) as unknown as Reason[];

/** Harvest-style share of an account's prompts at which the infrastructure boost starts, and where it is whole. */
const INFRA_CONTENT_FROM = 0.05;
const INFRA_CONTENT_FULL = 0.15;

/**
 * How far the account's own content is harvest-style, in [0, 1], for the infrastructure
 * boost: its harvest-style share of distinct prompts or of one-shot requests, whichever is
 * higher, ramped from INFRA_CONTENT_FROM to INFRA_CONTENT_FULL.
 */
function infraContent(p: AccountProfile): number {
  const share = Math.max(harvestShare(p), p.oneShotOpenings >= 10 ? oneShotHarvestShare(p) : 0);
  return Math.max(0, Math.min(1, (share - INFRA_CONTENT_FROM) / (INFRA_CONTENT_FULL - INFRA_CONTENT_FROM)));
}
/**
 * Evidence in what an account asks for (model weight × value of the ASKING_FEATURES, and the
 * boost for templates shared with flagged accounts) that a flag needs: an account whose score
 * crosses the cut on its account, network, rhythm and links alone is held below it. At
 * 16b09c2 every flagged campaign account of the headline and ladder worlds (L0-L6) carried
 * 1.0 or more.
 */
export const ASKED_MIN = 0.5;

/** The part of reasons' weight that reads what the account asks for. */
function askingWeight(reasons: readonly Reason[]): number {
  let t = 0;
  for (const r of reasons) if (ASKING_SIGNALS.has(r.signal) && r.weight > 0) t += r.weight;
  return t;
}
const ASKING_SIGNALS: ReadonlySet<string> = new Set([...ASKING_FEATURES, "campaign_scaffold"]);

/** Own evidence within this margin below the threshold counts as leaning toward a campaign (unless the model sets its own). */
export const LEANING_MARGIN = 2;
/** Own evidence within this margin below the threshold counts as firmly suspicious (unless the model sets its own). */
export const FIRM_MARGIN = 1.25;

/** The detector's state in parts, for a store to save and a later run to continue from. */
export type DetectorPart =
  | {
      readonly type: "detector";
      readonly version: number;
      readonly releases: unknown;
      readonly handoffs: unknown;
      readonly pivoted: string[];
      /** the population's values as last re-read, and the checkpoints counted (population.ts) */
      readonly population: unknown;
      readonly checkpoints: number;
    }
  | {
      readonly type: "profiles";
      readonly rows: {
        readonly profile: unknown;
        readonly status: MemberStatus | undefined;
        readonly decision: Omit<Decision, "profile"> | undefined;
        /** own-score rank as the account's groups hold it */
        readonly rank?: number | undefined;
      }[];
    }
  | { readonly type: "groups"; readonly part: GroupIndexPart };

// 2: a profile's counters are one Tally (source addresses, countries and user agents by textKey())
// 3: profiles count harvest-style prompts (the learned classifier) and follow-ups' prompts
// 4: accounts carry their own-score rank in the population (groups sum them)
// 7: the releases keep the log's clock (start, now); profiles count answer stems and fleet keys
// 8: profiles count task openings by day and content cluster (surge tally)
const STATE_VERSION = 8;

/** What accounts can have in common that says who is behind them (content_surge reads it). */
const ACCOUNT_KINDS: ReadonlySet<GroupKind> = new Set([
  "org",
  "email_domain",
  "signup_ip",
  "payment_fingerprint",
]);
/** Accounts (the account with them) that make a shared value something in common. */
const SHARED_WITH = 3;

/** Checkpoints between re-readings of the population sample (the final judgement always re-reads it). */
const POPULATION_EVERY = 8;
/** A rank change smaller than this is not passed on to the account's groups. */
const RANK_STEP = 0.02;
/** Ranks as groups sum them: integers (parts of RANK_SCALE), so that sums do not depend on the order of updates. */
export const RANK_SCALE = 10_000;

/** A saved decision must carry the fields a verdict is made of. */
function checkDecision(d: unknown): void {
  const o = d as Record<string, unknown> | null;
  if (
    o === null ||
    typeof o !== "object" ||
    typeof o.score !== "number" ||
    typeof o.risk !== "number" ||
    typeof o.flagged !== "boolean" ||
    !Array.isArray(o.reasons) ||
    !(o.firstFlaggedAt === undefined || typeof o.firstFlaggedAt === "number")
  )
    throw new StateError("decision: not a saved decision");
}

export class Detector {
  readonly profiles = new Map<string, AccountProfile>();
  readonly decisions = new Map<string, Decision>();
  readonly releases = new Releases();
  readonly groups: GroupIndex;
  readonly handoffs = new HandoffWatch();
  /** content clusters' uptake of new models in a release's first hours, summed from the profiles */
  readonly fleet = new FleetTiming();
  private readonly fleetPivoted = (key: number): boolean => this.fleet.pivoted(key);
  /** task openings by day and content cluster, judged against the days before (linkers/surge.ts) */
  readonly surge = new ContentSurge();
  private readonly surgeExcess = (key: number): number => this.surge.excess(key);
  /** where each organisation's traffic comes from against its accounts' declared countries */
  readonly orgSpread = new OrgSpread();
  private readonly orgAway = (p: AccountProfile): number | undefined =>
    p.org === undefined ? undefined : this.orgSpread.othersAway(p.org, p.n, p.away);
  private readonly sharesAccount = (p: AccountProfile): boolean => {
    for (const g of this.groups.memberOf.get(p.id) ?? [])
      if (ACCOUNT_KINDS.has(g.kind) && g.members.size >= SHARED_WITH) return true;
    return false;
  };
  private readonly pivoted = new Set<string>();
  /** the shared values the profile announced for the exchange being observed: kind, value, ... */
  private readonly announced: string[] = [];
  private readonly onAnnounce: Announce = (kind, value) => {
    this.announced.push(kind, value);
  };
  /**
   * accounts that asked each known item (signals/itemsets.ts), by the item's index, derived
   * from the profiles' item tallies (an array: read per item per judgement)
   */
  private itemAskers = new Uint32Array(1024);
  private readonly askers = (item: number): number => this.itemAskers[item] || 1;
  private readonly status = new Map<string, MemberStatus>();
  /** well-evidenced accounts' own-score ranks in the population, as their groups hold them */
  private readonly ranks = new Map<string, number>();
  /** the log's own population (a sample of its well-evidenced accounts; the fitted worlds' as its prior) */
  readonly population: Population;
  private checkpoints = 0;
  private populationDue = true;
  private readonly linkedWeight: number;
  private readonly dirty = new Set<string>();
  /** score at or over which an account is flagged */
  readonly threshold: number;
  /** evidence in its own requests an account needs to be flagged (ASKED_MIN) */
  private readonly askedMin: number;
  private readonly unsupported: ReadonlySet<string>;
  private readonly contentBoost: number;
  private readonly infraBoost: number;
  private readonly disabledKinds: ReadonlySet<string>;
  private readonly disabledSignals: ReadonlySet<string>;
  private readonly partner: PartnerHits | undefined;
  private readonly linkSink: LinkSink | undefined;
  private readonly model: AccountModel;
  /** own score within this of the threshold: leaning toward a campaign, firmly suspicious (from the model) */
  private readonly leaningMargin: number;
  private readonly firmMargin: number;
  private readonly reviews = new Map<
    string,
    { decision: "confirm" | "dismiss"; evidence: Set<string>; analyst: string; comment: string }
  >();

  constructor(
    private readonly accounts: ReadonlyMap<string, AccountRecord>,
    opts: DetectorOptions = {},
  ) {
    this.threshold = opts.threshold ?? DEFAULT_THRESHOLD;
    this.askedMin = opts.askedMin ?? ASKED_MIN;
    this.unsupported = new Set(opts.unsupportedRegions ?? DEFAULT_UNSUPPORTED_REGIONS);
    this.contentBoost = opts.contentBoost ?? 2;
    this.infraBoost = opts.infraBoost ?? 1.5;
    this.disabledKinds = opts.disabledKinds ?? new Set();
    this.disabledSignals = opts.disabledSignals ?? new Set();
    this.partner = opts.partner ? new PartnerHits(opts.partner) : undefined;
    this.linkSink = opts.linkSink;
    this.model = opts.model ?? shippedAccountModel();
    this.leaningMargin = this.model.margins?.leaning ?? LEANING_MARGIN;
    this.firmMargin = this.model.margins?.firm ?? FIRM_MARGIN;
    this.population = new Population(this.model.population, FEATURE_NAMES);
    this.linkedWeight = this.disabledSignals.has("linked_group") ? 0 : (this.model.weights.linked_group ?? 0);
    this.groups = new GroupIndex(
      (a) => this.status.get(a) ?? NOBODY,
      undefined,
      (a) => this.ranks.get(a) ?? RANK_SCALE / 2,
    );
  }

  /** The state after finish(), in parts of at most `chunk` accounts or values. */
  *exportState(chunk = 2000): Generator<DetectorPart> {
    yield {
      type: "detector",
      version: STATE_VERSION,
      releases: this.releases,
      handoffs: this.handoffs,
      pivoted: [...this.pivoted],
      population: this.population.save(),
      checkpoints: this.checkpoints,
    };
    let rows: (DetectorPart & { type: "profiles" })["rows"] = [];
    for (const [id, profile] of this.profiles) {
      rows.push({
        profile,
        status: this.status.get(id),
        decision: this.savedDecision(id),
        rank: this.ranks.get(id),
      });
      if (rows.length >= chunk) {
        yield { type: "profiles", rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { type: "profiles", rows };
    for (const part of this.groups.exportParts(chunk * 50)) yield { type: "groups", part };
  }

  /**
   * Takes in one part of a saved state (into a new detector, parts in the order saved).
   * Sign-up metadata given to this detector replaces what the state held for those accounts.
   */
  importPart(part: DetectorPart): void {
    if (part.type === "detector") {
      if (part.version !== STATE_VERSION)
        throw new Error(
          `saved detector state has version ${part.version}; this build reads ${STATE_VERSION}`,
        );
      restoreInto(this.releases, part.releases, "releases");
      restoreInto(this.handoffs, part.handoffs, "handoffs");
      if (!Array.isArray(part.pivoted)) throw new StateError("pivoted: expected an array");
      for (const id of part.pivoted) this.pivoted.add(String(id));
      this.population.restore(part.population);
      if (!Number.isInteger(part.checkpoints)) throw new StateError("checkpoints: expected an integer");
      this.checkpoints = part.checkpoints;

      // the sample's members are offered again as their profiles come in
      this.populationDue = false;
    } else if (part.type === "profiles") {
      if (!Array.isArray(part.rows)) throw new StateError("profiles: expected an array of rows");
      for (const row of part.rows) {
        const id = (row.profile as { id?: unknown } | null)?.id;
        if (typeof id !== "string") throw new StateError("profile: no account id");
        const p = new AccountProfile(id, undefined);
        restoreInto(p, row.profile, "profile");
        if (row.decision !== undefined) checkDecision(row.decision);
        p.account = this.accounts.get(id) ?? p.account;
        // who asked which known item is read back from the profiles (a scale-out linkage
        // job joins every partition's accounts this way)
        if (!this.profiles.has(id)) {
          // the log's clock covers every account read back (a linkage job joins partitions
          // whose own clocks each saw part of the log)
          if (p.n > 0) {
            this.releases.tick(p.firstTs);
            this.releases.tick(p.lastTs);
          }
          for (const [item] of p.items.entries()) this.countAsker(item);
          for (const [key, n] of p.fleet.entries()) this.fleet.add(key, n);
          for (const [key, n] of p.surge.entries()) this.surge.add(key, n, true);
          if (p.org !== undefined && p.account?.signup_country !== undefined && p.n > 0)
            this.orgSpread.add(p.org, 1, p.n, p.away);
        }
        this.profiles.set(id, p);
        if (row.status) {
          const st = row.status;
          this.status.set(id, standing(st.well, st.seed, st.leaning, st.firm));
        }
        if (row.decision) {
          // states saved before campaigns were kept apart also hold a campaignId: not read
          const { score, risk, flagged, firstFlaggedAt, reasons } = row.decision;
          this.decisions.set(id, { profile: p, score, risk, flagged, firstFlaggedAt, reasons });
        }
        if (row.rank !== undefined) {
          if (!Number.isInteger(row.rank) || !(row.rank >= 0 && row.rank <= RANK_SCALE))
            throw new StateError(`rank: expected an integer in [0, ${RANK_SCALE}]`);
          this.ranks.set(id, row.rank);
        }
        this.population.consider(p, p.n >= WELL_EVIDENCED);
      }
    } else this.groups.importPart(part.part);
  }

  /** One account's state, for a store that keeps accounts one row each (scale-out workers). */
  accountState(id: string): AccountState | undefined {
    const profile = this.profiles.get(id);
    if (!profile) return undefined;
    return { profile, decision: this.savedDecision(id), pivoted: this.pivoted.has(id) };
  }

  /** An account's decision without its profile, as saved states hold it. */
  private savedDecision(id: string): Omit<Decision, "profile"> | undefined {
    const d = this.decisions.get(id);
    return d === undefined
      ? undefined
      : {
          score: d.score,
          risk: d.risk,
          flagged: d.flagged,
          firstFlaggedAt: d.firstFlaggedAt,
          reasons: d.reasons,
        };
  }

  /**
   * Takes in an account saved by accountState() (deserialised). Its group standing is not
   * restored: the account counts as standing nowhere until the next checkpoint judges it.
   */
  importAccountState(row: {
    readonly profile: unknown;
    readonly decision: unknown;
    readonly pivoted: boolean;
  }): void {
    this.importPart({
      type: "profiles",
      rows: [
        {
          profile: row.profile,
          status: undefined,
          decision: row.decision as Omit<Decision, "profile"> | undefined,
        },
      ],
    });
    const id = (row.profile as { id: string }).id;
    if (row.pivoted) this.pivoted.add(id);
    // accounts saved one by one carry no population: it is re-read at the next checkpoint
    this.populationDue = true;
  }

  /** What the detector holds: for memory work (scripts/census.ts) and tests. */
  census(): {
    profiles: number;
    decisions: number;
    tallyBytes: number;
    handoffPairs: number;
    groups: GroupCensus;
  } {
    let tallyBytes = 0;
    for (const p of this.profiles.values()) tallyBytes += p.tally.bytes;
    return {
      profiles: this.profiles.size,
      decisions: this.decisions.size,
      tallyBytes,
      handoffPairs: this.handoffs.pairs.length,
      groups: this.groups.census(),
    };
  }

  observe(view: ExchangeFacts, s: ExchangeSignals): void {
    let p = this.profiles.get(view.accountId);
    // the profile's copy of the id from here on: each exchange brings its own copy of the
    // string, and group member lists, handoffs and sets would otherwise keep one per use
    const id = p?.id ?? view.accountId;
    if (!p) {
      const rec = this.accounts.get(id);
      p = new AccountProfile(id, rec);
      this.profiles.set(id, p);
      if (rec?.payment_fingerprint) this.link("payment_fingerprint", rec.payment_fingerprint, id);
      if (rec?.signup_ip) this.link("signup_ip", rec.signup_ip, id);
      if (rec?.email_domain && !isFreeMail(rec.email_domain))
        this.link("email_domain", rec.email_domain.toLowerCase(), id);
      const org = view.orgId ?? rec?.org_id;
      if (org) {
        p.org = org;
        this.link("org", org, id);
      }
      this.partner?.account(id, rec?.payment_fingerprint, rec?.email_domain?.toLowerCase());
    }
    this.partner?.exchange(
      id,
      view.ts,
      view.client.ip,
      SHARED_EXIT.has(view.client.ip_type ?? "unknown"),
      view.client.user_agent,
    );
    this.releases.tick(view.ts);
    if (view.model !== undefined) this.releases.observe(view.model, view.ts);
    const openings = p.distinctOpenings;
    // the organisation's spread counts accounts with a declared country (see OrgSpread)
    const org = p.account?.signup_country === undefined ? undefined : p.org;
    const n0 = p.n;
    const away0 = org === undefined ? 0 : p.away;
    // the shared values the profile announces are linked below, after this exchange's own
    // cohort (their order decides the order in which groups are first seen)
    const announced = this.announced;
    announced.length = 0;
    p.update(view, s, this.releases, this.onAnnounce);
    if (org !== undefined) this.orgSpread.add(org, n0 === 0 ? 1 : 0, p.n - n0, p.away - away0);
    // content surges: a distinct task opening counts in its day's content cluster
    if (p.distinctOpenings > openings) {
      const key = surgeKey(view.ts, contentCluster(s));
      const before = p.surge.add(key);
      if (before >= 0) this.surge.add(key, 1, before === 0);
    }
    // fleet timing: the account's exchanges in a release's first hours by content cluster,
    // and the log's sums of them
    const fk = fleetKeyAt(this.releases, view, s);
    if (fk !== undefined) {
      p.fleet.add(fk);
      this.fleet.add(fk);
    }
    // the first time this account asks a known item, one more account has asked it
    if (s.item >= 0 && p.items.get(s.item) === 1) this.countAsker(s.item);
    const from = this.handoffs.observe(id, s.promptHash, view.ts, view.status);
    if (from !== undefined) {
      p.handoffs++;
      const other = this.profiles.get(from);
      if (other) {
        other.handoffs++;
        this.dirty.add(from);
      }
    }
    // accounts that take up a new model in the same hours form a cohort
    const w = view.model === undefined ? undefined : this.releases.windowAt(view.ts);
    if (w && view.model === w.model && !this.pivoted.has(id) && p.beforeRelease >= 3) {
      this.pivoted.add(id);
      this.link("pivot_cohort", `${w.model}@${Math.floor((view.ts - w.ts) / (6 * 3_600_000)) * 6}h`, id);
    }
    // each value is announced on its 1st, 2nd, 4th... use by this account (see update())
    for (let i = 0; i < announced.length; i += 2) {
      const kind = announced[i] as AnnouncedKind;
      const value = at(announced, i + 1);
      if (kind === "ip")
        // residential, mobile and proxy exits are shared by strangers far more often than hosts are
        this.link(SHARED_EXIT.has(view.client.ip_type ?? "unknown") ? "residential_ip" : "ip", value, id);
      // an account with many agent strings is a relay: its agents say nothing about control
      else if (kind === "user_agent") {
        if (p.userAgents.size <= 8) this.link("user_agent", value, id);
      } else this.link(kind, value, id, s.scaffoldText);
    }
    this.dirty.add(id);
  }

  private countAsker(item: number): void {
    // an item index is far smaller; a larger number is a damaged state, not an item
    if (!(item >= 0 && item < 1 << 24)) return;
    if (item >= this.itemAskers.length) {
      const grown = new Uint32Array(Math.max(2 * this.itemAskers.length, item + 1));
      grown.set(this.itemAskers);
      this.itemAskers = grown;
    }
    this.itemAskers[item] = (this.itemAskers[item] ?? 0) + 1;
  }

  private link(
    kind: Parameters<GroupIndex["add"]>[0],
    value: string,
    account: string,
    example?: string,
  ): void {
    if (this.disabledKinds.has(kind)) return;
    if (this.linkSink) this.linkSink(kind, value, account, example);
    else this.groups.add(kind, value, account, example);
  }

  /**
   * Judges the accounts that changed since the last checkpoint; returns how many are newly
   * flagged. An account whose own evidence is too weak for any boost to flag it skips the
   * boosts here (most of a checkpoint's cost), and an account already flagged keeps its
   * decision until the final judgement, which computes everything for every account.
   * `judged` receives the ids whose decision was set.
   */
  checkpoint(final = false, judged?: string[]): number {
    let newly = 0;
    const ids = [...this.dirty];
    this.dirty.clear();
    // the population first (every few hours of log time, and for the final judgement), so
    // that features relative to it and the ranks below read the log as it stands
    for (const id of ids) {
      const p = this.profiles.get(id);
      if (p) this.population.consider(p, p.n >= WELL_EVIDENCED);
    }
    this.checkpoints++;
    if (final || this.populationDue || this.checkpoints % POPULATION_EVERY === 0) this.refreshPopulation();
    // own evidence next, so that group standings and ranks reflect this hour before boosts are read
    const own = new Map<string, { score: number; reasons: Reason[] }>();
    const context = this.ownContext();
    for (const id of ids) {
      const p = this.profiles.get(id);
      if (!p) continue;
      // the reasons' details are written at the final judgement, or below for a new flag
      const reasons = final ? this.ownReasons(p, true) : NO_REASONS;
      const score = final ? reasonScore(reasons) : this.ownScore(p, context);
      own.set(id, { score, reasons });
      const before = this.status.get(id) ?? NOBODY;
      const well = p.n >= WELL_EVIDENCED;
      const after = standing(
        well,
        well && score >= this.threshold,
        well && score >= this.threshold - this.leaningMargin,
        well && score >= this.threshold - this.firmMargin,
      );
      this.status.set(id, after);
      const rankBefore = this.ranks.get(id) ?? RANK_SCALE / 2;
      let rankAfter = rankBefore;
      if (well) {
        const r = Math.round(this.population.scoreRank(score) * RANK_SCALE);
        if (final || !before.well || Math.abs(r - rankBefore) >= RANK_STEP * RANK_SCALE) rankAfter = r;
        this.ranks.set(id, rankAfter);
      }
      this.groups.restate(id, before, after, rankBefore, rankAfter);
    }
    for (const [id, o] of own) {
      const p = this.profiles.get(id);
      if (!p) continue;
      const prev = this.decisions.get(id);
      // once flagged, its first_flagged_at is settled: only the final judgement revisits it
      if (!final && prev?.firstFlaggedAt !== undefined && !this.reviews.has(id)) continue;
      judged?.push(id);
      const hopeless =
        !final && o.score + this.contentBoost + this.infraBoost + this.linkedWeight < this.threshold;
      const boosts = hopeless
        ? NO_BOOST
        : this.boosts(p, final || o.score >= this.threshold - this.linkedWeight);
      // partners' indicators corroborate, they do not convict: they count for an account
      // whose own evidence already leans toward a flag, and never toward a group's standing
      const partner =
        this.partner && o.score >= this.threshold - this.firmMargin ? this.partner.reason(p.id) : undefined;
      let score = o.score + boosts.weight + (partner?.weight ?? 0);
      let flagged = score >= this.threshold;
      // what an account asks for convicts it; its metadata, network and rhythm corroborate:
      // an account over the cut with too little evidence in its own requests is held below it
      // the account's own reasons, read at most once here (the final judgement has them already)
      let ownNow: Reason[] | undefined = final ? o.reasons : undefined;
      const ownReasons = (): Reason[] => {
        ownNow ??= this.ownReasons(p, true);
        return ownNow;
      };
      let unasked: Reason | undefined;
      if (flagged && this.askedMin > 0) {
        const asked = askingWeight(ownReasons()) + askingWeight(boosts.reasons);
        if (asked < this.askedMin) {
          flagged = false;
          score = Math.min(score, this.threshold - 0.01);
          unasked = {
            signal: "nothing_asked_like_harvest",
            detail: `over the cut on its account, network, rhythm or links, but its own requests carry ${asked.toFixed(2)} of evidence of harvest (${this.askedMin} needed): those corroborate, they do not convict`,
            weight: 0,
          };
        }
      }
      // an analyst's decision: a confirmed account stays flagged; a dismissed one is not
      // flagged again on the same evidence (any new kind of evidence flags it again)
      const review = this.reviews.get(id);
      let reviewed: Reason | undefined;
      if (review?.decision === "confirm") {
        flagged = true;
        score = Math.max(score, this.threshold);
        reviewed = {
          signal: "analyst_confirmed",
          detail: `confirmed by ${review.analyst}: ${review.comment}`.slice(0, 300),
          weight: 0,
        };
      } else if (review?.decision === "dismiss" && flagged) {
        const signals = [...ownReasons(), ...boosts.reasons, ...(partner ? [partner] : [])].map(
          (r) => r.signal,
        );
        if (signals.every((sig) => review.evidence.has(sig))) {
          flagged = false;
          score = Math.min(score, this.threshold - 0.01);
          reviewed = {
            signal: "analyst_dismissed",
            detail: `dismissed by ${review.analyst}: ${review.comment}`.slice(0, 300),
            weight: 0,
          };
        }
      }
      // between checkpoints only the flag and its time matter; reasons are kept for flags
      // and for the final judgement (holding every account's reasons costs memory and GC)
      const reasons =
        final || flagged
          ? [
              ...ownReasons(),
              ...boosts.reasons,
              ...(partner ? [partner] : []),
              ...(reviewed ? [reviewed] : []),
              ...(unasked ? [unasked] : []),
            ].sort((a, b) => b.weight - a.weight)
          : NO_REASONS;
      const firstFlaggedAt = prev?.firstFlaggedAt ?? (flagged ? p.lastSeen : undefined);
      if (flagged && prev?.firstFlaggedAt === undefined) newly++;
      if (prev) {
        prev.score = score;
        prev.risk = riskOf(score);
        prev.flagged = flagged;
        prev.firstFlaggedAt = firstFlaggedAt;
        prev.reasons = reasons;
      } else
        this.decisions.set(id, {
          profile: p,
          score,
          risk: riskOf(score),
          flagged,
          firstFlaggedAt,
          reasons,
        });
    }
    return newly;
  }

  /**
   * Analysts' decisions on accounts (the dashboard's reviews): confirmed accounts are
   * flagged; dismissed ones are not flagged again while their evidence is of the kinds
   * (`evidence`: signal names) the analyst saw. The accounts are judged again at the next checkpoint.
   */
  setReviews(
    reviews: Iterable<{
      readonly targetId: string;
      readonly decision: "confirm" | "dismiss";
      readonly evidence: string;
      readonly analyst: string;
      readonly comment: string;
    }>,
  ): void {
    for (const r of reviews) {
      this.reviews.set(r.targetId, {
        decision: r.decision,
        evidence: new Set(r.evidence.split(",").filter(Boolean)),
        analyst: r.analyst,
        comment: r.comment,
      });
      if (this.profiles.has(r.targetId)) this.dirty.add(r.targetId);
    }
  }

  /** Judges every account once more with everything the log has shown. */
  finish(): void {
    for (const id of this.profiles.keys()) this.dirty.add(id);
    this.checkpoint(true);
    // a flag that the whole log no longer supports does not keep its early time
    for (const d of this.decisions.values()) if (!d.flagged) d.firstFlaggedAt = undefined;
  }

  /**
   * An account's features (FEATURE_NAMES order) as this detector reads them, its linked
   * groups' standing included: for fitting the account model.
   */
  featuresOf(p: AccountProfile): Float64Array {
    return featureValues(p, { ...this.ownContext(), linked: (q) => this.linked(q, false).value });
  }

  /** Re-reads the population sample: its accounts' tracked features, then their own scores. */
  private refreshPopulation(): void {
    this.populationDue = false;
    // the population is being re-read: the features that place an account in it read nothing
    const context = this.logContext();
    this.population.refresh(
      TRACKED_FEATURES,
      (p) => featureValues(p, context),
      // the values read above, placed in the population they made
      (p, x) => {
        placeInPopulation(x, p, this.population);
        return valuesScore(x, this.model, this.disabledSignals);
      },
    );
  }

  /**
   * The account's strongest linked group judged as a group (groupStandOut): infrastructure,
   * sign-up, payment and timing links, not shared public prompt templates.
   */
  private linked(p: AccountProfile, details: boolean): { value: number; detail: string } {
    const own = p.n >= WELL_EVIDENCED ? this.ranks.get(p.id) : undefined;
    let best = 0;
    let group: Group | undefined;
    for (const g of this.groups.memberOf.get(p.id) ?? []) {
      if (CONTENT_KINDS.has(g.kind)) continue;
      const v = groupStandOut(g, own, RANK_SCALE);
      if (v > best) {
        best = v;
        group = g;
      }
    }
    if (!details || group === undefined) return { value: best, detail: "" };
    const { others, mean } = othersMeanRank(group, own, RANK_SCALE);
    return {
      value: best,
      detail: `shares ${group.kind.replace("_", " ")} ${group.value} with ${others} other well-evidenced accounts whose own evidence ranks, on average, at the ${Math.round(mean * 100)}th percentile of this log's accounts: a group unlike the population`,
    };
  }

  /** What the log says about an account beside its profile: item askers, clock, fleet and surges, shared values. */
  private logContext(): FeatureContext {
    return {
      unsupportedRegions: this.unsupported,
      itemAskers: this.askers,
      clock: this.releases,
      fleetPivoted: this.fleetPivoted,
      // a log in which no content surged spares every account the look at its cells
      ...(this.surge.any() ? { surgeExcess: this.surgeExcess } : {}),
      sharesAccount: this.sharesAccount,
      orgAway: this.orgAway,
    };
  }

  /** What the account's own evidence is read against: the log's context and its population. */
  private ownContext(): FeatureContext {
    return { ...this.logContext(), population: this.population };
  }

  /** The account's own score, as ownReasons' reasons add up to, without writing them. */
  private ownScore(p: AccountProfile, context = this.ownContext()): number {
    return valuesScore(featureValues(p, context), this.model, this.disabledSignals);
  }

  /** An account's own evidence (without the signals this detector leaves out), with or without details. */
  private ownReasons(p: AccountProfile, details: boolean): Reason[] {
    const s = scoreProfile(p, { ...this.ownContext(), details, model: this.model });
    return this.disabledSignals.size === 0
      ? s.reasons
      : s.reasons.filter((r) => !this.disabledSignals.has(r.signal));
  }

  private boosts(p: AccountProfile, withLinked: boolean): { weight: number; reasons: Reason[] } {
    const reasons: Reason[] = [];
    let linkedWeight = 0;
    if (withLinked && this.linkedWeight > 0) {
      const l = this.linked(p, true);
      if (l.value > 0) {
        linkedWeight = this.linkedWeight * l.value;
        reasons.push({
          signal: "linked_group",
          detail: l.detail,
          weight: Math.round(linkedWeight * 1000) / 1000,
        });
      }
    }
    // the account's groups are read in whatever order its memberships were made (a restored
    // state makes them in another): parts are summed in sorted order and ties broken by
    // value, so that the score and its reasons do not depend on that order
    const parts: number[] = [];
    let contentGroup: Group | undefined;
    let infra = 0;
    let infraGroup: Group | undefined;
    const before = (a: Group, b: Group): boolean => a.kind + a.value < b.kind + b.value;
    for (const g of this.groups.memberOf.get(p.id) ?? []) {
      const h = groupStrength(g);
      if (h <= 0) continue;
      if (CONTENT_KINDS.has(g.kind)) {
        const used = (g.kind === "scaffold" ? p.scaffolds : p.simBands).get(hashKey(g.value)) ?? 0;
        parts.push((h * used) / Math.max(1, p.openings));
        const cur = contentGroup ? groupStrength(contentGroup) * contentGroup.members.size : -1;
        const mine = h * g.members.size;
        if (!contentGroup || cur < mine || (cur === mine && before(g, contentGroup))) contentGroup = g;
      } else {
        const mine = h * specificity(g);
        if (mine > infra || (mine === infra && mine > 0 && infraGroup && before(g, infraGroup))) {
          infra = mine;
          infraGroup = g;
        }
      }
    }
    parts.sort((a, b) => a - b);
    const content = Math.min(
      1,
      parts.reduce((t, x) => t + x, 0),
    );
    let weight = linkedWeight;
    if (content > 0 && contentGroup) {
      const w = this.contentBoost * content;
      weight += w;
      reasons.push({
        signal: "campaign_scaffold",
        detail: `${Math.round(content * 100)}% of prompts follow templates used by ${contentGroup.seeds} accounts flagged on their own evidence, e.g. "${(contentGroup.example ?? contentGroup.value).slice(0, 120)}"`,
        weight: Math.round(w * 1000) / 1000,
      });
    }
    // shared infrastructure says who controls an account, its own content whether it harvests:
    // a reseller's honest customer paid with the card its hydra also uses converses like
    // anyone, and the infrastructure corroborates only in proportion to harvest-style content
    const harvesting = infraContent(p);
    if (infra > 0 && infraGroup && harvesting > 0) {
      const w = this.infraBoost * infra * harvesting;
      weight += w;
      reasons.push({
        signal: "campaign_infrastructure",
        detail: `shares ${infraGroup.kind.replace("_", " ")} ${infraGroup.value} with ${infraGroup.seeds} accounts flagged on their own evidence (${infraGroup.members.size} accounts use it)`,
        weight: Math.round(w * 1000) / 1000,
      });
    }
    return { weight, reasons };
  }
}
