// The gateway's Prometheus metrics (prom-client, one registry per gateway: no global
// state): requests by API and status, policy decisions by action, upstream errors, and
// latency histograms (whole request, and the time to the upstream's response headers,
// which for a stream is its time to first byte).
import { Counter, Histogram, Registry } from "prom-client";

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "distillguard_gateway_requests_total",
    help: "Requests answered, by API route and HTTP status",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: "distillguard_gateway_decisions_total",
    help: "Policy decisions, by action and whether they were acted on (not in a dry run)",
    labelNames: ["action", "acted"] as const,
    registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({
    name: "distillguard_gateway_upstream_errors_total",
    help: "Upstream failures: connection errors, timeouts, streams cut mid-way",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly clientAborts = new Counter({
    name: "distillguard_gateway_client_aborts_total",
    help: "Exchanges the client hung up on before the answer's end (logged and scored with truncated: client_aborted)",
    labelNames: ["route"] as const,
    registers: [this.registry],
  });
  readonly logFailures = new Counter({
    name: "distillguard_gateway_log_failures_total",
    help: "Exchanges whose record could not be written to the log or handed to the scorer",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly overloaded = new Counter({
    name: "distillguard_gateway_overloaded_total",
    help: "Requests answered 503 because the request bodies held at once reached max_buffered_bytes",
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "distillguard_gateway_request_duration_seconds",
    help: "Time from a request's arrival to the end of its answer",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly firstByte = new Histogram({
    name: "distillguard_gateway_upstream_headers_seconds",
    help: "Time from a request's arrival to the upstream's response headers (a stream's first byte)",
    labelNames: ["route"] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
