// The distillguard command: one thin file per subcommand. User mistakes (CLIError)
// print one line and exit 2; anything else is a bug and prints its stack.

import { ListenError } from "../http/index.js";
import { StoreOpenError } from "../store/index.js";
import type { Io } from "./_args.js";
import { CLIError, systemErrorLine } from "./_errors.js";
import { runAnalyze } from "./analyze.js";
import { runEval } from "./eval.js";
import { runGateway, runMockUpstream } from "./gateway.js";
import { runIntel } from "./intel.js";
import { runMark, runProtectExperiment, runVerifyModel, runVerifyTrace } from "./protect.js";
import { runQuery } from "./query.js";
import { runExport, runPublish, runReview, runWorker } from "./scaleout.js";
import { runSchema } from "./schema.js";
import { runServe } from "./serve.js";
import { runSimulate } from "./simulate.js";

export const USAGE = `distillguard: detect, attribute and stop distillation campaigns against an LLM API

usage: distillguard <command> [options]

commands:
  simulate   write a realistic simulated traffic log with ground truth
  analyze    find campaigns in a traffic log; write verdicts and a report
  eval       score verdicts against a scenario's ground truth
  query      ask an analysis store (analyze --db) a question in SQL
  gateway    a reverse proxy in front of an Anthropic- or OpenAI-compatible API (--demo to try it)
  mock-upstream  a mock model API (both APIs, streaming, tool use) for demos and tests
  schema     write or check the JSON Schemas of the traffic-log contract
  serve      the analyst dashboard over an analysis store (--db FILE)
  intel      STIX 2.1 export and import of campaigns, and a TAXII 2.1 server
  verify-trace   check the signatures on reasoning traces the gateway returned
  mark           mark texts with a cohort's watermark, as the gateway does (to test removers)
  verify-model   test a suspect model's outputs for our watermark
  protect-experiment  measure the watermark on students trained on marked outputs
  publish    publish a traffic log to the scale-out stream (NATS JetStream)
  worker     a scale-out worker: partitions of the stream into PostgreSQL, and the linkage job
  export     the verdict files from the scale-out store (PostgreSQL)
  review     record an analyst's decision in the scale-out store

Run 'distillguard <command> --help' for a command's options.`;

const COMMANDS: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = {
  simulate: runSimulate,
  analyze: runAnalyze,
  eval: runEval,
  query: runQuery,
  gateway: runGateway,
  "mock-upstream": runMockUpstream,
  schema: runSchema,
  intel: runIntel,
  serve: runServe,
  "verify-trace": runVerifyTrace,
  mark: runMark,
  "verify-model": runVerifyModel,
  "protect-experiment": runProtectExperiment,
  publish: runPublish,
  worker: runWorker,
  export: runExport,
  review: runReview,
};

export async function main(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "--version") {
      io.stdout.write("0.1.0\n");
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new CLIError(`unknown command "${command}"\n\n${USAGE}`, "E_UNKNOWN_COMMAND");
    return await run(rest, io);
  } catch (err) {
    if (err instanceof CLIError) {
      io.stderr.write(`distillguard: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ListenError || err instanceof StoreOpenError) {
      io.stderr.write(`distillguard: ${err.message}\n`);
      return 2;
    }
    const line = systemErrorLine(err);
    if (line !== undefined) {
      io.stderr.write(`distillguard: ${line}\n`);
      return 2;
    }
    throw err;
  }
}
