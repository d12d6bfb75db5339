// Forwarding one request upstream (undici's dispatcher interface) and streaming the answer
// to the client as it arrives: the gateway's hot path.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher, Pool } from "undici";
import type { BodyTransform } from "../protection/index.js";
import type { Capture } from "./capture.js";
import { clientHeaders } from "./headers.js";

/** How a forwarded request ended. */
export type Outcome =
  | { readonly kind: "done"; readonly status: number; readonly capture: Capture | undefined }
  /**
   * the client went away; the upstream request was cancelled. `status` is 0 when it went
   * before the answer began; otherwise part of the answer (captured) had been sent
   */
  | { readonly kind: "aborted"; readonly status: number; readonly capture: Capture | undefined }
  /** no answer from the upstream (nothing was sent to the client) */
  | { readonly kind: "failed"; readonly error: Error }
  /** the upstream's answer broke off part-way (or stalled past the time limit); the client's connection was ended */
  | {
      readonly kind: "cut";
      readonly status: number;
      readonly capture: Capture | undefined;
      readonly timedOut: boolean;
    };

/**
 * Forwards one request with undici's dispatcher interface and streams the answer to the
 * client as it arrives: no stream objects, pipelines or abort controllers per request,
 * and a small non-streamed answer leaves in one write (headers and body together; an
 * event stream's headers are sent at once). The client's back-pressure pauses the
 * upstream; the client going away aborts it. `onStart` sees the status and headers and
 * may return a capture, given every body chunk as sent, and a transform that rewrites the
 * body (output protection).
 */
export function forward(
  pool: Pool,
  request: { path: string; method: "GET" | "POST"; headers: Record<string, string>; body: Buffer | null },
  res: ServerResponse,
  onStart: (
    status: number,
    headers: IncomingHttpHeaders,
  ) => { capture: Capture | undefined; transform: BodyTransform | undefined },
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let gone = false;
    let started = false;
    let status = 0;
    let capture: Capture | undefined;
    let transform: BodyTransform | undefined;
    const send = (c: Dispatcher.DispatchController, bytes: Buffer): void => {
      if (bytes.length === 0) return;
      capture?.push(bytes);
      if (!res.write(bytes)) {
        c.pause();
        res.once("drain", () => c.resume());
      }
    };
    const onClose = (): void => {
      if (res.writableFinished || gone) return;
      gone = true;
      controller?.abort(new Error("the client closed the connection"));
    };
    res.once("close", onClose);
    pool.dispatch(request, {
      onRequestStart(c) {
        controller = c;
        if (gone) c.abort(new Error("the client closed the connection"));
      },
      onResponseStart(_c, statusCode, headers) {
        if (statusCode < 200) return; // informational: not passed on
        started = true;
        status = statusCode;
        ({ capture, transform } = onStart(statusCode, headers));
        const out = clientHeaders(headers);
        // a rewritten body has a length of its own
        if (transform) delete out["content-length"];
        res.writeHead(statusCode, out);
        if (String(headers["content-type"] ?? "").startsWith("text/event-stream")) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        send(c, transform ? transform.push(chunk) : chunk);
      },
      onResponseEnd(c) {
        if (transform) send(c, transform.end());
        res.end();
        resolve({ kind: "done", status, capture });
      },
      onResponseError(_c, error) {
        if (gone) resolve({ kind: "aborted", status: started ? status : 0, capture });
        else if (!started) resolve({ kind: "failed", error });
        else {
          res.destroy();
          const code = (error as { code?: string }).code;
          resolve({ kind: "cut", status, capture, timedOut: code === "UND_ERR_BODY_TIMEOUT" });
        }
      },
    });
  });
}
