// The analyst dashboard, end to end in headless Chromium (Debian's /usr/bin/chromium with
// playwright-core; skipped where it is not installed), and its security over plain HTTP.
// The browser test saves a screenshot (JPEG) of each view to a temporary folder, or to
// DISTILLGUARD_SCREENSHOTS_DIR: `npm run screenshots` refreshes docs/screenshots/ for the README
// (a test run never changes tracked files).
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CampaignsFile, VerdictAccount } from "../contract/index.js";
import { LiveScorer } from "../gateway/index.js";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { type Dashboard, startDashboard } from "./index.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = process.env.DISTILLGUARD_SCREENSHOTS_DIR ?? mkdtempSync(join(tmpdir(), "dg-shots-"));
let dir: string;
let db: string;
let dash: Dashboard;
let campaigns: CampaignsFile;

const inputs = (): { exchanges: string; accounts: string; events: string } => ({
  exchanges: join(dir, "s/exchanges.jsonl"),
  accounts: join(dir, "s/accounts.jsonl"),
  events: join(dir, "s/events.jsonl"),
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dg-ui-"));
  db = join(dir, "run.duckdb");
  await simulate({ out: join(dir, "s"), seed: 3, scale: 0.05, days: 5, workers: false });
  await analyze({ inputs: inputs(), out: join(dir, "a"), db, threads: 0, report: false });
  campaigns = JSON.parse(readFileSync(join(dir, "a/campaigns.json"), "utf8")) as CampaignsFile;
  // a gateway on the same store saves its policy decisions there
  const gw = await LiveScorer.open({
    checkpointEveryMs: 0,
    linkEveryMs: 0,
    store: { path: db, saveEveryMs: 0 },
  });
  for (const [action, acted] of [
    ["block", true],
    ["allow", false],
    ["allow", false],
    ["protect", false],
  ] as const)
    gw.decided(action, acted, Date.UTC(2026, 1, 3, 10));
  await gw.close();
  dash = await startDashboard({ db, analyst: "alice" });
}, 120_000);

afterAll(async () => {
  await dash?.close();
});

/** A fetch with the session cookie a login link gives. */
async function session(link: string): Promise<{ cookie: string; get: (p: string) => Promise<Response> }> {
  const r = await fetch(link, { redirect: "manual" });
  expect(r.status).toBe(303);
  const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0] as string;
  return { cookie, get: (p) => fetch(`${dash.url}${p}`, { headers: { cookie }, redirect: "manual" }) };
}

describe("dashboard security", () => {
  it("needs a login, uses each login link once, sets security headers", async () => {
    expect((await fetch(`${dash.url}/`)).status).toBe(401);
    const link = dash.loginLink("analyst", "bob");
    const s = await session(link);
    expect((await fetch(link, { redirect: "manual" })).status).toBe(401);
    const r = await s.get("/");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await r.text();
    expect(html).not.toMatch(/<script>|style="/);
    // the gateway's decisions by action
    const decisions = /Gateway decisions by action<\/h2>([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(decisions).toMatch(/<td>allow<\/td><td>no[^<]*<\/td><td class="num">2<\/td>/);
    expect(decisions).toMatch(/<td>block<\/td><td>yes<\/td><td class="num">1<\/td>/);
  });

  it("refuses reviews without the session's CSRF token or from another origin", async () => {
    const s = await session(dash.loginLink("analyst", "bob"));
    const id = campaigns.campaigns[0]?.campaign_id as string;
    const post = (body: string, origin?: string): Promise<Response> =>
      fetch(`${dash.url}/review`, {
        method: "POST",
        headers: {
          cookie: s.cookie,
          "content-type": "application/x-www-form-urlencoded",
          ...(origin ? { origin } : {}),
        },
        body,
        redirect: "manual",
      });
    expect((await post(`target_type=campaign&target_id=${id}&decision=confirm&comment=x`)).status).toBe(403);
    const html = await (await s.get(`/campaigns/${id}`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    expect(
      (
        await post(
          `csrf=${csrf}&target_type=campaign&target_id=${id}&decision=confirm&comment=x`,
          "http://evil.example",
        )
      ).status,
    ).toBe(403);
    expect(
      (await post(`csrf=${csrf}&target_type=campaign&target_id=NOPE&decision=confirm&comment=x`)).status,
    ).toBe(400);
  });

  it("marks model releases on a campaign's volume and shows an account's sign-up metadata", async () => {
    const s = await session(dash.loginLink("analyst", "bob"));
    const events = readFileSync(join(dir, "s/events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; model?: string; ts: string });
    const c0 = campaigns.campaigns[0];
    // a release inside the campaign's span (the chart marks the days it has traffic)
    const release = events.find(
      (e) => e.type === "model_release" && e.ts >= (c0?.first_seen ?? "") && e.ts <= (c0?.last_seen ?? ""),
    )?.model as string;
    expect(release).toBeTruthy();
    const c = await (await s.get(`/campaigns/${campaigns.campaigns[0]?.campaign_id}`)).text();
    expect(c).toContain(`${release} released`);
    const meta = readFileSync(join(dir, "s/accounts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { account_id: string; pathway: string; signup_country?: string });
    const who = meta.find((m) =>
      campaigns.campaigns[0]?.accounts.includes(m.account_id),
    ) as (typeof meta)[number];
    const a = await (await s.get(`/accounts/${who.account_id}`)).text();
    expect(a).toContain("<h2>Sign-up</h2>");
    expect(a).toContain(`>${who.pathway}<`);
    // the network table says how much of the account's infrastructure it shows
    expect(a).toMatch(/\d+ source address(es)? and \d+ client agents? in all\./);
    // charts carry a y-axis: gridline values down to 0
    expect(c).toMatch(/<text x="58" y="160(\.0)?" dy="4" font-size="12" text-anchor="end">0<\/text>/);
    // the linkage graph counts the campaign's accounts and draws the values they share
    const g = (await (
      await s.get(`/campaigns/${campaigns.campaigns[0]?.campaign_id}/graph.json`)
    ).json()) as {
      accounts: number;
      nodes: { kind: string }[];
      legend: { kind: string }[];
    };
    expect(g.accounts).toBe(campaigns.campaigns[0]?.accounts.length);
    expect(g.nodes.some((n) => n.kind !== "account" && n.kind !== "accounts")).toBe(true);
    expect(g.legend.length).toBeGreaterThanOrEqual(2);
  });

  it("shows prompt text to investigators only", async () => {
    const withTemplates = campaigns.campaigns.find((c) =>
      c.indicators.some((i) => i.kind === "scaffold" && i.example),
    );
    if (!withTemplates) throw new Error("the scenario has no campaign with prompt templates");
    const sample = withTemplates.indicators
      .find((i) => i.kind === "scaffold" && i.example)
      ?.example?.slice(0, 30) as string;
    const analyst = await session(dash.loginLink("analyst", "bob"));
    const a = await (await analyst.get(`/campaigns/${withTemplates.campaign_id}`)).text();
    expect(a).toContain("prompt text hidden for the analyst role");
    const investigator = await session(dash.loginLink("investigator", "carol"));
    const i = await (await investigator.get(`/campaigns/${withTemplates.campaign_id}`)).text();
    expect(i).not.toContain("prompt text hidden");
    expect(
      i
        .replaceAll("&quot;", '"')
        .replaceAll("&#39;", "'")
        .replaceAll("&amp;", "&")
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">"),
    ).toContain(sample);
    // an account's reasons quote templates too: cut for the analyst, whole for the investigator
    const accounts = readFileSync(join(dir, "a", "accounts.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as VerdictAccount);
    const quoting = accounts.find((v) => v.reasons.some((r) => r.signal === "campaign_scaffold"));
    if (!quoting) throw new Error("the scenario has no account with a campaign_scaffold reason");
    const detail = quoting.reasons.find((r) => r.signal === "campaign_scaffold")?.detail ?? "";
    const quoted = detail.slice(detail.indexOf(', e.g. "') + 8, detail.indexOf(', e.g. "') + 38);
    expect(quoted.length).toBeGreaterThan(10);
    const unescapeHtml = (t: string): string =>
      t
        .replaceAll("&quot;", '"')
        .replaceAll("&#39;", "'")
        .replaceAll("&amp;", "&")
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">");
    const asAnalyst = unescapeHtml(
      await (await analyst.get(`/accounts/${encodeURIComponent(quoting.account_id)}`)).text(),
    );
    expect(asAnalyst).toContain("example prompt text hidden for the analyst role");
    expect(asAnalyst).not.toContain(quoted);
    const asInvestigator = unescapeHtml(
      await (await investigator.get(`/accounts/${encodeURIComponent(quoting.account_id)}`)).text(),
    );
    expect(asInvestigator).toContain(quoted);
  });

  it("answers a malformed percent-escape in a path with 400, not a server error", async () => {
    const s = await session(dash.loginLink("analyst", "bob"));
    expect((await s.get("/accounts/%E0%A4%A")).status).toBe(400);
    expect((await s.get("/campaigns/%E0%A4%A")).status).toBe(400);
  });
});

describe.skipIf(!existsSync(CHROMIUM))(
  "dashboard in Chromium (needs Debian's chromium at /usr/bin/chromium: apt-get install chromium)",
  () => {
    it("logs in, opens a campaign, reads its evidence, confirms it and sees the decision; screenshots each view", async () => {
      mkdirSync(SHOTS, { recursive: true });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        /** the whole page as docs/screenshots/NAME.jpg (a temporary folder unless `npm run screenshots`) */
        const shot = (name: string): Promise<Buffer> =>
          page.screenshot({ path: join(SHOTS, `${name}.jpg`), fullPage: true, type: "jpeg", quality: 70 });
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        await page.goto(dash.loginUrl);
        await page.waitForSelector("h1:has-text('Overview')");
        // keyboard: the first Tab reaches the skip link
        await page.keyboard.press("Tab");
        expect(await page.evaluate("document.activeElement && document.activeElement.textContent")).toBe(
          "Skip to content",
        );
        await shot("overview");
        const top = campaigns.campaigns[0]?.campaign_id as string;
        await page.click(`a[href='/campaigns/${top}']`);
        await page.waitForSelector("#graph canvas");
        await page.waitForFunction(
          "(document.getElementById('graph-note')?.textContent ?? '').includes('nodes')",
        );
        // the graph: a legend that names each kind drawn, no label until a node is hovered
        // (labels cannot pile up), and a hovered node's label, alone
        const legend = await page.locator("#graph-legend span").allTextContents();
        expect(legend.length).toBeGreaterThanOrEqual(2);
        expect(legend.join(" ")).toMatch(/account/);
        const graph = (await page.evaluate(`(() => {
          const nodes = window.dgGraph.nodes();
          const kinds = new Set();
          let labelled = 0;
          nodes.forEach((n) => {
            kinds.add(n.data("kind"));
            if (n.style("label") !== "") labelled++;
          });
          return { nodes: nodes.length, labelled, kinds: [...kinds] };
        })()`)) as { nodes: number; labelled: number; kinds: string[] };
        expect(graph.nodes).toBeGreaterThan(2);
        expect(graph.labelled).toBe(0);
        // every kind drawn is in the legend
        const legendKinds = await page
          .locator("#graph-legend span")
          .evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
        for (const k of graph.kinds) expect(legendKinds).toContain(k);
        // hovering a node shows its label, and only its
        const hovered = (await page.evaluate(`(() => {
          const n = window.dgGraph.nodes()[0];
          n.emit("mouseover");
          let labelled = 0;
          window.dgGraph.nodes().forEach((m) => { if (m.style("label") !== "") labelled++; });
          const label = n.style("label");
          n.emit("mouseout");
          return { labelled, label };
        })()`)) as { labelled: number; label: string };
        expect(hovered.labelled).toBe(1);
        expect(hovered.label.length).toBeGreaterThan(0);
        const evidence = await page.locator("h2:has-text('Strongest evidence') + ul li").allTextContents();
        expect(evidence.length).toBeGreaterThan(2);
        expect(evidence.join(" ")).toContain(campaigns.campaigns[0]?.evidence[0]?.signal as string);
        await shot("campaign");
        await page.fill("#comment", "Same template and infrastructure across the accounts; confirmed.");
        await page.click("button:has-text('Confirm campaign')");
        await page.waitForSelector("text=Reviewed:");
        expect(await page.textContent("form.review ~ p, main")).toContain("confirmed by alice");
        // the decision shows in the overview and in the labels export
        await page.click("nav >> text=Overview");
        expect(await page.textContent(`tr:has(a[href='/campaigns/${top}'])`)).toContain("confirmed");
        const labels = await (await page.request.get(`${dash.url}/labels.jsonl`)).text();
        const lines = labels
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { account_id: string; population: string; campaign: string });
        expect(lines.length).toBe(campaigns.campaigns[0]?.accounts.length);
        expect(lines.every((l) => l.population === "confirmed_campaign" && l.campaign === top)).toBe(true);
        // an account page and the account table, sorted by exchanges
        await page.goto(`${dash.url}/accounts?flagged=1`);
        await page.click("th >> text=exchanges");
        await shot("accounts");
        const first = await page.locator("tbody tr td a").first().getAttribute("href");
        await page.goto(`${dash.url}${first}`);
        await page.waitForSelector("h2:has-text('Reasons')");
        await shot("account");
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 120_000);
  },
);

describe("reviews are respected", () => {
  it("by a later analysis and by the gateway: a dismissed account is not flagged again on the same evidence", async () => {
    const s = await session(dash.loginLink("analyst", "dave"));
    const flagged = campaigns.campaigns.at(-1)?.accounts[0] as string;
    const html = await (await s.get(`/accounts/${flagged}`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    const r = await fetch(`${dash.url}/review`, {
      method: "POST",
      headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: `csrf=${csrf}&target_type=account&target_id=${flagged}&decision=dismiss&comment=known+research+partner`,
      redirect: "manual",
    });
    expect(r.status).toBe(303);
    await analyze({ inputs: inputs(), out: join(dir, "b"), db, threads: 0, report: false });
    const verdicts = new Map(
      readFileSync(join(dir, "b/accounts.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as VerdictAccount)
        .map((v) => [v.account_id, v]),
    );
    expect(verdicts.get(flagged)?.flagged).toBe(false);
    expect(verdicts.get(flagged)?.reasons.map((x) => x.signal)).toContain("analyst_dismissed");
    const others = campaigns.campaigns.at(-1)?.accounts.slice(1) ?? [];
    expect(others.every((a) => verdicts.get(a)?.flagged)).toBe(true);
    // the gateway, continuing from the store, leaves the dismissed account alone
    const live = await LiveScorer.open({
      checkpointEveryMs: 0,
      linkEveryMs: 0,
      store: { path: db, saveEveryMs: 0 },
    });
    try {
      expect(live.standing(flagged)?.flagged).toBe(false);
      expect(live.standing(others[0] as string)?.flagged).toBe(true);
    } finally {
      await live.close();
    }
  }, 120_000);
});
