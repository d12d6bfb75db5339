// verify-trace, verify-model and protect-experiment from the command line.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startMockUpstream } from "../gateway/index.js";
import {
  carrierKey,
  carriersFor,
  deriveKey,
  KeyedChoice,
  TraceSigner,
  watermarkText,
} from "../protection/index.js";
import { captureIo } from "./_test-io.js";
import { main } from "./index.js";

const io = captureIo;

const SECRET = "x".repeat(48);
afterEach(() => {
  delete process.env.DISTILLGUARD_PROTECTION_SECRET;
});

describe("verify-trace", () => {
  it("reports valid, altered and unsigned traces from messages, completions and records; exit 1 unless all valid", async () => {
    process.env.DISTILLGUARD_PROTECTION_SECRET = SECRET;
    const s = new TraceSigner(SECRET);
    const ctx = { exchangeId: "gx_9", accountId: "acct_1", at: Date.UTC(2026, 10, 1) };
    const good = s.sign("step one, step two", ctx, "summary");
    const dir = mkdtempSync(join(tmpdir(), "dg-vt-"));
    const file = join(dir, "traces.jsonl");
    writeFileSync(
      file,
      [
        { content: [{ type: "thinking", thinking: "step one, step two", distillguard_signature: good }] },
        { choices: [{ message: { reasoning_content: "step one, step 2", reasoning_signature: good } }] },
        { response: { content: [{ type: "thinking", thinking: "no signature here" }] } },
      ]
        .map((v) => JSON.stringify(v))
        .join("\n")
        .concat("\n{broken\n"),
    );
    const t = io();
    expect(await main(["verify-trace", file, "--account", "acct_1"], t.io)).toBe(1);
    const lines = t
      .text()
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.status)).toEqual(["valid", "altered", "unsigned"]);
    expect(lines[0]).toMatchObject({ exchange_id: "gx_9", shield: "summary", account_matches: true });
    expect(t.text().stderr).toContain(":4: not JSON");
    expect(t.text().stderr).toContain("3 traces: 1 valid, 1 altered, 1 unsigned, 0 malformed");
  });

  it("says clearly when the secret is missing", async () => {
    const t = io();
    expect(await main(["verify-trace", "x.json"], t.io)).toBe(2);
    expect(t.text().stderr).toContain("DISTILLGUARD_PROTECTION_SECRET");
    expect(t.text().stderr).not.toContain("    at ");
  });
});

describe("mark", () => {
  it("marks texts from a file or standard input with a cohort's key, as the gateway would; says nothing of the carriers", async () => {
    process.env.DISTILLGUARD_PROTECTION_SECRET = SECRET;
    const choice = new KeyedChoice(deriveKey(SECRET, "campaign:C009", "2026-W49"));
    const carriers = carriersFor(carrierKey(SECRET))?.groups ?? [];
    const words = carriers.slice(0, 12).map((g) => g.members[1] as string);
    // long enough that the 3% cap leaves positions to mark
    const texts = words.map((w, i) =>
      `We don't see the zz${"abcdefghijkl"[i]} ${w} and it isn't late. `.repeat(4).trim(),
    );
    const dir = mkdtempSync(join(tmpdir(), "dg-mark-"));
    const input = join(dir, "in.jsonl");
    writeFileSync(input, `${texts.map((t) => JSON.stringify({ text: t })).join("\n")}\nnot json\n`);
    const out = join(dir, "out.jsonl");
    const t = io();
    expect(await main(["mark", input, "--key-id", "campaign:C009@2026-W49", "--out", out], t.io)).toBe(0);
    const marked = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { text: string }).text);
    expect(marked).toEqual(texts.map((x) => watermarkText(x, choice).text));
    const err = t.text().stderr;
    expect(err).toContain("12 texts marked with campaign:C009@2026-W49");
    expect(err).toContain("not JSON, skipped");
    // no carrier word appears in what the command says
    for (const g of carriers) for (const m of g.members) expect(err).not.toMatch(new RegExp(`\\b${m}\\b`));

    // plain text from standard input comes back as plain text
    const s = captureIo();
    const stdin = Readable.from([Buffer.from(texts[0] as string)]);
    expect(await main(["mark", "-", "--key-id", "campaign:C009@2026-W49"], { ...s.io, stdin })).toBe(0);
    expect(s.text().stdout).toBe(watermarkText(texts[0] as string, choice).text);
  });

  it("needs a cohort@window key id and the secret", async () => {
    delete process.env.DISTILLGUARD_PROTECTION_SECRET;
    const t = io();
    expect(await main(["mark", "x.txt", "--key-id", "nowindow"], t.io)).toBe(2);
    expect(await main(["mark", "x.txt"], t.io)).toBe(2);
    const u = io();
    expect(await main(["mark", "x.txt", "--key-id", "a@b"], u.io)).not.toBe(0);
    expect(u.text().stderr).toContain("protection secret is not set");
  });
});

describe("verify-model", () => {
  it("finds the key a suspect's samples carry among the keys tested", async () => {
    process.env.DISTILLGUARD_PROTECTION_SECRET = SECRET;
    const mine = "campaign:C007@2026-W48";
    const choice = new KeyedChoice(deriveKey(SECRET, "campaign:C007", "2026-W48"));
    // eight of the secret's carrier words, derived as the provider derives them
    const words = (carriersFor(carrierKey(SECRET))?.groups ?? [])
      .slice(0, 8)
      .map((g) => g.members[0] as string);
    const prevs = [
      "alpha",
      "beta",
      "gamma",
      "delta",
      "eps",
      "zeta",
      "eta",
      "theta",
      "iota",
      "kappa",
      "lambda",
      "mu",
    ];
    const texts: string[] = [];
    for (let i = 0; i < 2400; i++)
      texts.push(
        `The ${prevs[i % prevs.length]}${"abcdefghijklmnopqrstuvwxyz"[Math.floor(i / 96)]}x ${words[i % words.length]} part.`,
      );
    const dir = mkdtempSync(join(tmpdir(), "dg-vm-"));
    const samples = join(dir, "samples.jsonl");
    writeFileSync(
      samples,
      texts.map((t) => JSON.stringify({ text: watermarkText(t, choice, 1).text })).join("\n"),
    );
    const t = io();
    const code = await main(
      [
        "verify-model",
        "--samples",
        samples,
        "--keys",
        `campaign:C001@2026-W48,${mine}`,
        "--random-keys",
        "200",
      ],
      t.io,
    );
    expect(code).toBe(0);
    const r = JSON.parse(t.text().stdout) as {
      occurrences: number;
      results: { key: string; p_value: number }[];
    };
    expect(r.occurrences).toBe(2400);
    expect(r.results[0]?.key).toBe(mine);
    expect(r.results[0]?.p_value).toBeLessThan(1e-6);
    expect(r.results[1]?.p_value).toBeGreaterThan(1e-3);

    // --served: only the groups served under the keys count (here the first four words' groups)
    const served = join(dir, "served.jsonl");
    writeFileSync(
      served,
      texts
        .filter((x) => words.slice(0, 4).some((w) => x.includes(` ${w} `)))
        .map((x) => JSON.stringify({ text: watermarkText(x, choice, 1).text }))
        .join("\n"),
    );
    const u = io();
    expect(
      await main(
        ["verify-model", "--samples", samples, "--served", served, "--keys", mine, "--random-keys", "200"],
        u.io,
      ),
    ).toBe(0);
    const s = JSON.parse(u.text().stdout) as { occurrences: number; served: string };
    expect(s.occurrences).toBe(1200);
    expect(s.served).toBe(served);
  });

  it("samples an OpenAI-compatible endpoint with prompts", async () => {
    process.env.DISTILLGUARD_PROTECTION_SECRET = SECRET;
    process.env.DG_TEST_MOCK_KEY = "mock-key";
    const upstream = await startMockUpstream({ apiKey: "mock-key" });
    try {
      const dir = mkdtempSync(join(tmpdir(), "dg-vme-"));
      const prompts = join(dir, "prompts.jsonl");
      writeFileSync(
        prompts,
        Array.from({ length: 10 }, (_, i) => JSON.stringify({ prompt: `question ${i}` })).join("\n"),
      );
      const t = io();
      const code = await main(
        [
          "verify-model",
          "--endpoint",
          `${upstream.url}/`,
          "--prompts",
          prompts,
          "--api-key-env",
          "DG_TEST_MOCK_KEY",
          "--keys",
          "campaign:C001@2026-W48",
          "--random-keys",
          "50",
        ],
        t.io,
      );
      expect(code).toBe(0);
      const r = JSON.parse(t.text().stdout) as { samples: number; occurrences: number; results: unknown[] };
      expect(r.samples).toBe(10);
      // the mock's answer holds a few marked positions; the test warns that so few are not enough
      expect(r.occurrences).toBeGreaterThanOrEqual(10);
      expect(t.text().stderr).toContain("too few for a reliable test");
      expect(
        upstream.requests.filter((q) => q.path === "/v1/chat/completions").length,
      ).toBeGreaterThanOrEqual(10);
    } finally {
      await upstream.close();
      delete process.env.DG_TEST_MOCK_KEY;
    }
  });

  it("rejects a key that is not cohort@window", async () => {
    process.env.DISTILLGUARD_PROTECTION_SECRET = SECRET;
    const t = io();
    expect(await main(["verify-model", "--samples", "x", "--keys", "nowindow"], t.io)).toBe(2);
    expect(t.text().stderr).toContain("is not cohort@window");
  });
});

describe("protect-experiment", () => {
  it("asks for the datasets when they are not there", async () => {
    const t = io();
    expect(await main(["protect-experiment", "--quick", "--datasets", "/nonexistent/datasets"], t.io)).toBe(
      2,
    );
    expect(t.text().stderr).toContain("needs the shared datasets");
  });
});
