// Serving a fetch-style handler (a hono app's `fetch`) from node:http: the request becomes a
// web Request (its body streamed), the Response is written back whole. The dashboard, the
// TAXII server and the gateway's admin routes answer small bodies, so buffering the answer is
// fine. Not @hono/node-server: it replaces the process's global Request and Response, and the
// gateway, which serves its proxy path from the same process, needs neither.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A node:http listener answering with `fetch`; a rejection is the caller's to report. */
export function fetchListener(
  fetch: FetchHandler,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const method = req.method ?? "GET";
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const init: RequestInit & { duplex?: "half" } = { method, headers };
    if (method !== "GET" && method !== "HEAD") {
      init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
      init.duplex = "half";
    }
    // the URL's origin is not the client's to choose: handlers read the Host field if they need it
    const answer = await fetch(new Request(`http://localhost${req.url ?? "/"}`, init));
    const body = Buffer.from(await answer.arrayBuffer());
    const out: Record<string, string | string[]> = {};
    answer.headers.forEach((v, k) => {
      if (k !== "set-cookie") out[k] = v;
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length > 0) out["set-cookie"] = cookies;
    out["content-length"] = String(body.length);
    res.writeHead(answer.status, out);
    res.end(method === "HEAD" ? undefined : body);
  };
}

/** A web request's body as text, or undefined once it passes `limit` bytes (the rest is not read). */
export async function readBodyText(req: Request, limit: number): Promise<string | undefined> {
  if (req.body === null) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
