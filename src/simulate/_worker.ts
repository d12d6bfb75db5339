// Worker-thread entry: runs one partition and answers the driver's requests for hours.
import { parentPort, workerData } from "node:worker_threads";
import { Partition, type WorldSpec } from "./_partition.js";

type Request = { readonly type: "hour"; readonly hour: number } | { readonly type: "stop" };

const port = parentPort;
if (port) {
  const { spec, index } = workerData as { spec: WorldSpec; index: number };
  const logs: string[] = [];
  const partition = new Partition(spec, index, (m) => logs.push(m));
  port.postMessage({
    type: "accounts",
    accounts: partition.accounts(),
    logs,
    source: partition.corpus.source,
  });
  port.on("message", (req: Request) => {
    if (req.type === "stop") {
      port.close();
      return;
    }
    const out = partition.hour(req.hour);
    port.postMessage({ type: "hour", out }, [
      out.ts.buffer as ArrayBuffer,
      out.offsets.buffer as ArrayBuffer,
      out.bytes.buffer as ArrayBuffer,
    ]);
  });
}
