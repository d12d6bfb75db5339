// The analyst dashboard (`distillguard serve --db FILE`): overview, campaigns, accounts,
// evidence and review, rendered on the server from DuckDB queries (one read-only open of
// the store per page; paging and aggregation happen in DuckDB, the browser gets one page).
// Signed in by default (a one-time login link), loopback by default, CSRF tokens on every
// form, a strict content security policy; prompt text only for the investigator role.

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { listen } from "../http/index.js";
import { esc } from "../outputs/index.js";
import { addReview, prepareStore, type Review, readStore } from "../store/index.js";
import { CSS, JS } from "./assets.js";
import { csrfOk, type Role, type Session, Sessions } from "./auth.js";
import { INDIVIDUAL_MAX, linkageGraph, type Signature, VALUE_KINDS } from "./graph.js";

/** Reasons whose detail quotes prompt text (a template's example), by signal. */
const PROMPT_TEXT_SIGNALS: ReadonlySet<string> = new Set(["campaign_scaffold"]);

/** A reason's detail with any quoted prompt text cut, for roles that may not read prompts. */
export function withoutPromptText(signal: string, detail: string, role: string): string {
  if (!PROMPT_TEXT_SIGNALS.has(signal)) return detail;
  const at = detail.indexOf(', e.g. "');
  return `${at < 0 ? detail : detail.slice(0, at)} (example prompt text hidden for the ${role} role)`;
}

export interface DashboardOptions {
  readonly db: string;
  readonly host?: string;
  readonly port?: number;
  /** role of the printed login link: investigators may read prompt text */
  readonly role?: Role;
  readonly analyst?: string;
  readonly now?: () => number;
  /** a page failed (the client sees a 500) */
  readonly onError?: (err: unknown) => void;
}

export interface Dashboard {
  readonly url: string;
  /** the one-time login link */
  readonly loginUrl: string;
  readonly server: Server;
  /** another one-time login link (e.g. for a second analyst) */
  loginLink(role: Role, analyst: string): string;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;
const PAGE = 50;

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // same-origin (not no-referrer): with no-referrer, browsers send "Origin: null" on our own forms
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cache-control": "no-store",
};

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));
const fmt = (v: unknown): string => num(v).toLocaleString("en-US");
const pct = (v: unknown): string => `${(num(v) * 100).toFixed(1)}%`;
const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
const json = <T>(v: unknown, fallback: T): T => {
  if (typeof v !== "string") return (v as T) ?? fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
};

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(body);
}

function page(title: string, s: Session, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · distillguard</title><link rel="stylesheet" href="/assets/app.css"></head><body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a href="/"><b>distillguard</b></a><nav aria-label="main"><a href="/">Overview</a><a href="/campaigns">Campaigns</a><a href="/accounts">Accounts</a><a href="/labels.jsonl">Labels</a></nav>
<span class="who">${esc(s.analyst)} (${esc(s.role)}) · <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${esc(s.csrf)}"><button type="submit">Sign out</button></form></span></header>
<main id="main">${body}</main>
<script src="/assets/cytoscape.min.js"></script><script src="/assets/app.js"></script></body></html>`;
}

/** A round step (1, 2 or 5 times a power of ten) at least x. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, x)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** Daily counts as an SVG bar chart (series drawn stacked, coloured, with a legend). */
function barChart(
  points: { day: string; series: string; n: number }[],
  label: string,
  marks: readonly { day: string; label: string }[] = [],
): string {
  if (points.length === 0) return `<p class="muted">No traffic.</p>`;
  const days = [...new Set(points.map((p) => p.day))].sort();
  const series = [...new Set(points.map((p) => p.series))].sort();
  const colours = ["#1f5fbf", "#b3261e", "#1e7b34", "#8a4fbf", "#c77700", "#00838f", "#6d6d6d"];
  const totals = new Map<string, number>();
  for (const p of points) totals.set(p.day, (totals.get(p.day) ?? 0) + p.n);
  const max = Math.max(...totals.values(), 1);
  const w = 1000;
  const h = 160;
  // a y-axis: a round step, gridlines and their values in a left margin
  const left = 64;
  const step = niceStep(max / 4);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const bw = (w - left) / days.length;
  const axis: string[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = (h - (v / top) * (h - 10)).toFixed(1);
    axis.push(
      `<line x1="${left}" x2="${w}" y1="${y}" y2="${y}" stroke="#e3e7ee" stroke-width="1"/><text x="${left - 6}" y="${y}" dy="4" font-size="12" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  const rects: string[] = [];
  days.forEach((d, i) => {
    let y = h;
    for (const [si, s] of series.entries()) {
      const n = points.find((p) => p.day === d && p.series === s)?.n ?? 0;
      if (n === 0) continue;
      const bh = (n / top) * (h - 10);
      y -= bh;
      rects.push(
        `<rect x="${(left + i * bw + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${colours[si % colours.length]}"><title>${esc(d)} ${esc(s)}: ${n}</title></rect>`,
      );
    }
  });
  // model releases: a dashed line at the start of their day
  for (const m of marks) {
    const i = days.indexOf(m.day);
    if (i < 0) continue;
    const x = (left + i * bw).toFixed(1);
    rects.push(
      `<line x1="${x}" x2="${x}" y1="0" y2="${h}" stroke="#c77700" stroke-width="2" stroke-dasharray="6 4"/><text x="${x}" y="12" dx="4" font-size="12" fill="#c77700">${esc(m.label)} released</text>`,
    );
  }
  const legend = series
    .map(
      (s, i) =>
        `<span><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${colours[i % colours.length]}"/></svg> ${esc(s)}</span>`,
    )
    .join("");
  return `<svg class="chart" viewBox="0 0 ${w} ${h + 20}" role="img" aria-label="${esc(label)}">${axis.join("")}${rects.join("")}
<text x="${left}" y="${h + 16}" font-size="12">${esc(days[0] ?? "")}</text><text x="${w}" y="${h + 16}" font-size="12" text-anchor="end">${esc(days.at(-1) ?? "")}</text></svg>
<div class="legend">${legend}</div>`;
}

function reviewForm(s: Session, type: "account" | "campaign", id: string, latest: Row | undefined): string {
  const status = latest
    ? `<p>Reviewed: <span class="badge ${esc(str(latest.decision))}">${esc(str(latest.decision))}ed</span> by ${esc(str(latest.analyst))} at ${esc(str(latest.when))}${latest.comment ? ` — “${esc(str(latest.comment))}”` : ""}</p>`
    : `<p class="muted">Not reviewed yet.</p>`;
  return `<h2>Review</h2>${status}<form class="review" method="post" action="/review">
<input type="hidden" name="csrf" value="${esc(s.csrf)}"><input type="hidden" name="target_type" value="${type}"><input type="hidden" name="target_id" value="${esc(id)}">
<label for="comment">Comment</label><textarea id="comment" name="comment" maxlength="2000" required></textarea>
<div><button class="confirm" type="submit" name="decision" value="confirm">Confirm ${type}</button> <button class="dismiss" type="submit" name="decision" value="dismiss">Dismiss ${type}</button></div></form>`;
}

const LATEST_REVIEWS = `select target_type, target_id, decision, comment, analyst, strftime(reviewed_at, '%Y-%m-%d %H:%M') "when" from (
  select *, row_number() over (partition by target_type, target_id order by reviewed_at desc) n from reviews) where n = 1`;

async function overview(db: string, s: Session): Promise<string> {
  const q = await readStore(db, {
    totals: {
      sql: `select (select count(*) from exchanges) exchanges, (select count(*) from accounts) accounts,
        (select count(*) from accounts where flagged) flagged, (select count(*) from campaigns) campaigns,
        (select coalesce(sum(exchanges), 0) from accounts where flagged) flagged_exchanges`,
    },
    campaigns: {
      sql: `select c.campaign_id, c.accounts, c.exchanges, strftime(c.first_seen, '%Y-%m-%d') first_seen,
        strftime(c.last_seen, '%Y-%m-%d') last_seen, c.confidence, r.decision
        from campaigns c left join (${LATEST_REVIEWS}) r on r.target_type = 'campaign' and r.target_id = c.campaign_id
        order by c.exchanges desc`,
    },
    // the per-day totals are kept by each analysis (daily_traffic); an older store is counted below
    daily: { sql: "select d, series, n from daily_traffic order by 1" },

    reviews: { sql: `select decision, count(*) n from (${LATEST_REVIEWS}) group by 1 order by 1` },
    decisions: {
      sql: "select action, acted, sum(n) n from gateway_decisions group by all order by action, acted desc",
    },
  });
  if (q.daily.length === 0 && num(q.totals[0]?.exchanges) > 0)
    q.daily = (
      await readStore(db, {
        d: {
          sql: `select strftime(date_trunc('day', e.ts), '%Y-%m-%d') d, coalesce(a.campaign_id, 'other traffic') series, count(*) n
            from exchanges e join accounts a using (account_id) group by all order by 1`,
        },
      })
    ).d;
  const t = q.totals[0] ?? {};
  const share = num(t.exchanges) > 0 ? num(t.flagged_exchanges) / num(t.exchanges) : 0;
  const cards = [
    [fmt(t.exchanges), "exchanges"],
    [fmt(t.accounts), "accounts"],
    [
      `${fmt(t.flagged)} (${pct(num(t.accounts) > 0 ? num(t.flagged) / num(t.accounts) : 0)})`,
      "accounts flagged",
    ],
    [pct(share), "of exchanges from flagged accounts"],
    [fmt(t.campaigns), "campaigns"],
    [q.reviews.map((r) => `${fmt(r.n)} ${esc(str(r.decision))}ed`).join(", ") || "none", "review decisions"],
  ]
    .map(([v, l]) => `<div class="card"><b>${v}</b><span>${l}</span></div>`)
    .join("");
  const rows = q.campaigns
    .map(
      (c) =>
        `<tr><td><a href="/campaigns/${encodeURIComponent(str(c.campaign_id))}">${esc(str(c.campaign_id))}</a></td><td class="num">${fmt(c.accounts)}</td><td class="num">${fmt(c.exchanges)}</td><td>${esc(str(c.first_seen))} – ${esc(str(c.last_seen))}</td><td class="num">${num(c.confidence).toFixed(2)}</td><td>${c.decision ? `<span class="badge ${esc(str(c.decision))}">${esc(str(c.decision))}ed</span>` : `<span class="muted">open</span>`}</td></tr>`,
    )
    .join("");
  return page(
    "Overview",
    s,
    `<h1>Overview</h1><div class="cards">${cards}</div>
<h2>Gateway decisions by action</h2>${
      q.decisions.length === 0
        ? `<p class="muted">No gateway has saved decisions to this store.</p>`
        : `<table><thead><tr><th scope="col">action</th><th scope="col">acted on</th><th scope="col" class="num">requests</th></tr></thead><tbody>${q.decisions
            .map(
              (d) =>
                `<tr><td>${esc(str(d.action))}</td><td>${d.acted ? "yes" : "no (dry run or allow)"}</td><td class="num">${fmt(d.n)}</td></tr>`,
            )
            .join("")}</tbody></table>`
    }
<h2>Traffic by campaign, per day</h2>${barChart(
      q.daily.map((d) => ({ day: str(d.d), series: str(d.series), n: num(d.n) })),
      "exchanges per day by campaign",
    )}
<h2>Campaigns</h2><table><thead><tr><th scope="col">campaign</th><th scope="col" class="num">accounts</th><th scope="col" class="num">exchanges</th><th scope="col">seen</th><th scope="col" class="num">confidence</th><th scope="col">review</th></tr></thead><tbody>${rows || `<tr><td colspan="6" class="muted">No campaigns.</td></tr>`}</tbody></table>`,
  );
}

async function campaignPage(db: string, s: Session, id: string): Promise<string | undefined> {
  const q = await readStore(db, {
    c: {
      sql: `select campaign_id, accounts, exchanges, strftime(first_seen, '%Y-%m-%d %H:%M') first_seen, strftime(last_seen, '%Y-%m-%d %H:%M') last_seen,
        confidence, capabilities, indicators, evidence from campaigns where campaign_id = $id`,
      params: { id },
    },
    daily: {
      sql: `select d.d, d.model series, sum(d.n) n
        from account_daily d join campaign_accounts ca using (account_id) where ca.campaign_id = $id group by all order by 1`,
      params: { id },
    },
    releases: { sql: "select model, strftime(ts, '%Y-%m-%d') d from releases order by ts" },
    members: {
      sql: `select a.account_id, a.risk, a.exchanges from campaign_accounts ca join accounts a using (account_id)
        where ca.campaign_id = $id order by a.exchanges desc limit 20`,
      params: { id },
    },
    review: {
      sql: `select * from (${LATEST_REVIEWS}) where target_type = 'campaign' and target_id = $id`,
      params: { id },
    },
  });
  const c = q.c[0];
  if (!c) return undefined;
  const caps = Object.entries(json<Record<string, number>>(c.capabilities, {})).sort((a, b) => b[1] - a[1]);
  const indicators = json<
    { kind: string; value: string; accounts: number; users?: number; example?: string }[]
  >(c.indicators, []);
  const evidence = json<{ signal: string; detail: string; weight: number }[]>(c.evidence, []);
  const capRows = caps
    .map(
      ([k, v]) =>
        `<tr><td>${esc(k)}</td><td class="num">${pct(v)}</td><td class="barcell"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect width="${(v * 100).toFixed(1)}" height="10" fill="#1f5fbf"/></svg></td></tr>`,
    )
    .join("");
  const prompts = s.role === "investigator";
  const indRows = indicators
    .filter((i) => i.kind !== "scaffold" && i.kind !== "near_scaffold")
    .map(
      (i) =>
        `<tr><td>${esc(i.kind)}</td><td class="mono">${esc(i.value)}</td><td class="num">${fmt(i.accounts)}</td><td class="num">${i.users === undefined ? "" : fmt(i.users)}</td></tr>`,
    )
    .join("");
  const scaffolds = indicators.filter((i) => i.kind === "scaffold" || i.kind === "near_scaffold");
  const scaffoldHtml =
    scaffolds.length === 0
      ? `<p class="muted">No shared prompt templates.</p>`
      : `<table><thead><tr><th scope="col">template</th><th scope="col" class="num">accounts</th><th scope="col">sample</th></tr></thead><tbody>${scaffolds
          .slice(0, 8)
          .map(
            (i) =>
              `<tr><td class="mono">${esc(i.value.slice(0, 16))}</td><td class="num">${fmt(i.accounts)}</td><td>${prompts ? esc((i.example ?? "").slice(0, 400)) : `<span class="muted">prompt text hidden for the ${esc(s.role)} role</span>`}</td></tr>`,
          )
          .join("")}</tbody></table>`;
  const ev = evidence
    .slice(0, 10)
    .map((e) => `<li><b>${esc(e.signal)}</b> (${e.weight.toFixed(2)}): ${esc(e.detail)}</li>`)
    .join("");
  const members = q.members
    .map(
      (m) =>
        `<tr><td><a href="/accounts/${encodeURIComponent(str(m.account_id))}">${esc(str(m.account_id))}</a></td><td class="num">${num(m.risk).toFixed(3)}</td><td class="num">${fmt(m.exchanges)}</td></tr>`,
    )
    .join("");
  return page(
    `Campaign ${id}`,
    s,
    `<h1>Campaign ${esc(id)}</h1><div class="cards">
<div class="card"><b>${fmt(c.accounts)}</b><span>accounts</span></div><div class="card"><b>${fmt(c.exchanges)}</b><span>exchanges</span></div>
<div class="card"><b>${num(c.confidence).toFixed(2)}</b><span>confidence</span></div><div class="card"><b>${esc(str(c.first_seen))}</b><span>first seen (UTC)</span></div><div class="card"><b>${esc(str(c.last_seen))}</b><span>last seen (UTC)</span></div></div>
<h2>Strongest evidence</h2><ul>${ev || "<li class=muted>none</li>"}</ul>
<h2>Capabilities targeted</h2><table><tbody>${capRows}</tbody></table>
<h2>Volume per day, by model</h2>${barChart(
      q.daily.map((d) => ({ day: str(d.d), series: str(d.series), n: num(d.n) })),
      "campaign exchanges per day by model, model releases marked",
      q.releases.map((r) => ({ day: str(r.d), label: str(r.model) })),
    )}
<h2>Linkage: accounts and the infrastructure they share</h2><div id="graph" data-src="/campaigns/${encodeURIComponent(id)}/graph.json" role="img" aria-label="graph of the campaign's accounts and shared infrastructure"></div><div id="graph-legend" class="legend"></div><p id="graph-note" class="muted"></p>
<h2>Shared infrastructure (indicators)</h2><table><thead><tr><th scope="col">kind</th><th scope="col">value</th><th scope="col" class="num">campaign accounts</th><th scope="col" class="num">all accounts</th></tr></thead><tbody>${indRows || `<tr><td colspan="4" class="muted">none</td></tr>`}</tbody></table>
<h2>Prompt templates</h2>${scaffoldHtml}
<h2>Largest accounts</h2><table><thead><tr><th scope="col">account</th><th scope="col" class="num">risk</th><th scope="col" class="num">exchanges</th></tr></thead><tbody>${members}</tbody></table>
<p><a href="/accounts?campaign=${encodeURIComponent(id)}">All ${fmt(c.accounts)} accounts of this campaign</a></p>
${reviewForm(s, "campaign", id, q.review[0])}`,
  );
}

/** The campaign's linkage graph (graph.ts): its accounts grouped by the shared values they use. */
async function campaignGraph(db: string, id: string): Promise<unknown> {
  const q = await readStore(db, {
    c: { sql: "select indicators from campaigns where campaign_id = $id", params: { id } },
  });
  const c = q.c[0];
  if (!c) return linkageGraph([], accountHref);
  const drawn = new Set(VALUE_KINDS.map((k) => k.kind));
  const indicators = json<{ kind: string; value: string }[]>(c.indicators, []).filter((i) =>
    drawn.has(i.kind),
  );
  const of = (...kinds: string[]): string =>
    indicators
      .filter((i) => kinds.includes(i.kind))
      .map((i) => i.value)
      .join("\u0001");
  // each account's shared values (of the campaign's indicators), then accounts grouped by them
  const r = await readStore(db, {
    sigs: {
      sql: `with m as (select account_id from campaign_accounts where campaign_id = $id),
        v as (select 'ip' kind, unnest(string_split($ips, chr(1))) val
          union all select 'residential_ip', unnest(string_split($resid, chr(1)))
          union all select 'user_agent', unnest(string_split($uas, chr(1)))
          union all select 'payment_fingerprint', unnest(string_split($cards, chr(1)))
          union all select 'email_domain', unnest(string_split($domains, chr(1)))
          union all select 'org', unnest(string_split($orgs, chr(1)))
          union all select 'signup_ip', unnest(string_split($signups, chr(1)))),
        infra as (select distinct i.account_id, i.ip, i.user_agent from account_infra i semi join m using (account_id)),
        meta as (select * from account_meta semi join m using (account_id)),
        uses as (
          select distinct i.account_id, v.kind, v.val from infra i join v on v.kind in ('ip', 'residential_ip') and i.ip = v.val
          union select distinct i.account_id, v.kind, v.val from infra i join v on v.kind = 'user_agent' and i.user_agent = v.val
          union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'payment_fingerprint' and a.payment_fingerprint = v.val
          union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'email_domain' and lower(a.email_domain) = v.val
          union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'org' and a.org_id = v.val
          union select a.account_id, v.kind, v.val from meta a join v on v.kind = 'signup_ip' and a.signup_ip = v.val),
        per as (select m.account_id, coalesce(string_agg(u.kind || chr(2) || u.val, chr(1) order by u.kind, u.val), '') sig
          from m left join uses u using (account_id) group by m.account_id)
        select sig, count(*) n, list(account_id order by account_id)[1:${INDIVIDUAL_MAX}] examples
        from per group by sig order by n desc, sig limit 400`,
      params: {
        id,
        ips: of("ip"),
        resid: of("residential_ip"),
        uas: of("user_agent"),
        cards: of("payment_fingerprint"),
        domains: of("email_domain"),
        orgs: of("org"),
        signups: of("signup_ip"),
      },
    },
  });
  const signatures: Signature[] = r.sigs.map((row) => ({
    accounts: num(row.n),
    examples: (Array.isArray(row.examples) ? row.examples : []).map(str),
    values: str(row.sig)
      .split("\u0001")
      .filter((x) => x.length > 0)
      .map((x) => {
        const [kind = "", value = ""] = x.split("\u0002");
        return { kind, value };
      }),
  }));
  return linkageGraph(signatures, accountHref);
}

const accountHref = (a: string): string => `/accounts/${encodeURIComponent(a)}`;

/** What the account's network table shows of all its addresses and agents. */
function infraNote(t: Record<string, unknown> | undefined, shown: number): string {
  const pairs = num(t?.pairs);
  const counts = `${fmt(t?.ips)} source address${num(t?.ips) === 1 ? "" : "es"} and ${fmt(t?.agents)} client agent${num(t?.agents) === 1 ? "" : "s"} in all`;
  return pairs > shown
    ? `The ${shown} busiest of ${fmt(pairs)} address and agent pairs; ${counts}.`
    : `${counts}.`;
}

async function accountsPage(db: string, s: Session, url: URL): Promise<string> {
  const qText = (url.searchParams.get("q") ?? "").slice(0, 100);
  const campaign = url.searchParams.get("campaign") ?? "";
  const flaggedOnly = url.searchParams.get("flagged") === "1";
  const sorts: Record<string, string> = {
    risk: "risk",
    exchanges: "exchanges",
    last_seen: "last_seen",
    account_id: "account_id",
  };
  const sort = sorts[url.searchParams.get("sort") ?? "risk"] ?? "risk";
  const dir = url.searchParams.get("dir") === "asc" ? "asc" : "desc";
  const pageNo = Math.max(1, Math.min(1_000_000, Math.floor(Number(url.searchParams.get("page") ?? 1)) || 1));
  const where = `where account_id ilike $q and ($campaign = '' or campaign_id = $campaign) and (not $flagged or flagged)`;
  const params = {
    q: `%${qText.replaceAll("%", "").replaceAll("_", "\\_")}%`,
    campaign,
    flagged: flaggedOnly,
  };
  const q = await readStore(db, {
    n: { sql: `select count(*) n from accounts ${where}`, params },
    rows: {
      sql: `select account_id, risk, flagged, campaign_id, exchanges, strftime(last_seen, '%Y-%m-%d %H:%M') last_seen,
        json_extract_string(reasons, '$[0].signal') strongest from accounts ${where}
        order by ${sort} ${dir}, account_id limit ${PAGE} offset ${(pageNo - 1) * PAGE}`,
      params,
    },
  });
  const total = num(q.n[0]?.n);
  const link = (changes: Record<string, string>): string => {
    const u = new URLSearchParams({
      q: qText,
      campaign,
      flagged: flaggedOnly ? "1" : "",
      sort,
      dir,
      page: String(pageNo),
      ...changes,
    });
    for (const [k, v] of [...u.entries()]) if (v === "") u.delete(k);
    return `/accounts?${esc(u.toString())}`;
  };
  const th = (key: string, label: string, numeric = false): string =>
    `<th scope="col"${numeric ? ' class="num"' : ""} aria-sort="${sort === key ? (dir === "asc" ? "ascending" : "descending") : "none"}"><a href="${link({ sort: key, dir: sort === key && dir === "desc" ? "asc" : "desc", page: "1" })}">${label}</a></th>`;
  const rows = q.rows
    .map(
      (r) =>
        `<tr><td><a href="/accounts/${encodeURIComponent(str(r.account_id))}">${esc(str(r.account_id))}</a></td><td class="num">${num(r.risk).toFixed(3)}</td><td>${r.flagged ? '<span class="badge flagged">flagged</span>' : ""}</td><td>${r.campaign_id ? `<a href="/campaigns/${encodeURIComponent(str(r.campaign_id))}">${esc(str(r.campaign_id))}</a>` : ""}</td><td class="num">${fmt(r.exchanges)}</td><td>${esc(str(r.last_seen))}</td><td>${esc(str(r.strongest))}</td></tr>`,
    )
    .join("");
  const pages = Math.max(1, Math.ceil(total / PAGE));
  return page(
    "Accounts",
    s,
    `<h1>Accounts</h1><form method="get" action="/accounts" class="pager" role="search">
<label for="q">Account id contains</label><input id="q" name="q" value="${esc(qText)}">${campaign ? `<input type="hidden" name="campaign" value="${esc(campaign)}">` : ""}
<label><input type="checkbox" name="flagged" value="1"${flaggedOnly ? " checked" : ""}> flagged only</label><button type="submit">Search</button></form>
<p class="muted">${fmt(total)} accounts${campaign ? ` in campaign ${esc(campaign)}` : ""}; page ${pageNo} of ${pages}.</p>
<table><thead><tr>${th("account_id", "account")}${th("risk", "risk", true)}<th scope="col">flag</th><th scope="col">campaign</th>${th("exchanges", "exchanges", true)}${th("last_seen", "last seen")}<th scope="col">strongest reason</th></tr></thead><tbody>${rows || `<tr><td colspan="7" class="muted">No accounts match.</td></tr>`}</tbody></table>
<div class="pager">${pageNo > 1 ? `<a href="${link({ page: String(pageNo - 1) })}">← previous</a>` : ""}${pageNo < pages ? `<a href="${link({ page: String(pageNo + 1) })}">next →</a>` : ""}</div>`,
  );
}

async function accountPage(db: string, s: Session, id: string): Promise<string | undefined> {
  const q = await readStore(db, {
    a: {
      sql: `select account_id, risk, flagged, campaign_id, strftime(first_flagged_at, '%Y-%m-%d %H:%M') first_flagged_at, exchanges,
        strftime(first_seen, '%Y-%m-%d %H:%M') first_seen, strftime(last_seen, '%Y-%m-%d %H:%M') last_seen, reasons from accounts where account_id = $id`,
      params: { id },
    },
    // per-account summaries kept by each analysis (the store's account_daily, account_sessions, account_infra)
    daily: {
      sql: `select d, capability series, sum(n) n from account_daily where account_id = $id group by all order by 1`,
      params: { id },
    },
    sessions: {
      sql: "select sessions, per_session, longest from account_sessions where account_id = $id",
      params: { id },
    },
    infra: {
      sql: `select ip, ip_type, country, user_agent, sum(n) n from account_infra where account_id = $id
        group by all order by n desc limit 10`,
      params: { id },
    },
    infraTotal: {
      sql: `select count(distinct ip) ips, count(distinct user_agent) agents, count(*) pairs from account_infra where account_id = $id`,
      params: { id },
    },
    meta: {
      sql: `select strftime(created_at, '%Y-%m-%d %H:%M') created_at, pathway, verified, signup_country, payment_fingerprint,
        email_domain, org_id from account_meta where account_id = $id`,
      params: { id },
    },
    review: {
      sql: `select * from (${LATEST_REVIEWS}) where target_type = 'account' and target_id = $id`,
      params: { id },
    },
  });
  const a = q.a[0];
  const meta = q.meta[0];
  const signup = meta
    ? `<table><tbody>${(
        [
          ["signed up (UTC)", meta.created_at],
          ["access pathway", meta.pathway],
          ["verified", meta.verified === null ? "" : meta.verified ? "yes" : "no"],
          ["declared country", meta.signup_country],
          ["payment fingerprint", meta.payment_fingerprint],
          ["e-mail domain", meta.email_domain],
          ["organisation", meta.org_id],
        ] as const
      )
        .map(([k, v]) => `<tr><th scope="row">${k}</th><td class="mono">${esc(str(v))}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="muted">No sign-up metadata in this store (analyze with --accounts to keep it).</p>`;
  if (!a) return undefined;
  const reasons = json<{ signal: string; detail: string; weight: number }[]>(a.reasons, []).map((r) =>
    s.role === "investigator" ? r : { ...r, detail: withoutPromptText(r.signal, r.detail, s.role) },
  );
  const ss = q.sessions[0] ?? {};
  const infra = q.infra
    .map(
      (r) =>
        `<tr><td class="mono">${esc(str(r.ip))}</td><td>${esc(str(r.ip_type))}</td><td>${esc(str(r.country))}</td><td>${esc(str(r.user_agent))}</td><td class="num">${fmt(r.n)}</td></tr>`,
    )
    .join("");
  return page(
    `Account ${id}`,
    s,
    `<h1>Account <span class="mono">${esc(id)}</span> ${a.flagged ? '<span class="badge flagged">flagged</span>' : ""}</h1>
<div class="cards"><div class="card"><b>${num(a.risk).toFixed(3)}</b><span>risk</span></div><div class="card"><b>${a.campaign_id ? `<a href="/campaigns/${encodeURIComponent(str(a.campaign_id))}">${esc(str(a.campaign_id))}</a>` : "—"}</b><span>campaign</span></div>
<div class="card"><b>${fmt(a.exchanges)}</b><span>exchanges</span></div><div class="card"><b>${fmt(ss.sessions)}</b><span>sessions (30-minute gaps); longest ${fmt(ss.longest)}</span></div>
<div class="card"><b>${esc(str(a.first_seen))}</b><span>first seen (UTC)</span></div><div class="card"><b>${esc(str(a.first_flagged_at) || "—")}</b><span>first flagged (UTC)</span></div></div>
<h2>Reasons</h2><table><thead><tr><th scope="col">signal</th><th scope="col" class="num">weight</th><th scope="col">detail</th></tr></thead><tbody>${reasons.map((r) => `<tr><td>${esc(r.signal)}</td><td class="num">${r.weight.toFixed(2)}</td><td>${esc(r.detail)}</td></tr>`).join("") || `<tr><td colspan="3" class="muted">none</td></tr>`}</tbody></table>
<h2>Activity per day, by capability</h2>${barChart(
      q.daily.map((d) => ({ day: str(d.d), series: str(d.series), n: num(d.n) })),
      "account exchanges per day",
    )}
<h2>Sign-up</h2>${signup}
<h2>Network and clients</h2><p class="muted">${infraNote(q.infraTotal[0], q.infra.length)}</p><table><thead><tr><th scope="col">address</th><th scope="col">type</th><th scope="col">country</th><th scope="col">user agent</th><th scope="col" class="num">exchanges</th></tr></thead><tbody>${infra}</tbody></table>
${reviewForm(s, "account", id, q.review[0])}`,
  );
}

/** Reviewed decisions as labels (the contract's labels format, plus the review). */
async function labels(db: string): Promise<string> {
  const q = await readStore(db, {
    r: {
      sql: `select r.target_type, r.target_id, r.decision, r.comment, r.analyst, r."when", a.campaign_id from (${LATEST_REVIEWS}) r
        left join accounts a on r.target_type = 'account' and a.account_id = r.target_id where r.target_type = 'account' order by r.target_id`,
    },
  });
  return q.r
    .map((r) =>
      JSON.stringify({
        account_id: str(r.target_id),
        population: r.decision === "confirm" ? "confirmed_campaign" : "dismissed",
        campaign: r.decision === "confirm" ? str(r.campaign_id) || null : null,
        review: { decision: r.decision, comment: r.comment, analyst: r.analyst, at: r.when },
      }),
    )
    .join("\n")
    .concat(q.r.length > 0 ? "\n" : "");
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) return undefined;
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** Records a review; a campaign's review is also recorded for each of its accounts. */
async function review(
  db: string,
  s: Session,
  form: URLSearchParams,
  now: number,
): Promise<string | undefined> {
  const type = form.get("target_type");
  const id = form.get("target_id") ?? "";
  const decision = form.get("decision");
  const comment = (form.get("comment") ?? "").slice(0, 2000);
  if (
    (type !== "account" && type !== "campaign") ||
    (decision !== "confirm" && decision !== "dismiss") ||
    !id
  )
    return undefined;
  const q = await readStore(db, {
    accounts: {
      sql:
        type === "campaign"
          ? "select account_id, reasons from accounts where campaign_id = $id"
          : "select account_id, reasons from accounts where account_id = $id",
      params: { id },
    },
  });
  if (q.accounts.length === 0) return undefined;
  const evidenceOf = (r: unknown): string =>
    [...new Set(json<{ signal: string }[]>(r, []).map((x) => x.signal))].sort().join(",");
  const base = { decision, comment, analyst: s.analyst, at: now } as const;
  if (type === "campaign")
    await addReview(db, { ...base, targetType: "campaign", targetId: id, evidence: "" });
  for (const a of q.accounts)
    await addReview(db, {
      ...base,
      targetType: "account",
      targetId: str(a.account_id),
      evidence: evidenceOf(a.reasons),
    } satisfies Review);
  return type === "campaign" ? `/campaigns/${encodeURIComponent(id)}` : `/accounts/${encodeURIComponent(id)}`;
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const now = o.now ?? Date.now;
  await prepareStore(o.db);
  const sessions = new Sessions(now);
  const require = createRequire(import.meta.url);
  const cytoscape = readFileSync(require.resolve("cytoscape/dist/cytoscape.min.js"));
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (req.method === "GET" && path === "/assets/app.css")
      return send(res, 200, "text/css; charset=utf-8", CSS, { "cache-control": "max-age=3600" });
    if (req.method === "GET" && path === "/assets/app.js")
      return send(res, 200, "text/javascript; charset=utf-8", JS);
    if (req.method === "GET" && path === "/assets/cytoscape.min.js")
      return send(res, 200, "text/javascript; charset=utf-8", cytoscape);
    if (req.method === "GET" && path === "/favicon.ico") return send(res, 204, "image/x-icon", "");
    if (req.method === "GET" && path === "/login") {
      const s = sessions.login(url.searchParams.get("token") ?? "");
      if (!s)
        return send(
          res,
          401,
          "text/plain; charset=utf-8",
          "This login link is not valid (used already, or expired). Ask for a new one.\n",
        );
      return send(res, 303, "text/plain; charset=utf-8", "", {
        location: "/",
        "set-cookie": `dg_session=${s.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`,
      });
    }
    const s = sessions.fromCookie(req.headers.cookie);
    if (!s)
      return send(
        res,
        401,
        "text/plain; charset=utf-8",
        "Sign in with the login link that 'distillguard serve' printed.\n",
      );
    if (req.method === "POST") {
      // forms come from our own pages: same origin, and the session's CSRF token
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`)
        return send(res, 403, "text/plain; charset=utf-8", "cross-site request refused\n");
      const form = await readForm(req);
      if (!form || !csrfOk(s, form.get("csrf") ?? undefined))
        return send(res, 403, "text/plain; charset=utf-8", "missing or wrong CSRF token\n");
      if (path === "/logout") {
        sessions.logout(s);
        return send(res, 303, "text/plain", "", {
          location: "/login",
          "set-cookie": "dg_session=; Max-Age=0; Path=/",
        });
      }
      if (path === "/review") {
        const back = await review(o.db, s, form, now());
        if (!back)
          return send(res, 400, "text/plain; charset=utf-8", "not a review of a known account or campaign\n");
        return send(res, 303, "text/plain", "", { location: back });
      }
      return send(res, 404, "text/plain", "not found\n");
    }
    if (req.method !== "GET")
      return send(res, 405, "text/plain", "method not allowed\n", { allow: "GET, POST" });
    const html = (body: string | undefined): void =>
      body === undefined
        ? send(res, 404, "text/plain; charset=utf-8", "not found\n")
        : send(res, 200, "text/html; charset=utf-8", body);
    if (path === "/") return html(await overview(o.db, s));
    if (path === "/campaigns") return send(res, 303, "text/plain", "", { location: "/#campaigns" });
    if (path === "/accounts") return html(await accountsPage(o.db, s, url));
    if (path === "/labels.jsonl")
      return send(res, 200, "application/x-ndjson; charset=utf-8", await labels(o.db), {
        "content-disposition": 'attachment; filename="labels.jsonl"',
      });
    const camp = /^\/campaigns\/([^/]{1,64})(\/graph\.json)?$/.exec(path);
    const decoded = (text: string): string | undefined => {
      try {
        return decodeURIComponent(text);
      } catch {
        return undefined;
      }
    };
    if (camp) {
      const id = decoded(camp[1] as string);
      if (id === undefined)
        return send(res, 400, "text/plain", "bad request: malformed percent-escape in the path\n");
      if (camp[2]) return send(res, 200, "application/json", JSON.stringify(await campaignGraph(o.db, id)));
      return html(await campaignPage(o.db, s, id));
    }
    const acct = /^\/accounts\/([^/]{1,200})$/.exec(path);
    if (acct) {
      const id = decoded(acct[1] as string);
      if (id === undefined)
        return send(res, 400, "text/plain", "bad request: malformed percent-escape in the path\n");
      return html(await accountPage(o.db, s, id));
    }
    return html(undefined);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.onError?.(err);
      if (!res.headersSent) send(res, 500, "text/plain", "dashboard error\n");
      else res.destroy();
    });
  });
  const a = await listen(server, o.port ?? 0, o.host ?? "127.0.0.1");
  const url = `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  const loginLink = (role: Role, analyst: string): string =>
    `${url}/login?token=${sessions.loginToken(role, analyst)}`;
  return {
    url,
    loginUrl: loginLink(o.role ?? "analyst", o.analyst ?? "analyst"),
    server,
    loginLink,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
