// The analyst dashboard (`distillguard serve --db FILE`): overview, campaigns, accounts,
// evidence and review, rendered on the server from the store's typed results (one read-only
// open of the store per page; paging and aggregation happen in DuckDB, the browser gets one
// page). The routes are a hono app (app.ts, testable without a port); this file serves them.
// Signed in by default (a one-time login link), loopback by default.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { closeServer, fetchListener, listen, originOf } from "../http/index.js";
import { type DashboardStore, duckDbDashboard } from "../store/index.js";
import { createDashboardHandler } from "./app.js";
import { type Role, Sessions } from "./auth.js";

export interface DashboardOptions {
  /** the store file (DuckDB) */
  readonly db: string;
  /** another store behind the same interface (tests, a shared store); `db` is then not opened */
  readonly store?: DashboardStore;
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

/** cytoscape's browser build, from the installed package (nothing is fetched). */
export function cytoscapeBundle(): Buffer {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve("cytoscape/dist/cytoscape.min.js"));
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const now = o.now ?? Date.now;
  const store = o.store ?? duckDbDashboard(o.db);
  await store.prepare();
  const sessions = new Sessions(now);
  const app = createDashboardHandler({
    store,
    sessions,
    cytoscape: cytoscapeBundle(),
    now,
    ...(o.onError ? { onError: o.onError } : {}),
  });
  const serve = fetchListener(app.fetch);
  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      o.onError?.(err);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("dashboard error\n");
      } else res.destroy();
    });
  });
  const a = await listen(server, o.port ?? 0, o.host ?? "127.0.0.1");
  const url = originOf(a);
  const loginLink = (role: Role, analyst: string): string =>
    `${url}/login?token=${sessions.loginToken(role, analyst)}`;
  return {
    url,
    loginUrl: loginLink(o.role ?? "analyst", o.analyst ?? "analyst"),
    server,
    loginLink,
    close: () => closeServer(server),
  };
}
