// The gateway's Prometheus metrics (prom-client, one registry per gateway: no global
// state): requests by API and status, policy decisions by action, upstream errors, and
// latency histograms (whole request, and the time to the upstream's response headers,
// which for a stream is its time to first byte), and the request thread's event-loop delay
// (perf_hooks.monitorEventLoopDelay: how long a ready callback waited for the thread).
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Sampling resolution of the event-loop delay monitor (ms). */
const LOOP_RESOLUTION_MS = 10;
/** Quantiles of the event-loop delay reported per scrape. */
const LOOP_QUANTILES = [0.5, 0.99, 0.999, 1] as const;

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

  /** the request thread's event-loop delay since the last scrape (reset by each scrape) */
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  /** the largest delay since the gateway started (s), kept across scrapes */
  private loopMaxEver = 0;
  readonly loopDelay = new Gauge({
    name: "distillguard_gateway_event_loop_delay_seconds",
    help: "Event-loop delay of the request thread since the last scrape, by quantile (1 = the largest); reset by each scrape",
    labelNames: ["quantile"] as const,
    registers: [this.registry],
  });
  readonly loopDelayMax = new Gauge({
    name: "distillguard_gateway_event_loop_delay_max_seconds",
    help: "Largest event-loop delay of the request thread since the gateway started",
    registers: [this.registry],
  });
  readonly loopSamples = new Gauge({
    name: "distillguard_gateway_event_loop_delay_samples",
    help: "Event-loop delay samples taken since the last scrape",
    registers: [this.registry],
  });

  constructor() {
    this.loop.enable();
  }

  /** Prometheus text; the event-loop delay covers the time since the previous scrape, which it resets. */
  async text(): Promise<string> {
    const h = this.loop;
    // the monitor records the whole interval between its timer's runs, the resolution
    // included: the delay is what exceeds it. An empty histogram reports zero.
    const late = (ns: number): number =>
      h.count === 0 ? 0 : Math.max(0, ns - LOOP_RESOLUTION_MS * 1e6) / 1e9;
    for (const quantile of LOOP_QUANTILES)
      this.loopDelay.set(
        { quantile: String(quantile) },
        late(quantile === 1 ? h.max : h.percentile(quantile * 100)),
      );
    this.loopMaxEver = Math.max(this.loopMaxEver, late(h.max));
    this.loopDelayMax.set(this.loopMaxEver);
    this.loopSamples.set(h.count);
    h.reset();
    return this.registry.metrics();
  }

  /** stops the event-loop monitor */
  close(): void {
    this.loop.disable();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
