// The gateway's HTTP server: a reverse proxy for Anthropic Messages, OpenAI Chat
// Completions and the models list, streaming included, serving createGatewayHandler
// (handler.ts) on a port. It authenticates the caller with a gateway key (kept as a SHA-256
// hash), swaps it for the upstream's key, works out the client address, and passes the
// upstream's answer through as it arrives: status, end-to-end headers, body and event order.
// Hop-by-hop headers are dropped in both directions (RFC 9110 §7.6.1). A client that goes
// away cancels the upstream request.
import { createServer, type Server } from "node:http";
import { closeServer, listen, originOf } from "../http/index.js";
import { apiError } from "./answers.js";
import { createGatewayHandler } from "./handler.js";
import type { GatewayMetrics } from "./metrics.js";
import type { GatewayConfig } from "./types.js";

export interface Gateway {
  readonly url: string;
  readonly server: Server;
  readonly metrics: GatewayMetrics;
  close(): Promise<void>;
}

export async function startGateway(
  config: GatewayConfig,
  opts: { host?: string; port?: number } = {},
): Promise<Gateway> {
  const handler = createGatewayHandler(config);
  const server = createServer((req, res) => {
    handler.handle(req, res).catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const route = (req.url ?? "").split("?")[0] ?? "";
      if (config.onError) config.onError(e, route);
      else process.stderr.write(`gateway: ${req.method ?? ""} ${route} failed: ${e.message}\n`);
      if (!res.headersSent) apiError(res, "openai", 500, "api_error", "gateway error");
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const addr = await listen(server, opts.port ?? 0, opts.host ?? "127.0.0.1");
  return {
    url: originOf(addr),
    server,
    metrics: handler.metrics,
    close: async () => {
      await closeServer(server);
      await handler.close();
    },
  };
}
