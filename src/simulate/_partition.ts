// A partition runs a fixed subset of the actors and renders their traffic an hour at
// a time. The driver merges the partitions' hours by time; it runs them in worker
// threads (both cores) or in-process, with byte-identical output either way.

import { at } from "../contract/index.js";
import {
  ADAPTIVE_LEVELS,
  type AdaptiveLevel,
  type AdaptiveTactics,
  adaptiveActor,
  adaptiveTactics,
  adaptiveVariants,
  Wordings,
} from "./_adaptive.js";
import {
  batchPipeline,
  consumers,
  developers,
  enterprise,
  evalLab,
  makeReseller,
  resellerCustomers,
  university,
} from "./_benign.js";
import { agenticCampaign, hydraCampaign, reasoningCampaign, sweepCampaign } from "./_campaigns.js";
import { AGENT_UAS, SDK_UAS } from "./_common.js";
import { builtinCorpus, type Corpus, loadCorpus } from "./_corpus.js";
import { drawVariants, type Variants } from "./_families.js";
import {
  type Actor,
  DAY,
  type Draft,
  HARVEST_KINDS,
  type HarvestKind,
  HOUR,
  type SimContext,
} from "./_model.js";
import { type IpInfo, World } from "./_net.js";
import { ByteWriter, iso, renderExchange } from "./_render.js";
import { Rng } from "./_rng.js";

export interface WorldSpec {
  readonly seed: number;
  readonly scale: number;
  readonly days: number;
  readonly startMs: number;
  /** dataset directory for real prompts, or undefined for built-in text */
  readonly prompts?: string;
  /** forced implementations of tactic families (the others are drawn from the seed) */
  readonly variants?: Readonly<Record<string, string>>;
  /** the red team's level (src/simulate/_adaptive.ts): forces its families (explicit variants win) and adds its tactics */
  readonly adaptive?: AdaptiveLevel;
}

export const OLD_MODELS = [
  ["claude-sonnet-4-5", 6],
  ["claude-haiku-4-5", 3],
  ["claude-opus-4-1", 1],
] as const;
export const NEW_MODEL = "claude-opus-5";

type ActorFactory = (ctx: SimContext, rng: Rng, reseller: ReturnType<typeof makeReseller>) => Actor;

/** The actors of each partition, balanced by volume; the order is part of the output's determinism. */
export const PARTITIONS: readonly (readonly (readonly [string, ActorFactory])[])[] = [
  [
    ["consumers", (c, r) => consumers(c, r)],
    ["university", (c, r) => university(c, r)],
    ["hydra", (c, r, rs) => hydraCampaign(c, r, rs)],
    ["agentic", (c, r) => agenticCampaign(c, r)],
    ["sweep", (c, r) => sweepCampaign(c, r)],
  ],
  [
    ["developers", (c, r) => developers(c, r)],
    ["batch", (c, r) => batchPipeline(c, r)],
    ["enterprise", (c, r) => enterprise(c, r)],
    ["reseller_customers", (c, r, rs) => resellerCustomers(c, r, rs)],
    ["reasoning", (c, r) => reasoningCampaign(c, r)],
    ["eval_lab", (c, r) => evalLab(c, r)],
  ],
];

/** The actors' sizes at `--scale 1` times this: scale 1 is about 1,000,000 exchanges from 10,700 accounts. */
export const SCALE_UNIT = 1.11;

export interface WorldInfo {
  readonly start: number;
  readonly end: number;
  readonly release: { readonly ts: number; readonly model: string };
  readonly variants: Variants;
  readonly harvestKind: HarvestKind;
  readonly adaptive: AdaptiveTactics;
}

export function worldInfo(spec: WorldSpec): WorldInfo & { readonly root: Rng } {
  const root = new Rng(spec.seed, "root");
  const start = spec.startMs;
  const releaseTs = start + Math.floor(spec.days * root.float(0.5, 0.7)) * DAY + root.int(15, 19) * HOUR;
  // drawn from streams of their own, so that adding a family leaves every other draw as it was
  if (spec.adaptive !== undefined && !ADAPTIVE_LEVELS.includes(spec.adaptive))
    throw new Error(`adaptive level ${spec.adaptive} is not one of ${ADAPTIVE_LEVELS.join(", ")}`);
  const forced =
    spec.adaptive === undefined ? spec.variants : { ...adaptiveVariants(spec.adaptive), ...spec.variants };
  const variants = drawVariants(root.fork("variants"), forced);
  const harvestKind = root.fork("harvest-kind").pick(HARVEST_KINDS);
  const adaptive = adaptiveTactics(spec.adaptive, variants.conversation === "chained", root.fork("adaptive"));
  return {
    root,
    start,
    end: start + spec.days * DAY,
    release: { ts: releaseTs, model: NEW_MODEL },
    variants,
    harvestKind,
    adaptive,
  };
}

export interface HourOutput {
  readonly hour: number;
  /** time of each exchange, ascending */
  readonly ts: Float64Array;
  /** byte offset of each line in `bytes`, plus the end (length n + 1) */
  readonly offsets: Uint32Array;
  /** the exchange lines, UTF-8, each ending in a newline */
  readonly bytes: Uint8Array;
  /** the exchange_labels line of each exchange (with its newline), or "" for benign traffic */
  readonly labels: string[];
  /** exchanges per population in this hour */
  readonly counts: Record<string, number>;
  /** campaign exchanges per population and part (harvest, chained, cover, customer) */
  readonly parts: Record<string, Record<string, number>>;
}

export interface PartitionAccounts {
  readonly records: string[];
  readonly labels: string[];
  readonly params: Record<string, Readonly<Record<string, number | string>>>;
  readonly names: string[];
  readonly campaigns: (string | null)[];
  readonly counts: number[];
}

/**
 * With infrastructure=own: every exchange of a campaign's accounts leaves from the
 * account's own residential address (now and then a new one) with its own agent string,
 * as an attacker who read the linkers would arrange.
 */
function ownInfrastructure(ctx: SimContext, actor: Actor, rng: Rng): Actor {
  const matched = ctx.variants.region === "matched";
  const own = new Map<string, { net: IpInfo; ua: string }>();
  return {
    ...actor,
    hour(t0, emit) {
      actor.hour(t0, (d) => {
        let o = own.get(d.acct.id);
        if (o === undefined || rng.chance(0.03)) {
          // with region=matched the exits are in the country the account declared
          const declared = matched ? d.acct.record.signup_country : undefined;
          o = {
            net: ctx.world.proxyExit(rng, 0.05, declared),
            ua: o?.ua ?? rng.pick([...SDK_UAS, ...AGENT_UAS]),
          };
          own.set(d.acct.id, o);
        }
        emit({ ...d, net: o.net, ua: o.ua });
      });
    },
  };
}

export class Partition {
  private readonly actors: Actor[];
  private readonly buckets = new Map<number, Draft[]>();
  private readonly renderRng: Rng;
  private readonly writer = new ByteWriter();
  private readonly ctx: SimContext;
  readonly corpus: Corpus;

  constructor(
    spec: WorldSpec,
    readonly index: number,
    log: (m: string) => void = () => {},
  ) {
    const info = worldInfo(spec);
    this.corpus = spec.prompts === undefined ? builtinCorpus() : loadCorpus(spec.prompts, log);
    this.ctx = {
      seed: spec.seed,
      scale: spec.scale * SCALE_UNIT,
      start: info.start,
      end: info.end,
      world: new World(info.root.fork("world")),
      corpus: this.corpus,
      release: info.release,
      oldModels: OLD_MODELS,
      newId: (rng, prefix) => `${prefix}${rng.hex(16)}`,
      variants: info.variants,
      harvestKind: info.harvestKind,
      adaptive: info.adaptive,
      wordings: new Wordings(info.root.fork(`wordings-${index}`), info.adaptive.reword),
    };
    const reseller = makeReseller(this.ctx, info.root.fork("reseller"));
    const factories = PARTITIONS[index] ?? [];
    const actors = factories.map(([name, make]) => make(this.ctx, info.root.fork(name), reseller));
    const adapting = info.adaptive.cover > 0 || info.adaptive.chains > 0;
    this.actors = actors.map((a0) => {
      if (!a0.accounts[0]?.campaign) return a0;
      let a = a0;
      if (adapting) a = adaptiveActor(this.ctx, a, info.root.fork(`adaptive-${a.name}`));
      if (info.variants.infrastructure === "own")
        a = ownInfrastructure(this.ctx, a, info.root.fork(`own-${a.name}`));
      return a;
    });
    this.renderRng = info.root.fork(`render-${index}`);
  }

  accounts(): PartitionAccounts {
    const records: string[] = [];
    const labels: string[] = [];
    for (const a of this.actors)
      for (const acct of a.accounts) {
        records.push(JSON.stringify(acct.record));
        labels.push(
          JSON.stringify({ account_id: acct.id, population: acct.population, campaign: acct.campaign }),
        );
      }
    return {
      records,
      labels,
      params: Object.fromEntries(this.actors.map((a) => [a.name, a.params])),
      names: this.actors.map((a) => a.name),
      campaigns: this.actors.map((a) => a.accounts[0]?.campaign ?? null),
      counts: this.actors.map((a) => a.accounts.length),
    };
  }

  /** Simulates hour `h` (hours must be asked for in order) and renders its exchanges sorted by time. */
  hour(h: number): HourOutput {
    const { start, end } = this.ctx;
    const emit = (d: Draft): void => {
      if (d.ts >= end || d.ts < start) return;
      // a draft never starts before the hour being simulated; clamp defensively so none is lost
      const b = Math.max(h, Math.floor((d.ts - start) / HOUR));
      let list = this.buckets.get(b);
      if (!list) {
        list = [];
        this.buckets.set(b, list);
      }
      list.push(d);
    };
    const t0 = start + h * HOUR;
    for (const actor of this.actors) actor.hour(t0, emit);
    const drafts = this.buckets.get(h) ?? [];
    this.buckets.delete(h);
    drafts.sort((a, b) => a.ts - b.ts);
    const n = drafts.length;
    const ts = new Float64Array(n);
    const offsets = new Uint32Array(n + 1);
    const labels: string[] = new Array(n);
    const counts: Record<string, number> = {};
    const parts: Record<string, Record<string, number>> = {};
    const w = this.writer;
    // ids are unique per (hour, partition, position) and opaque, so partitions need not coordinate
    const prefix = `ex_${h.toString(36).padStart(4, "0")}${this.index}`;
    for (let i = 0; i < n; i++) {
      const d = at(drafts, i);
      const id = `${prefix}${i.toString(36).padStart(5, "0")}`;
      ts[i] = d.ts;
      offsets[i] = w.pos;
      w.s(`{"id":"${id}"`);
      renderExchange(d, this.renderRng, { apiFieldShare: 0.7 }, w);
      w.s("\n");
      const c = d.acct.campaign;
      const part = d.part ?? "harvest";
      labels[i] =
        c === null
          ? ""
          : `{"id":"${id}","campaign":"${c}","account_id":"${d.acct.id}","ts":"${iso(d.ts)}","part":"${part}"}\n`;
      counts[d.acct.population] = (counts[d.acct.population] ?? 0) + 1;
      if (c !== null) {
        const pp = parts[d.acct.population] ?? {};
        pp[part] = (pp[part] ?? 0) + 1;
        parts[d.acct.population] = pp;
      }
    }
    offsets[n] = w.pos;
    const bytes = w.take();
    return { hour: h, ts, offsets, bytes, labels, counts, parts };
  }
}
