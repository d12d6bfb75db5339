// report.html: an analyst's page, self-contained (inline CSS and SVG, no network),
// with each campaign's capabilities, indicators, evidence, timeline and linkage
// graph, and the table of flagged accounts with their reasons.

import type { Edge } from "../campaigns/index.js";
import type { Campaign } from "../contract/index.js";
import type { DecisionView } from "../verdicts/index.js";
import { esc } from "./html.js";
import type { CampaignOf } from "./verdicts.js";

export interface ReportInput {
  readonly title: string;
  readonly generatedAt: string;
  readonly inputs: readonly string[];
  readonly exchanges: number;
  readonly issues: string;
  readonly threshold: number;
  readonly campaigns: readonly Campaign[];
  readonly decisions: ReadonlyMap<string, DecisionView>;
  /** the campaign each account is in, from assembly */
  readonly campaignOf: CampaignOf;
  readonly edges: readonly Edge[];
}

const DAY = 86_400_000;

function timeline(members: readonly DecisionView[]): string {
  const perDay = new Map<number, number>();
  for (const m of members)
    for (const [day, n] of m.profile.days.entries()) perDay.set(day, (perDay.get(day) ?? 0) + n);
  if (perDay.size === 0) return "";
  const days = [...perDay.keys()].sort((a, b) => a - b);
  const first = days[0] ?? 0;
  const span = (days[days.length - 1] ?? first) - first + 1;
  const max = Math.max(...perDay.values());
  const w = 640;
  const h = 90;
  const bw = w / span;
  const bars = days
    .map((d) => {
      const v = perDay.get(d) ?? 0;
      const bh = (v / max) * (h - 20);
      const label = new Date(d * DAY).toISOString().slice(0, 10);
      return `<rect x="${((d - first) * bw).toFixed(1)}" y="${(h - 14 - bh).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}"><title>${label}: ${v} exchanges</title></rect>`;
    })
    .join("");
  const from = new Date(first * DAY).toISOString().slice(0, 10);
  const to = new Date((first + span - 1) * DAY).toISOString().slice(0, 10);
  return `<svg class="timeline" viewBox="0 0 ${w} ${h}" role="img" aria-label="exchanges per day">${bars}<text x="0" y="${h - 2}">${from}</text><text x="${w}" y="${h - 2}" text-anchor="end">${to}</text></svg>`;
}

/** A campaign card draws its first this many accounts (and the edges among them). */
export const GRAPH_NODES = 120;

function graph(members: readonly DecisionView[], edges: readonly Edge[]): string {
  const shown = members.slice(0, GRAPH_NODES).map((m) => m.profile.id);
  const pos = new Map<string, [number, number]>();
  const r = 150;
  shown.forEach((id, i) => {
    const a = (2 * Math.PI * i) / shown.length;
    pos.set(id, [170 + r * Math.cos(a), 170 + r * Math.sin(a)]);
  });
  const lines: string[] = [];
  const kinds = new Map<string, number>();
  for (const e of edges) {
    const pa = pos.get(e.a);
    const pb = pos.get(e.b);
    if (!pa || !pb) continue;
    kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    if (lines.length < 4000)
      lines.push(
        `<line class="k-${esc(e.kind)}" x1="${pa[0].toFixed(1)}" y1="${pa[1].toFixed(1)}" x2="${pb[0].toFixed(1)}" y2="${pb[1].toFixed(1)}"><title>${esc(e.kind)}: ${esc(e.value)}</title></line>`,
      );
  }
  const dots = shown
    .map((id) => {
      const [x, y] = pos.get(id) ?? [0, 0];
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4"><title>${esc(id)}</title></circle>`;
    })
    .join("");
  const legend = [...kinds.entries()]
    .map(([k, n]) => `<span class="k-${esc(k)}">${esc(k)} (${n})</span>`)
    .join(" ");
  const more = members.length > shown.length ? ` (first ${shown.length} of ${members.length} accounts)` : "";
  return `<svg class="graph" viewBox="0 0 340 340" role="img" aria-label="linkage graph">${lines.join("")}${dots}</svg><p class="legend">links: ${legend || "none"}${more}</p>`;
}

function campaignCard(c: Campaign, input: ReportInput): string {
  const members = c.accounts.flatMap((a) => {
    const d = input.decisions.get(a);
    return d ? [d] : [];
  });
  const caps = Object.entries(c.capabilities)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([k, v]) =>
        `<div class="bar"><span>${esc(k)}</span><i style="width:${(v * 100).toFixed(1)}%"></i><b>${(v * 100).toFixed(1)}%</b></div>`,
    )
    .join("");
  const indicators = c.indicators
    .slice(0, 15)
    .map(
      (i) =>
        `<tr><td>${esc(i.kind)}</td><td><code>${esc(i.value)}</code>${typeof i.example === "string" ? `<br><small>${esc(i.example)}</small>` : ""}</td><td>${i.accounts}</td></tr>`,
    )
    .join("");
  const evidence = c.evidence
    .slice(0, 8)
    .map((e) => `<li><b>${esc(e.signal)}</b> (${e.weight.toFixed(2)}): ${esc(e.detail)}</li>`)
    .join("");
  const ids = new Set(c.accounts);
  const edges = input.edges.filter((e) => ids.has(e.a) && ids.has(e.b));
  return `<section class="campaign" id="${esc(c.campaign_id)}">
<h2>${esc(c.campaign_id)} <small>${c.accounts.length} accounts · ${c.exchanges} exchanges · confidence ${c.confidence.toFixed(2)}</small></h2>
<p>${esc(c.first_seen ?? "?")} → ${esc(c.last_seen ?? "?")}</p>
<div class="cols"><div><h3>Capabilities targeted</h3>${caps || "<p>none</p>"}
<h3>Evidence</h3><ol>${evidence}</ol>
<h3>Indicators</h3><table><tr><th>kind</th><th>value</th><th>accounts</th></tr>${indicators}</table></div>
<div><h3>Timeline</h3>${timeline(members)}<h3>Linkage</h3>${graph(members, edges)}</div></div>
</section>`;
}

export function renderReport(input: ReportInput): string {
  const flagged = [...input.decisions.values()].filter((d) => d.flagged).sort((a, b) => b.risk - a.risk);
  const rows = flagged
    .slice(0, 5000)
    .map((d) => {
      const campaign = input.campaignOf.get(d.profile.id);
      return `<tr><td><code>${esc(d.profile.id)}</code></td><td>${d.risk.toFixed(3)}</td><td>${campaign ? `<a href="#${esc(campaign)}">${esc(campaign)}</a>` : ""}</td><td>${d.firstFlaggedAt ? new Date(d.firstFlaggedAt).toISOString() : ""}</td><td>${d.profile.n}</td><td>${d.reasons
        .slice(0, 4)
        .map((r) => `<b>${esc(r.signal)}</b> ${esc(r.detail)}`)
        .join("<br>")}</td></tr>`;
    })
    .join("\n");
  const cards = input.campaigns.map((c) => campaignCard(c, input)).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(input.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1rem 2rem;color:#1d2430}
h1{font-size:1.5rem}h2{border-top:2px solid #ccd;padding-top:.8rem}h2 small{font-weight:normal;color:#667}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e6ee;padding:3px 6px;text-align:left;vertical-align:top}
code{font-size:12px}.cols{display:grid;grid-template-columns:1fr 1fr;gap:2rem}
.bar{display:grid;grid-template-columns:10rem 1fr 4rem;align-items:center;gap:.5rem}.bar i{display:block;height:10px;background:#4a6fd1}
svg.timeline{width:100%;height:auto}svg.timeline rect{fill:#4a6fd1}svg text{font-size:10px;fill:#667}
svg.graph{width:100%;max-width:420px}svg.graph line{stroke:#bbb;stroke-width:.6}svg.graph circle{fill:#c0392b}
.k-payment_fingerprint{stroke:#c0392b!important;color:#c0392b}.k-signup_ip{stroke:#8e44ad!important;color:#8e44ad}.k-scaffold{stroke:#27ae60!important;color:#27ae60}
.legend span{margin-right:1rem}#filter{margin:.5rem 0;padding:4px;width:20rem}
</style></head><body>
<h1>${esc(input.title)}</h1>
<p>Generated ${esc(input.generatedAt)} from ${input.inputs.map((i) => `<code>${esc(i)}</code>`).join(", ")}: ${input.exchanges} exchanges, ${input.decisions.size} accounts, ${flagged.length} flagged at risk ≥ ${input.threshold}, ${input.campaigns.length} campaigns. ${esc(input.issues)}</p>
<nav>${input.campaigns.map((c) => `<a href="#${esc(c.campaign_id)}">${esc(c.campaign_id)}</a>`).join(" · ")}</nav>
${cards}
<h2>Flagged accounts</h2>
<input id="filter" placeholder="filter by account, campaign or reason">
<table id="accounts"><thead><tr><th>account</th><th>risk</th><th>campaign</th><th>first flagged</th><th>exchanges</th><th>reasons</th></tr></thead><tbody>
${rows}
</tbody></table>${flagged.length > 5000 ? `<p>First 5000 of ${flagged.length} flagged accounts; all are in accounts.jsonl.</p>` : ""}
<script>
document.getElementById("filter").addEventListener("input",function(e){var q=e.target.value.toLowerCase();document.querySelectorAll("#accounts tbody tr").forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?"none":""})});
</script>
</body></html>
`;
}
