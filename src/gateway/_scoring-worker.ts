// Worker-thread entry: owns the gateway's LiveScorer (detector, linkage, store) so that
// checkpoints, linkage and saves never run on the thread that serves requests. Protocol
// in scoring-thread.ts.
import { parentPort, workerData } from "node:worker_threads";
import type { ExchangeRecord } from "../contract/index.js";
import type { ToScorer, WorkerInit } from "./_scoring-protocol.js";
import { LiveScorer } from "./scoring.js";
import type { Signup } from "./signup.js";

const port = parentPort;
if (port) {
  const init = workerData as WorkerInit;
  const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
  LiveScorer.open({
    ...init.options,
    onStandings: (updates) => port.postMessage({ t: "standings", updates }),
    onCampaigns: (campaignOf) => port.postMessage({ t: "campaigns", campaignOf }),
    onError: (what, err) => port.postMessage({ t: "error", what, message: message(err) }),
  }).then(
    (scorer) => {
      port.on("message", (m: ToScorer) => {
        if (m.t === "lines") {
          for (const d of m.decisions ?? []) scorer.decided(d.action, d.acted, d.hour, d.n);
          for (const line of m.lines) {
            try {
              scorer.observe(JSON.parse(line) as ExchangeRecord);
            } catch (err) {
              port.postMessage({ t: "error", what: "observe", message: message(err) });
            }
          }
          return;
        }
        const reply = (p: Promise<unknown>): void => {
          p.then(
            (value) => port.postMessage({ t: "result", id: m.id, value }),
            (err: unknown) => port.postMessage({ t: "result", id: m.id, error: message(err) }),
          );
        };
        switch (m.op) {
          case "checkpoint":
            return reply(scorer.checkpoint());
          case "link":
            return reply(scorer.link());
          case "save":
            return reply(scorer.save());
          case "signup":
            return reply(scorer.signupRisk(m.arg as Signup, new Set(m.regions ?? [])));
          case "close":
            return reply(scorer.close());
        }
      });
      port.postMessage({ t: "ready", observed: scorer.detector.profiles.size });
    },
    (err: unknown) => port.postMessage({ t: "failed", message: message(err) }),
  );
}
