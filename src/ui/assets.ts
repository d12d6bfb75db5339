// The dashboard's own stylesheet and script, served from /assets/ (no inline code, so the
// content security policy can forbid it; nothing is loaded from the internet).

export const CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #d8dde6; --bg: #f6f7f9; --accent: #1f5fbf; --bad: #b3261e; --ok: #1e7b34; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px; z-index: 9; }
header.top { background: #162033; color: #fff; padding: 10px 20px; display: flex; gap: 20px; align-items: center; }
header.top a { color: #fff; text-decoration: none; } header.top nav { display: flex; gap: 16px; }
header.top .who { margin-left: auto; color: #c8d0e0; font-size: 13px; }
main { max-width: 1200px; margin: 0 auto; padding: 18px 20px 60px; }
h1 { font-size: 22px; margin: 6px 0 14px; } h2 { font-size: 17px; margin: 26px 0 10px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
.card b { display: block; font-size: 22px; } .card span { color: var(--muted); font-size: 13px; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); font-size: 14px; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e8ecf2; }
.badge.flagged { background: #fbe3e1; color: var(--bad); } .badge.confirm { background: #dff3e4; color: var(--ok); } .badge.dismiss { background: #eee; color: var(--muted); }
td.barcell { width: 50%; } svg.bar { width: 100%; height: 10px; display: block; }
form.inline { display: inline; }
svg.chart { background: #fff; border: 1px solid var(--line); width: 100%; height: 180px; }
#graph { background: #fff; border: 1px solid var(--line); height: 520px; }
form.review { background: #fff; border: 1px solid var(--line); padding: 12px; display: grid; gap: 8px; max-width: 640px; }
form.review textarea { min-height: 60px; font: inherit; }
button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button.confirm { background: var(--bad); color: #fff; border-color: var(--bad); } button.dismiss { background: #fff; }
.muted { color: var(--muted); } .pager { display: flex; gap: 12px; margin: 10px 0; align-items: center; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.legend span { margin-right: 14px; font-size: 13px; }
`;

/**
 * The campaign graph (graph.ts): fetched as JSON, drawn with cytoscape (served from
 * /assets/). Labels show on hover or selection only, so they never pile up; the legend
 * names each kind by its colour. The drawn graph is window.dgGraph (for the browser test).
 */
export const JS = `
(function () {
  var el = document.getElementById("graph");
  if (!el || typeof cytoscape === "undefined") return;
  fetch(el.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (g) {
      var cy = cytoscape({
        container: el,
        elements: g.nodes.map(function (n) { return { data: n }; }).concat(g.edges.map(function (e) { return { data: e }; })),
        style: [
          { selector: "node", style: { "background-color": "data(color)", width: "data(size)", height: "data(size)", label: "", "font-size": 12, color: "#222", "text-background-color": "#fff", "text-background-opacity": 0.9, "text-background-padding": 2, "text-wrap": "ellipsis", "text-max-width": 260, "text-valign": "top", "text-margin-y": -4 } },
          { selector: "node.hover, node:selected", style: { label: "data(label)", "z-index": 10, "border-width": 2, "border-color": "#f0b400" } },
          { selector: "edge", style: { width: 1, "line-color": "#c3cad6", opacity: 0.7 } }
        ],
        layout: g.nodes.length > 300
          ? { name: "concentric", concentric: function (n) { return n.data("kind") === "account" || n.data("kind") === "accounts" ? 1 : 2; }, minNodeSpacing: 6, animate: false }
          : { name: "cose", animate: false, nodeRepulsion: 8000, idealEdgeLength: 60, padding: 20 }
      });
      cy.on("mouseover", "node", function (ev) { ev.target.addClass("hover"); });
      cy.on("mouseout", "node", function (ev) { ev.target.removeClass("hover"); });
      cy.on("tap", "node", function (ev) {
        var href = ev.target.data("href");
        if (href) window.location.href = href;
      });
      window.dgGraph = cy;
      var legend = document.getElementById("graph-legend");
      if (legend) legend.innerHTML = g.legend.map(function (k) {
        return '<span data-kind="' + k.kind + '"><svg width="10" height="10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill="' + k.color + '"/></svg> ' + k.label + '</span>';
      }).join("");
      var note = document.getElementById("graph-note");
      if (note) note.textContent = g.accounts + " accounts" + (g.grouped ? " drawn as groups that share the same values" : "") + ", " + (g.nodes.length) + " nodes, " + g.edges.length + " edges; hover a node for its label, click an account to open it";
    });
})();
`;
