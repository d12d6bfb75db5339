// The scale-out commands' user mistakes: a clear line and exit 2, never a stack trace, and
// never a password from a connection URL.
import { describe, expect, it } from "vitest";
import { captureIo } from "./_test-io.js";
import { main } from "./main.js";

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIo();
  const code = await main(argv, c.io);
  return { code, ...c.text() };
}

describe("publish, worker and export: user mistakes", () => {
  it("asks for what is missing", async () => {
    const w = await run(["worker", "--nats", "nats://127.0.0.1:4222"]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--pg URL is required/);
    const p = await run(["publish", "some-dir"]);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/no such file|--nats URL is required/);
    const e = await run(["export", "--out", "x"]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/needs --pg URL and --out DIR/);
  });

  it("rejects bad partition counts and stream names before connecting", async () => {
    const r = await run([
      "worker",
      "--nats",
      "nats://127.0.0.1:4222",
      "--pg",
      "postgres://x@127.0.0.1/db",
      "--partitions",
      "0",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--partitions must be a whole number from 1 to 1024/);
    const s = await run([
      "worker",
      "--nats",
      "nats://127.0.0.1:4222",
      "--pg",
      "postgres://x@127.0.0.1/db",
      "--stream",
      "a.b>",
    ]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--stream: letters, digits/);
  });

  it("says which service it cannot reach, without the password", async () => {
    // nothing listens on port 1
    const r = await run([
      "export",
      "--pg",
      "postgres://dg:hunter2secret@127.0.0.1:1/db",
      "--out",
      "/tmp/dg-none",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot use PostgreSQL at postgres:\/\/dg:\*\*\*@127\.0\.0\.1:1\/db/);
    expect(r.stderr).not.toContain("hunter2secret");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const n = await run(["publish", "package.json", "--nats", "nats://127.0.0.1:1"]);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/cannot use NATS JetStream at nats:\/\/127\.0\.0\.1:1/);
  });
});
