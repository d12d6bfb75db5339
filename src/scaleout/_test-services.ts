// For tests that need the real services: NATS with JetStream and PostgreSQL on 127.0.0.1
// (default ports), started with the machine's own commands when they are not running
// (DEVELOPERS.md), and a fresh database per test file.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import postgres from "postgres";

export const NATS_URL = process.env.DISTILLGUARD_TEST_NATS ?? "nats://127.0.0.1:4222";
const PG_ADMIN = process.env.DISTILLGUARD_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitFor(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await listening(port)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Starts NATS (JetStream) and PostgreSQL when they are not listening; throws saying how when it cannot. */
export async function ensureServices(): Promise<void> {
  if (!(await listening(4222))) {
    execFileSync("start-stop-daemon", [
      "--start",
      "--oknodo",
      "--background",
      "--exec",
      "/usr/sbin/nats-server",
      "--",
      "-a",
      "127.0.0.1",
      "-p",
      "4222",
      "-js",
      "-sd",
      "/var/lib/nats-server",
      "-l",
      "/var/log/nats-server.log",
    ]);
    if (!(await waitFor(4222, 10_000)))
      throw new Error("NATS (JetStream) is not running on 127.0.0.1:4222 and did not start");
  }
  if (!(await listening(5432))) {
    const version = readdirSync("/etc/postgresql")[0] ?? "15";
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"]);
    if (!(await waitFor(5432, 15_000)))
      throw new Error("PostgreSQL is not running on 127.0.0.1:5432 and did not start");
  }
}

/** A new empty database; drop() removes it. */
export async function freshDatabase(tag: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dg_test_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const a = postgres(PG_ADMIN, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** A stream name and subject prefix no other test run uses. */
export function uniqueStream(tag: string): { stream: string; prefix: string } {
  const id = `${tag}${process.pid}${Math.random().toString(36).slice(2, 8)}`
    .toUpperCase()
    .replaceAll(/[^A-Z0-9]/g, "");
  return { stream: `DGT${id}`, prefix: `dgt${id.toLowerCase()}` };
}
