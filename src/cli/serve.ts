// distillguard serve --db FILE: the analyst dashboard.
import { existsSync } from "node:fs";
import { startDashboard } from "../ui/index.js";
import { defineCommand, PORT, stringOption, untilStopped } from "./_args.js";
import { CLIError } from "./_errors.js";

export const SERVE_USAGE = `usage: distillguard serve --db FILE [--port P] [--host H] [--analyst NAME] [--investigator]

The analyst dashboard over an analysis store (analyze --db, or a gateway's --db): overview,
campaigns with their linkage graph and evidence, accounts, and review (confirm or dismiss
a flag or a campaign; decisions are kept in the store, respected by later analyses and by
the gateway, and exported as labels at /labels.jsonl). Prints a one-time login link:
  dashboard: http://127.0.0.1:PORT/login?token=...

  --port P         listening port (default 8765; 0: any free port)
  --host H         listening address (default 127.0.0.1: this machine only)
  --analyst NAME   the name reviews are recorded under (default analyst)
  --investigator   the link's role may read prompt text (templates' samples); default: hidden`;

export const runServe = defineCommand({
  usage: SERVE_USAGE,
  positionals: "none",
  options: {
    db: { type: "string" },
    port: PORT,
    host: { type: "string" },
    analyst: { type: "string" },
    investigator: { type: "boolean" },
  },
  async run({ values }, io) {
    const db = stringOption(values.db);
    if (!db) throw new CLIError(`serve needs --db FILE\n${SERVE_USAGE}`, "E_USAGE");
    if (!existsSync(db))
      throw new CLIError(
        `--db: ${db}: no store there (make one with: npx distillguard analyze LOG --out DIR --db ${db})`,
        "E_INPUT_MISSING",
      );
    const d = await startDashboard({
      db,
      host: stringOption(values.host) ?? "127.0.0.1",
      port: values.port ?? 8765,
      role: values.investigator === true ? "investigator" : "analyst",
      analyst: stringOption(values.analyst) ?? "analyst",
      onError: (err) =>
        io.stderr.write(`serve: a page failed: ${err instanceof Error ? err.message : String(err)}\n`),
    });
    io.stdout.write(`dashboard: ${d.loginUrl}\n`);
    await untilStopped();
    await d.close();
    return 0;
  },
});
