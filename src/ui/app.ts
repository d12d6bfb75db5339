// The dashboard's routes as a hono app over a DashboardStore: testable in-process with
// `app.request()`, served on a port by startDashboard (server.ts). Signed in by default (a
// one-time login link exchanged for an HttpOnly, SameSite=Strict cookie), same-origin and the
// session's CSRF token on every form, security headers on every answer.
import { Hono } from "hono";
import { decodeSegment, readBodyText } from "../http/index.js";
import type { AccountQuery, AccountSort, DashboardStore } from "../store/index.js";
import { ACCOUNT_SORTS } from "../store/index.js";
import { CSS, JS } from "./assets.js";
import { csrfOk, type Session, type Sessions } from "./auth.js";
import { INDIVIDUAL_MAX, linkageGraph, VALUE_KINDS } from "./graph.js";
import { accountPage, accountsPage, campaignPage, labelsFile, overviewPage } from "./pages.js";

export interface DashboardHandlerOptions {
  readonly store: DashboardStore;
  /** sign-in: login links and sessions */
  readonly sessions: Sessions;
  /** cytoscape's browser build, served at /assets/cytoscape.min.js */
  readonly cytoscape: Uint8Array | string;
  readonly now?: () => number;
  /** a page failed (the client sees a 500) */
  readonly onError?: (err: unknown) => void;
}

/** Accounts per page of the accounts list. */
export const PAGE = 50;
/** The most a form may send (bytes). */
const FORM_MAX = 64 * 1024;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // same-origin (not no-referrer): with no-referrer, browsers send "Origin: null" on our own forms
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cache-control": "no-store",
};

const TEXT = "text/plain; charset=utf-8";
const HTML = "text/html; charset=utf-8";

type Env = { Variables: { session: Session; form: URLSearchParams } };

/** The path segment at `index` as sent, percent-decoded; undefined if its escapes are malformed. */
function segment(url: string, index: number): string | undefined {
  return decodeSegment(new URL(url).pathname.split("/")[index] ?? "");
}

/** The body as a form, or undefined past FORM_MAX bytes. */
async function readForm(req: Request): Promise<URLSearchParams | undefined> {
  const text = await readBodyText(req, FORM_MAX);
  return text === undefined ? undefined : new URLSearchParams(text);
}

export function createDashboardHandler(o: DashboardHandlerOptions): Hono<Env> {
  const now = o.now ?? Date.now;
  const { store, sessions } = o;
  const app = new Hono<Env>();
  const text = (status: 200 | 303 | 400 | 401 | 403 | 404 | 405, body: string, headers = {}): Response =>
    new Response(body, { status, headers: { "content-type": TEXT, ...headers } });
  const html = (body: string | undefined): Response =>
    body === undefined
      ? text(404, "not found\n")
      : new Response(body, { status: 200, headers: { "content-type": HTML } });

  app.use(async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
  });
  app.onError((err) => {
    o.onError?.(err);
    return new Response("dashboard error\n", { status: 500, headers: { "content-type": "text/plain" } });
  });
  app.notFound(() => text(404, "not found\n"));

  // assets and sign-in need no session
  app.get(
    "/assets/app.css",
    () =>
      new Response(CSS, {
        headers: { "content-type": "text/css; charset=utf-8", "cache-control": "max-age=3600" },
      }),
  );
  app.get(
    "/assets/app.js",
    () => new Response(JS, { headers: { "content-type": "text/javascript; charset=utf-8" } }),
  );
  app.get(
    "/assets/cytoscape.min.js",
    () => new Response(o.cytoscape, { headers: { "content-type": "text/javascript; charset=utf-8" } }),
  );
  app.get(
    "/favicon.ico",
    () => new Response(null, { status: 204, headers: { "content-type": "image/x-icon" } }),
  );
  app.get("/login", (c) => {
    const s = sessions.login(c.req.query("token") ?? "");
    if (!s) return text(401, "This login link is not valid (used already, or expired). Ask for a new one.\n");
    return text(303, "", {
      location: "/",
      "set-cookie": `dg_session=${s.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`,
    });
  });

  // everything else: a session
  app.use(async (c, next) => {
    const s = sessions.fromCookie(c.req.header("cookie"));
    if (!s) return text(401, "Sign in with the login link that 'distillguard serve' printed.\n");
    c.set("session", s);
    if (c.req.method === "POST") {
      // forms come from our own pages: same origin, and the session's CSRF token
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== `http://${c.req.header("host")}`)
        return text(403, "cross-site request refused\n");
      const form = await readForm(c.req.raw);
      if (!form || !csrfOk(s, form.get("csrf") ?? undefined))
        return text(403, "missing or wrong CSRF token\n");
      c.set("form", form);
    } else if (c.req.method !== "GET" && c.req.method !== "HEAD")
      return text(405, "method not allowed\n", { allow: "GET, POST" });
    await next();
  });

  app.post("/logout", (c) => {
    sessions.logout(c.get("session"));
    return new Response("", {
      status: 303,
      headers: { location: "/login", "set-cookie": "dg_session=; Max-Age=0; Path=/" },
    });
  });
  app.post("/review", async (c) => {
    const back = await review(store, c.get("session"), c.get("form"), now());
    if (!back) return text(400, "not a review of a known account or campaign\n");
    return new Response("", { status: 303, headers: { location: back } });
  });

  app.get("/", async (c) => html(overviewPage(await store.overview(), c.get("session"))));
  app.get("/campaigns", () => text(303, "", { location: "/#campaigns" }));
  app.get("/accounts", async (c) => {
    const q = accountQuery(new URL(c.req.url).searchParams);
    return html(accountsPage(q, await store.accounts(q), c.get("session")));
  });
  app.get(
    "/labels.jsonl",
    async () =>
      new Response(labelsFile(await store.reviewedAccounts()), {
        headers: {
          "content-type": "application/x-ndjson; charset=utf-8",
          "content-disposition": 'attachment; filename="labels.jsonl"',
        },
      }),
  );
  app.get("/campaigns/:id{[^/]{1,64}}/graph.json", async (c) => {
    const id = segment(c.req.url, 2);
    if (id === undefined) return text(400, "bad request: malformed percent-escape in the path\n");
    const drawn = VALUE_KINDS.map((k) => k.kind);
    const signatures = await store.campaignSignatures(id, drawn, INDIVIDUAL_MAX);
    return c.json(linkageGraph(signatures, (a) => `/accounts/${encodeURIComponent(a)}`));
  });
  app.get("/campaigns/:id{[^/]{1,64}}", async (c) => {
    const id = segment(c.req.url, 2);
    if (id === undefined) return text(400, "bad request: malformed percent-escape in the path\n");
    const found = await store.campaign(id);
    return html(found && campaignPage(found, c.get("session")));
  });
  app.get("/accounts/:id{[^/]{1,200}}", async (c) => {
    const id = segment(c.req.url, 2);
    if (id === undefined) return text(400, "bad request: malformed percent-escape in the path\n");
    const found = await store.account(id);
    return html(found && accountPage(found, c.get("session")));
  });
  return app;
}

/** The accounts list's query from the page's URL parameters (bounded, closed lists). */
function accountQuery(p: URLSearchParams): AccountQuery {
  const sortParam = p.get("sort") ?? "risk";
  const sort: AccountSort = (ACCOUNT_SORTS as readonly string[]).includes(sortParam)
    ? (sortParam as AccountSort)
    : "risk";
  return {
    text: (p.get("q") ?? "").slice(0, 100),
    campaign: p.get("campaign") ?? "",
    flaggedOnly: p.get("flagged") === "1",
    sort,
    dir: p.get("dir") === "asc" ? "asc" : "desc",
    page: Math.max(1, Math.min(1_000_000, Math.floor(Number(p.get("page") ?? 1)) || 1)),
    pageSize: PAGE,
  };
}

/** Records a review; a campaign's review is also recorded for each of its accounts. */
async function review(
  store: DashboardStore,
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
  const targets = await store.reviewTargets(type, id);
  if (targets.length === 0) return undefined;
  const base = { decision, comment, analyst: s.analyst, at: now } as const;
  if (type === "campaign")
    await store.addReview({ ...base, targetType: "campaign", targetId: id, evidence: "" });
  for (const a of targets)
    await store.addReview({
      ...base,
      targetType: "account",
      targetId: a.accountId,
      evidence: [...new Set(a.reasons.map((x) => x.signal))].sort().join(","),
    });
  return type === "campaign" ? `/campaigns/${encodeURIComponent(id)}` : `/accounts/${encodeURIComponent(id)}`;
}
