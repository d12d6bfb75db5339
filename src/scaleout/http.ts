// A worker's operations endpoints: /healthz (200 while its control loop runs, else 503)
// and /metrics (Prometheus text: partitions held, messages applied, commits, lost leases,
// linkage runs and their size, lag per partition). Read-only and loopback by default;
// they carry counts, never traffic or secrets.
import { createServer, type Server } from "node:http";
import { closeServer, listen, originOf } from "../http/index.js";
import type { ScaleoutWorker } from "./worker.js";

export interface WorkerHttp {
  readonly url: string;
  close(): Promise<void>;
}

export async function startWorkerHttp(
  worker: ScaleoutWorker,
  opts: { readonly host?: string; readonly port?: number } = {},
): Promise<WorkerHttp> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, "text/plain", "method not allowed\n");
    if (path === "/healthz") {
      const m = worker.metrics();
      return send(
        m.healthy ? 200 : 503,
        "application/json",
        `${JSON.stringify({ status: m.healthy ? "ok" : "starting or stalled", worker: m.id, partitions: m.partitions })}\n`,
      );
    }
    if (path === "/metrics") {
      return send(200, "text/plain; version=0.0.4", metricsText(worker));
    }
    send(404, "text/plain", "not found: /healthz or /metrics\n");
  });
  const a = await listen(server, opts.port ?? 0, opts.host ?? "127.0.0.1");
  return {
    url: originOf(a),
    close: () => closeServer(server),
  };
}

function metricsText(worker: ScaleoutWorker): string {
  const m = worker.metrics();
  const lag = worker.lag();
  const id = m.id.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  const lines = [
    "# HELP distillguard_worker_partitions Partitions this worker holds a lease on.",
    "# TYPE distillguard_worker_partitions gauge",
    `distillguard_worker_partitions{worker="${id}"} ${m.partitions.length}`,
    "# HELP distillguard_worker_messages_applied_total Stream messages applied by this worker's partitions.",
    "# TYPE distillguard_worker_messages_applied_total counter",
    `distillguard_worker_messages_applied_total{worker="${id}"} ${m.applied}`,
    "# HELP distillguard_worker_commits_total Partition commits (state and sequence in one transaction).",
    "# TYPE distillguard_worker_commits_total counter",
    `distillguard_worker_commits_total{worker="${id}"} ${m.commits}`,
    "# HELP distillguard_worker_lost_leases_total Partitions dropped because another worker took the lease.",
    "# TYPE distillguard_worker_lost_leases_total counter",
    `distillguard_worker_lost_leases_total{worker="${id}"} ${m.lostLeases}`,
    "# HELP distillguard_worker_input_issues_total Messages that failed the contract's checks.",
    "# TYPE distillguard_worker_input_issues_total counter",
    `distillguard_worker_input_issues_total{worker="${id}"} ${m.issues}`,
    "# HELP distillguard_linkage_runs_total Linkage runs by this worker (as leader).",
    "# TYPE distillguard_linkage_runs_total counter",
    `distillguard_linkage_runs_total{worker="${id}"} ${m.linkageRuns}`,
  ];
  if (m.lastLinkage)
    lines.push(
      "# HELP distillguard_linkage_last_seconds Duration of this worker's last linkage run.",
      "# TYPE distillguard_linkage_last_seconds gauge",
      `distillguard_linkage_last_seconds{worker="${id}"} ${(m.lastLinkage.ms / 1000).toFixed(3)}`,
      "# HELP distillguard_linkage_last_flagged Accounts flagged by the last linkage run.",
      "# TYPE distillguard_linkage_last_flagged gauge",
      `distillguard_linkage_last_flagged{worker="${id}"} ${m.lastLinkage.flagged}`,
    );
  lines.push(
    "# HELP distillguard_partition_lag Messages of a partition not yet applied and committed (-1: no consumer yet).",
    "# TYPE distillguard_partition_lag gauge",
  );
  for (const [p, n] of lag) lines.push(`distillguard_partition_lag{partition="${p}"} ${n ?? -1}`);
  return `${lines.join("\n")}\n`;
}
