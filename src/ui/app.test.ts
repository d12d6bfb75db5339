// The dashboard's routes in-process (no port), over a store held in memory behind the
// DashboardStore interface: sign-in, CSRF and origin checks, the form size limit, methods,
// malformed paths, escaping of what the store holds, paging, and reviews written through the
// store. ui.test.ts runs the same server on a real port over DuckDB.
import { describe, expect, it } from "vitest";
import type { AccountQuery, DashboardStore, Review } from "../store/index.js";
import { createDashboardHandler, PAGE } from "./app.js";
import { Sessions } from "./auth.js";

const EVIL = `<img src=x onerror=alert(1)>`;

function memoryStore(): DashboardStore & { reviews: Review[]; queries: AccountQuery[] } {
  const reviews: Review[] = [];
  const queries: AccountQuery[] = [];
  const accounts = Array.from({ length: 120 }, (_, i) => ({
    accountId: i === 0 ? EVIL : `acct-${String(i).padStart(3, "0")}`,
    risk: i / 120,
    flagged: i > 100,
    campaignId: i > 100 ? "C001" : null,
    exchanges: i,
    lastSeen: "2026-02-03 10:00",
    strongest: "harvest_style",
  }));
  return {
    reviews,
    queries,
    prepare: async () => undefined,
    overview: async () => ({
      totals: { exchanges: 1000, accounts: 120, flagged: 19, campaigns: 1, flaggedExchanges: 400 },
      campaigns: [
        {
          campaignId: "C001",
          accounts: 19,
          exchanges: 400,
          firstSeen: "2026-02-01",
          lastSeen: "2026-02-03",
          confidence: 0.9,
          decision: null,
        },
      ],
      daily: [{ day: "2026-02-01", series: "C001", n: 400 }],
      reviews: [],
      decisions: [{ action: "block", acted: true, n: 3 }],
    }),
    campaign: async (id) =>
      id !== "C001"
        ? undefined
        : {
            campaignId: "C001",
            accounts: 19,
            exchanges: 400,
            firstSeen: "2026-02-01 00:00",
            lastSeen: "2026-02-03 10:00",
            confidence: 0.9,
            capabilities: { reasoning: 0.8 },
            indicators: [
              { kind: "payment_fingerprint", value: EVIL, accounts: 19, users: 19 },
              {
                kind: "scaffold",
                value: "abcdef0123456789",
                accounts: 19,
                example: "Solve step by step: 2+2",
              },
            ],
            evidence: [{ signal: "harvest_style", detail: EVIL, weight: 2 }],
            daily: [],
            releases: [],
            members: [{ accountId: EVIL, risk: 0.9, exchanges: 40 }],
            review: undefined,
          },
    campaignSignatures: async () => [
      { accounts: 19, examples: ["acct-101"], values: [{ kind: "payment_fingerprint", value: "card" }] },
    ],
    accounts: async (q) => {
      queries.push(q);
      const rows = accounts.filter((a) => a.accountId.includes(q.text) && (!q.flaggedOnly || a.flagged));
      return { total: rows.length, rows: rows.slice((q.page - 1) * q.pageSize, q.page * q.pageSize) };
    },
    account: async (id) => {
      const a = accounts.find((x) => x.accountId === id);
      return a === undefined
        ? undefined
        : {
            ...a,
            firstFlaggedAt: "",
            firstSeen: "2026-02-01 00:00",
            reasons: [
              {
                signal: "campaign_scaffold",
                detail: 'shares a template with 18 accounts, e.g. "Solve step by step"',
                weight: 1,
              },
            ],
            daily: [],
            sessions: undefined,
            infra: [],
            infraTotal: { ips: 0, agents: 0, pairs: 0 },
            meta: undefined,
            review: undefined,
          };
    },
    reviewedAccounts: async () =>
      reviews
        .filter((r) => r.targetType === "account")
        .map((r) => ({
          accountId: r.targetId,
          decision: r.decision,
          comment: r.comment,
          analyst: r.analyst,
          when: "2026-02-04 00:00",
          campaignId: "C001",
        })),
    reviewTargets: async (type, id) =>
      accounts
        .filter((a) => (type === "campaign" ? a.campaignId === id : a.accountId === id))
        .map((a) => ({
          accountId: a.accountId,
          reasons: [{ signal: "harvest_style", detail: "", weight: 1 }],
        })),
    addReview: async (r) => {
      reviews.push(r);
    },
  };
}

function setup(): {
  app: ReturnType<typeof createDashboardHandler>;
  store: ReturnType<typeof memoryStore>;
  sessions: Sessions;
  errors: unknown[];
} {
  const store = memoryStore();
  const sessions = new Sessions(() => Date.UTC(2026, 1, 4));
  const errors: unknown[] = [];
  const app = createDashboardHandler({
    store,
    sessions,
    cytoscape: "/* cytoscape */",
    now: () => Date.UTC(2026, 1, 4),
    onError: (e) => errors.push(e),
  });
  return { app, store, sessions, errors };
}

const HOST = "http://dash.test";

async function signIn(
  app: ReturnType<typeof createDashboardHandler>,
  sessions: Sessions,
  role: "analyst" | "investigator" = "analyst",
): Promise<{ cookie: string; get: (p: string) => Promise<Response>; csrf: () => Promise<string> }> {
  const r = await app.request(`${HOST}/login?token=${sessions.loginToken(role, "alice")}`);
  expect(r.status).toBe(303);
  const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const get = (p: string): Promise<Response> =>
    Promise.resolve(app.request(`${HOST}${p}`, { headers: { cookie } }));
  return {
    cookie,
    get,
    csrf: async () => /name="csrf" value="([^"]+)"/.exec(await (await get("/")).text())?.[1] ?? "",
  };
}

describe("dashboard routes, in-process", () => {
  it("asks for a session everywhere but the assets and the login link, which works once", async () => {
    const { app, sessions } = setup();
    for (const p of ["/", "/accounts", "/accounts/acct-001", "/campaigns/C001", "/labels.jsonl"])
      expect((await app.request(`${HOST}${p}`)).status).toBe(401);
    expect((await app.request(`${HOST}/assets/app.css`)).status).toBe(200);
    expect(await (await app.request(`${HOST}/assets/cytoscape.min.js`)).text()).toBe("/* cytoscape */");
    const token = sessions.loginToken("analyst", "alice");
    expect((await app.request(`${HOST}/login?token=${token}`)).status).toBe(303);
    expect((await app.request(`${HOST}/login?token=${token}`)).status).toBe(401);
    const r = await app.request(`${HOST}/`);
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
  });

  it("escapes what the store holds and hides prompt text from analysts", async () => {
    const { app, sessions } = setup();
    const analyst = await signIn(app, sessions);
    const c = await (await analyst.get("/campaigns/C001")).text();
    expect(c).not.toContain("<img src=x");
    expect(c).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(c).toContain("prompt text hidden for the analyst role");
    const a = await (await analyst.get(`/accounts/${encodeURIComponent(EVIL)}`)).text();
    expect(a).not.toContain("<img src=x");
    expect(a).toContain("example prompt text hidden for the analyst role");
    const investigator = await signIn(app, sessions, "investigator");
    expect(await (await investigator.get("/campaigns/C001")).text()).toContain("Solve step by step: 2+2");
    const graph = (await (await analyst.get("/campaigns/C001/graph.json")).json()) as { accounts: number };
    expect(graph.accounts).toBe(19);
    expect((await analyst.get("/campaigns/C404")).status).toBe(404);
    expect((await analyst.get("/accounts/nobody")).status).toBe(404);
  });

  it("pages the accounts list with bounded, closed-list parameters", async () => {
    const { app, sessions, store } = setup();
    const s = await signIn(app, sessions);
    const p2 = await (await s.get("/accounts?page=2&sort=drop%20table&dir=sideways")).text();
    expect(p2).toContain(`page 2 of ${Math.ceil(120 / PAGE)}`);
    expect(store.queries.at(-1)).toMatchObject({ page: 2, sort: "risk", dir: "desc", pageSize: PAGE });
    await s.get("/accounts?page=999999999999&sort=exchanges&dir=asc&flagged=1");
    expect(store.queries.at(-1)).toMatchObject({
      page: 1_000_000,
      sort: "exchanges",
      dir: "asc",
      flaggedOnly: true,
    });
  });

  it("takes reviews only with the session's CSRF token, from the same origin, under the size limit", async () => {
    const { app, sessions, store } = setup();
    const s = await signIn(app, sessions);
    const csrf = await s.csrf();
    const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
      Promise.resolve(
        app.request(`${HOST}/review`, {
          method: "POST",
          headers: {
            cookie: s.cookie,
            host: "dash.test",
            "content-type": "application/x-www-form-urlencoded",
            ...headers,
          },
          body,
        }),
      );
    const good = `csrf=${csrf}&target_type=campaign&target_id=C001&decision=confirm&comment=ok`;
    expect((await post(good.replace(csrf, "wrong"))).status).toBe(403);
    expect((await post(good, { origin: "http://evil.example" })).status).toBe(403);
    expect((await post(`${good}&pad=${"x".repeat(70_000)}`)).status).toBe(403);
    expect(store.reviews).toHaveLength(0);
    expect((await post(good.replace("C001", "C404"))).status).toBe(400);
    const r = await post(good, { origin: "http://dash.test" });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/campaigns/C001");
    // the campaign and each of its 19 accounts, with the evidence the decision was made on
    expect(store.reviews.filter((x) => x.targetType === "campaign")).toHaveLength(1);
    expect(store.reviews.filter((x) => x.targetType === "account")).toHaveLength(19);
    expect(store.reviews.find((x) => x.targetType === "account")?.evidence).toBe("harvest_style");
    const labels = (await (await s.get("/labels.jsonl")).text()).trim().split("\n");
    expect(labels).toHaveLength(19);
    expect(JSON.parse(labels[0] ?? "{}")).toMatchObject({
      population: "confirmed_campaign",
      campaign: "C001",
    });
  });

  it("answers methods, malformed escapes and store failures without a stack trace", async () => {
    const { app, sessions, store, errors } = setup();
    const s = await signIn(app, sessions);
    const del = await app.request(`${HOST}/`, { method: "DELETE", headers: { cookie: s.cookie } });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("GET, POST");
    expect((await s.get("/accounts/%E0%A4%A")).status).toBe(400);
    expect((await s.get("/campaigns/%E0%A4%A")).status).toBe(400);
    store.overview = () => Promise.reject(new Error("store gone"));
    const r = await s.get("/");
    expect(r.status).toBe(500);
    expect(await r.text()).toBe("dashboard error\n");
    expect(errors).toHaveLength(1);
  });
});
