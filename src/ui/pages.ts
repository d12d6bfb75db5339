// The dashboard's pages, rendered on the server from the store's typed results (src/store's
// DashboardStore): no SQL here, every value from the store escaped (esc), no inline script or
// style (the content security policy forbids both), prompt text only for the investigator role.
import type { Reason } from "../contract/index.js";
import { esc } from "../outputs/index.js";
import type {
  AccountDetail,
  AccountQuery,
  AccountRow,
  CampaignDetail,
  DailyCount,
  Overview,
  ReviewedAccount,
  ReviewState,
} from "../store/index.js";
import type { Session } from "./auth.js";

/** Reasons whose detail quotes prompt text (a template's example), by signal. */
const PROMPT_TEXT_SIGNALS: ReadonlySet<string> = new Set(["campaign_scaffold"]);

/** A reason's detail with any quoted prompt text cut, for roles that may not read prompts. */
export function withoutPromptText(signal: string, detail: string, role: string): string {
  if (!PROMPT_TEXT_SIGNALS.has(signal)) return detail;
  const at = detail.indexOf(', e.g. "');
  return `${at < 0 ? detail : detail.slice(0, at)} (example prompt text hidden for the ${role} role)`;
}

const fmt = (v: number): string => v.toLocaleString("en-US");
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const accountHref = (a: string): string => `/accounts/${encodeURIComponent(a)}`;
const campaignHref = (c: string): string => `/campaigns/${encodeURIComponent(c)}`;

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
  points: readonly DailyCount[],
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

function reviewForm(
  s: Session,
  type: "account" | "campaign",
  id: string,
  latest: ReviewState | undefined,
): string {
  const status = latest
    ? `<p>Reviewed: <span class="badge ${esc(latest.decision)}">${esc(latest.decision)}ed</span> by ${esc(latest.analyst)} at ${esc(latest.when)}${latest.comment ? ` — “${esc(latest.comment)}”` : ""}</p>`
    : `<p class="muted">Not reviewed yet.</p>`;
  return `<h2>Review</h2>${status}<form class="review" method="post" action="/review">
<input type="hidden" name="csrf" value="${esc(s.csrf)}"><input type="hidden" name="target_type" value="${type}"><input type="hidden" name="target_id" value="${esc(id)}">
<label for="comment">Comment</label><textarea id="comment" name="comment" maxlength="2000" required></textarea>
<div><button class="confirm" type="submit" name="decision" value="confirm">Confirm ${type}</button> <button class="dismiss" type="submit" name="decision" value="dismiss">Dismiss ${type}</button></div></form>`;
}

export function overviewPage(q: Overview, s: Session): string {
  const t = q.totals;
  const share = t.exchanges > 0 ? t.flaggedExchanges / t.exchanges : 0;
  const cards = [
    [fmt(t.exchanges), "exchanges"],
    [fmt(t.accounts), "accounts"],
    [`${fmt(t.flagged)} (${pct(t.accounts > 0 ? t.flagged / t.accounts : 0)})`, "accounts flagged"],
    [pct(share), "of exchanges from flagged accounts"],
    [fmt(t.campaigns), "campaigns"],
    [q.reviews.map((r) => `${fmt(r.n)} ${esc(r.decision)}ed`).join(", ") || "none", "review decisions"],
  ]
    .map(([v, l]) => `<div class="card"><b>${v}</b><span>${l}</span></div>`)
    .join("");
  const rows = q.campaigns
    .map(
      (c) =>
        `<tr><td><a href="${campaignHref(c.campaignId)}">${esc(c.campaignId)}</a></td><td class="num">${fmt(c.accounts)}</td><td class="num">${fmt(c.exchanges)}</td><td>${esc(c.firstSeen)} – ${esc(c.lastSeen)}</td><td class="num">${c.confidence.toFixed(2)}</td><td>${c.decision ? `<span class="badge ${esc(c.decision)}">${esc(c.decision)}ed</span>` : `<span class="muted">open</span>`}</td></tr>`,
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
                `<tr><td>${esc(d.action)}</td><td>${d.acted ? "yes" : "no (dry run or allow)"}</td><td class="num">${fmt(d.n)}</td></tr>`,
            )
            .join("")}</tbody></table>`
    }
<h2>Traffic by campaign, per day</h2>${barChart(q.daily, "exchanges per day by campaign")}
<h2>Campaigns</h2><table><thead><tr><th scope="col">campaign</th><th scope="col" class="num">accounts</th><th scope="col" class="num">exchanges</th><th scope="col">seen</th><th scope="col" class="num">confidence</th><th scope="col">review</th></tr></thead><tbody>${rows || `<tr><td colspan="6" class="muted">No campaigns.</td></tr>`}</tbody></table>`,
  );
}

export function campaignPage(c: CampaignDetail, s: Session): string {
  const id = c.campaignId;
  const caps = Object.entries(c.capabilities).sort((a, b) => b[1] - a[1]);
  const capRows = caps
    .map(
      ([k, v]) =>
        `<tr><td>${esc(k)}</td><td class="num">${pct(v)}</td><td class="barcell"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect width="${(v * 100).toFixed(1)}" height="10" fill="#1f5fbf"/></svg></td></tr>`,
    )
    .join("");
  const prompts = s.role === "investigator";
  const indRows = c.indicators
    .filter((i) => i.kind !== "scaffold" && i.kind !== "near_scaffold")
    .map(
      (i) =>
        `<tr><td>${esc(i.kind)}</td><td class="mono">${esc(i.value)}</td><td class="num">${fmt(i.accounts)}</td><td class="num">${i.users === undefined ? "" : fmt(i.users)}</td></tr>`,
    )
    .join("");
  const scaffolds = c.indicators.filter((i) => i.kind === "scaffold" || i.kind === "near_scaffold");
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
  const ev = c.evidence
    .slice(0, 10)
    .map((e) => `<li><b>${esc(e.signal)}</b> (${e.weight.toFixed(2)}): ${esc(e.detail)}</li>`)
    .join("");
  const members = c.members
    .map(
      (m) =>
        `<tr><td><a href="${accountHref(m.accountId)}">${esc(m.accountId)}</a></td><td class="num">${m.risk.toFixed(3)}</td><td class="num">${fmt(m.exchanges)}</td></tr>`,
    )
    .join("");
  return page(
    `Campaign ${id}`,
    s,
    `<h1>Campaign ${esc(id)}</h1><div class="cards">
<div class="card"><b>${fmt(c.accounts)}</b><span>accounts</span></div><div class="card"><b>${fmt(c.exchanges)}</b><span>exchanges</span></div>
<div class="card"><b>${c.confidence.toFixed(2)}</b><span>confidence</span></div><div class="card"><b>${esc(c.firstSeen)}</b><span>first seen (UTC)</span></div><div class="card"><b>${esc(c.lastSeen)}</b><span>last seen (UTC)</span></div></div>
<h2>Strongest evidence</h2><ul>${ev || "<li class=muted>none</li>"}</ul>
<h2>Capabilities targeted</h2><table><tbody>${capRows}</tbody></table>
<h2>Volume per day, by model</h2>${barChart(
      c.daily,
      "campaign exchanges per day by model, model releases marked",
      c.releases.map((r) => ({ day: r.day, label: r.model })),
    )}
<h2>Linkage: accounts and the infrastructure they share</h2><div id="graph" data-src="${campaignHref(id)}/graph.json" role="img" aria-label="graph of the campaign's accounts and shared infrastructure"></div><div id="graph-legend" class="legend"></div><p id="graph-note" class="muted"></p>
<h2>Shared infrastructure (indicators)</h2><table><thead><tr><th scope="col">kind</th><th scope="col">value</th><th scope="col" class="num">campaign accounts</th><th scope="col" class="num">all accounts</th></tr></thead><tbody>${indRows || `<tr><td colspan="4" class="muted">none</td></tr>`}</tbody></table>
<h2>Prompt templates</h2>${scaffoldHtml}
<h2>Largest accounts</h2><table><thead><tr><th scope="col">account</th><th scope="col" class="num">risk</th><th scope="col" class="num">exchanges</th></tr></thead><tbody>${members}</tbody></table>
<p><a href="/accounts?campaign=${encodeURIComponent(id)}">All ${fmt(c.accounts)} accounts of this campaign</a></p>
${reviewForm(s, "campaign", id, c.review)}`,
  );
}

/** What the account's network table shows of all its addresses and agents. */
function infraNote(t: AccountDetail["infraTotal"], shown: number): string {
  const counts = `${fmt(t.ips)} source address${t.ips === 1 ? "" : "es"} and ${fmt(t.agents)} client agent${t.agents === 1 ? "" : "s"} in all`;
  return t.pairs > shown
    ? `The ${shown} busiest of ${fmt(t.pairs)} address and agent pairs; ${counts}.`
    : `${counts}.`;
}

export function accountsPage(
  q: AccountQuery,
  result: { readonly total: number; readonly rows: readonly AccountRow[] },
  s: Session,
): string {
  const { text: qText, campaign, flaggedOnly, sort, dir, page: pageNo } = q;
  const total = result.total;
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
  const rows = result.rows
    .map(
      (r) =>
        `<tr><td><a href="${accountHref(r.accountId)}">${esc(r.accountId)}</a></td><td class="num">${r.risk.toFixed(3)}</td><td>${r.flagged ? '<span class="badge flagged">flagged</span>' : ""}</td><td>${r.campaignId ? `<a href="${campaignHref(r.campaignId)}">${esc(r.campaignId)}</a>` : ""}</td><td class="num">${fmt(r.exchanges)}</td><td>${esc(r.lastSeen)}</td><td>${esc(r.strongest)}</td></tr>`,
    )
    .join("");
  const pages = Math.max(1, Math.ceil(total / q.pageSize));
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

export function accountPage(a: AccountDetail, s: Session): string {
  const id = a.accountId;
  const meta = a.meta;
  const signup = meta
    ? `<table><tbody>${(
        [
          ["signed up (UTC)", meta.createdAt],
          ["access pathway", meta.pathway],
          ["verified", meta.verified === null ? "" : meta.verified ? "yes" : "no"],
          ["declared country", meta.signupCountry],
          ["payment fingerprint", meta.paymentFingerprint],
          ["e-mail domain", meta.emailDomain],
          ["organisation", meta.orgId],
        ] as const
      )
        .map(([k, v]) => `<tr><th scope="row">${k}</th><td class="mono">${esc(v)}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="muted">No sign-up metadata in this store (analyze with --accounts to keep it).</p>`;
  const reasons: readonly Reason[] = a.reasons.map((r) =>
    s.role === "investigator" ? r : { ...r, detail: withoutPromptText(r.signal, r.detail, s.role) },
  );
  const infra = a.infra
    .map(
      (r) =>
        `<tr><td class="mono">${esc(r.ip)}</td><td>${esc(r.ipType)}</td><td>${esc(r.country)}</td><td>${esc(r.userAgent)}</td><td class="num">${fmt(r.n)}</td></tr>`,
    )
    .join("");
  return page(
    `Account ${id}`,
    s,
    `<h1>Account <span class="mono">${esc(id)}</span> ${a.flagged ? '<span class="badge flagged">flagged</span>' : ""}</h1>
<div class="cards"><div class="card"><b>${a.risk.toFixed(3)}</b><span>risk</span></div><div class="card"><b>${a.campaignId ? `<a href="${campaignHref(a.campaignId)}">${esc(a.campaignId)}</a>` : "—"}</b><span>campaign</span></div>
<div class="card"><b>${fmt(a.exchanges)}</b><span>exchanges</span></div><div class="card"><b>${fmt(a.sessions?.sessions ?? 0)}</b><span>sessions (30-minute gaps); longest ${fmt(a.sessions?.longest ?? 0)}</span></div>
<div class="card"><b>${esc(a.firstSeen)}</b><span>first seen (UTC)</span></div><div class="card"><b>${esc(a.firstFlaggedAt) || "—"}</b><span>first flagged (UTC)</span></div></div>
<h2>Reasons</h2><table><thead><tr><th scope="col">signal</th><th scope="col" class="num">weight</th><th scope="col">detail</th></tr></thead><tbody>${reasons.map((r) => `<tr><td>${esc(r.signal)}</td><td class="num">${r.weight.toFixed(2)}</td><td>${esc(r.detail)}</td></tr>`).join("") || `<tr><td colspan="3" class="muted">none</td></tr>`}</tbody></table>
<h2>Activity per day, by capability</h2>${barChart(a.daily, "account exchanges per day")}
<h2>Sign-up</h2>${signup}
<h2>Network and clients</h2><p class="muted">${infraNote(a.infraTotal, a.infra.length)}</p><table><thead><tr><th scope="col">address</th><th scope="col">type</th><th scope="col">country</th><th scope="col">user agent</th><th scope="col" class="num">exchanges</th></tr></thead><tbody>${infra}</tbody></table>
${reviewForm(s, "account", id, a.review)}`,
  );
}

/** Reviewed decisions as labels (the contract's labels format, plus the review). */
export function labelsFile(reviewed: readonly ReviewedAccount[]): string {
  return reviewed
    .map((r) =>
      JSON.stringify({
        account_id: r.accountId,
        population: r.decision === "confirm" ? "confirmed_campaign" : "dismissed",
        campaign: r.decision === "confirm" ? r.campaignId || null : null,
        review: { decision: r.decision, comment: r.comment, analyst: r.analyst, at: r.when },
      }),
    )
    .join("\n")
    .concat(reviewed.length > 0 ? "\n" : "");
}
