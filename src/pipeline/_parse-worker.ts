// Worker-thread entry: parses batches of exchange lines for the analysis thread.
import { parentPort } from "node:worker_threads";
import type { Line } from "../contract/index.js";
import { parseExchangeLines } from "./_parse.js";

const port = parentPort;
if (port)
  port.on("message", (m: { seq: number; file: string; lines: Line[] }) => {
    port.postMessage({ seq: m.seq, batch: parseExchangeLines(m.file, m.lines) });
  });
