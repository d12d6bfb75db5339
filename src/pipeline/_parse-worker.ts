// Worker-thread entry: decodes and parses blocks of exchange lines for the analysis thread.
import { parentPort } from "node:worker_threads";
import type { LineBlock } from "../contract/index.js";
import { parseExchangeBlock } from "./_parse.js";

const port = parentPort;
if (port)
  port.on("message", (m: { seq: number; file: string; block: LineBlock }) => {
    port.postMessage({ seq: m.seq, batch: parseExchangeBlock(m.file, m.block) });
  });
