// Request bodies in, JSON answers out (shared by the gateway and the mock upstream).
import type { IncomingMessage, ServerResponse } from "node:http";

/** Answers with a JSON body (and its length), plus any extra header fields. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Bytes of request bodies held at once, across requests: a body is charged as it arrives
 * and released when its request is done, so that many concurrent large bodies are refused
 * rather than exhausting memory (each costs several times its size while parsed and logged).
 */
export class ByteBudget {
  used = 0;

  constructor(readonly limit: number) {}

  /** Charges n bytes if they fit. */
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}

/** How reading a body ended: the body (with the bytes charged to the budget), too large, or no room. */
export type BodyRead =
  | { readonly kind: "body"; readonly body: Buffer; readonly charged: number }
  | { readonly kind: "too_large" }
  | { readonly kind: "busy" };

/**
 * The whole body, unless it passes `limit` bytes or the shared `budget` has no room for it
 * (the rest is drained). Whoever gets a body gives `charged` back to the budget when done.
 */
export function readBodyWithin(req: IncomingMessage, limit: number, budget?: ByteBudget): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let charged = 0;
    let over = false;
    const stop = (kind: "too_large" | "busy"): void => {
      over = true;
      chunks.length = 0;
      budget?.give(charged);
      charged = 0;
      resolve({ kind });
    };
    req.on("data", (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) stop("too_large");
      else if (budget && !budget.take(c.length)) stop("busy");
      else {
        if (budget) charged += c.length;
        chunks.push(c);
      }
    });
    req.on("end", () => {
      if (!over) resolve({ kind: "body", body: Buffer.concat(chunks), charged });
    });
    req.on("error", (e) => {
      budget?.give(charged);
      reject(e);
    });
  });
}

/** The whole body, or undefined once it passes `limit` bytes (the rest is drained). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const r = await readBodyWithin(req, limit);
  return r.kind === "body" ? r.body : undefined;
}
