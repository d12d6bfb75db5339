// distillguard intel from the command line: export from a store, validate, import into
// another store; a hostile bundle is refused with exit 1 and nothing imported.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { analyze } from "../pipeline/index.js";
import { simulate } from "../simulate/index.js";
import { queryStore } from "../store/index.js";
import { captureIo } from "./_test-io.js";
import { main } from "./index.js";

const io = captureIo;

const BIN = new URL("../../bin/distillguard.js", import.meta.url).pathname;

afterEach(() => {
  delete process.env.DISTILLGUARD_INTEL_KEY;
});

describe("distillguard intel", () => {
  it("exports a store's campaigns, validates the bundle, imports it into another store; refuses a hostile one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dg-intel-cli-"));
    await simulate({ out: join(dir, "s"), seed: 4, scale: 0.04, days: 4, workers: false });
    await analyze({
      inputs: { exchanges: join(dir, "s/exchanges.jsonl"), accounts: join(dir, "s/accounts.jsonl") },
      out: join(dir, "a"),
      db: join(dir, "a.duckdb"),
      threads: 0,
      report: false,
    });
    const bundle = join(dir, "bundle.json");
    let t = io();
    expect(await main(["intel", "export", "--db", join(dir, "a.duckdb"), "--out", bundle], t.io)).toBe(2);
    expect(t.text().stderr).toContain("DISTILLGUARD_INTEL_KEY");
    process.env.DISTILLGUARD_INTEL_KEY = "an-agreed-key-of-some-length";
    t = io();
    expect(
      await main(["intel", "export", "--db", join(dir, "a.duckdb"), "--out", bundle, "--tlp", "green"], t.io),
    ).toBe(0);
    expect(t.text().stderr).toMatch(/\d+ campaigns, \d+ indicators/);
    const fromDir = join(dir, "bundle-dir.json");
    expect(await main(["intel", "export", "--in", join(dir, "a"), "--out", fromDir], io().io)).toBe(0);
    const ids = (f: string): string[] =>
      (JSON.parse(readFileSync(f, "utf8")) as { objects: { type: string; id: string }[] }).objects
        .filter((o) => o.type === "campaign")
        .map((o) => o.id);
    expect(ids(fromDir)).toEqual(ids(bundle));
    t = io();
    expect(await main(["intel", "validate", bundle], t.io)).toBe(0);
    expect(JSON.parse(t.text().stdout)).toMatchObject({ valid: true });
    t = io();
    expect(await main(["intel", "import", bundle, "--db", join(dir, "b.duckdb")], t.io)).toBe(0);
    const n = Number(
      (await queryStore(join(dir, "b.duckdb"), "select count(*) n from partner_indicators")).rows[0]?.n,
    );
    expect(n).toBeGreaterThan(0);
    const hostile = join(dir, "hostile.json");
    const b = JSON.parse(readFileSync(bundle, "utf8")) as { objects: Record<string, unknown>[] };
    (b.objects.find((o) => o.type === "indicator") as Record<string, unknown>).pattern =
      "[ipv4-addr:value = ";
    writeFileSync(hostile, JSON.stringify(b));
    t = io();
    expect(await main(["intel", "import", hostile, "--db", join(dir, "b.duckdb")], t.io)).toBe(1);
    expect(t.text().stderr).toContain("rejected");
    expect(
      Number(
        (await queryStore(join(dir, "b.duckdb"), "select count(*) n from partner_indicators")).rows[0]?.n,
      ),
    ).toBe(n);
    t = io();
    expect(
      await main(
        ["intel", "export", "--db", join(dir, "a.duckdb"), "--out", bundle, "--tlp", "purple"],
        t.io,
      ),
    ).toBe(2);

    // intel serve: the TAXII server of the same export, behind a fresh key
    if (!existsSync(BIN)) return;
    const child = spawn(process.execPath, [BIN, "intel", "serve", "--in", join(dir, "a")], {
      env: { ...process.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let seen = "";
        child.stdout.on("data", (d) => {
          seen += String(d);
          if (seen.includes("taxii_key:")) resolve(seen);
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}`)));
      });
      const url = /taxii_url: (\S+)/.exec(out)?.[1] as string;
      const key = /taxii_key: (\S+)/.exec(out)?.[1] as string;
      expect((await fetch(url)).status).toBe(401);
      const auth = { headers: { authorization: `Bearer ${key}` } };
      const d = (await (await fetch(url, auth)).json()) as { api_roots: string[] };
      const root = d.api_roots[0] as string;
      const cols = (await (await fetch(`${root}collections/`, auth)).json()) as {
        collections: { id: string }[];
      };
      const env = (await (
        await fetch(`${root}collections/${cols.collections[0]?.id}/objects/?match[type]=campaign`, auth)
      ).json()) as { objects: { id: string }[] };
      expect(env.objects.map((o) => o.id).sort()).toEqual(ids(bundle).sort());
    } finally {
      child.kill("SIGTERM");
    }
  }, 120_000);
});
