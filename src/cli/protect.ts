// distillguard verify-trace, mark, verify-model and protect-experiment: checking reasoning
// traces' signatures, marking texts as the gateway does, testing a suspect model's outputs
// for our watermark, and the experiment that measures how well that works
// (docs/protection.md).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { answerParts, at, isObject, messageParts, responseKind } from "../contract/index.js";
import {
  DatasetsMissing,
  deriveKey,
  type ExperimentRow,
  KeyedChoice,
  type Occurrence,
  occurrencesOf,
  Reference,
  runExperiment,
  servedGroups,
  type TraceCheck,
  TraceSigner,
  testModel,
  type WatermarkKey,
  watermarkText,
} from "../protection/index.js";
import { defineCommand, type Io, integer, number, stringOption } from "./_args.js";
import { CLIError } from "./_errors.js";

const SECRET_ENV = "DISTILLGUARD_PROTECTION_SECRET";

function secretFrom(env: string | undefined): string {
  const name = env ?? SECRET_ENV;
  const secret = process.env[name];
  if (!secret)
    throw new CLIError(
      `the protection secret is not set: put it in ${name} (or name another variable with --secret-env)`,
      "E_CONFIG",
    );
  return secret;
}

/** A watermark key id's cohort and window (`cohort@window`, split at the last @); a usage error names `option`. */
function keyIdParts(id: string, option: string): [cohort: string, window: string] {
  const at = id.lastIndexOf("@");
  if (at <= 0 || at === id.length - 1)
    throw new CLIError(`${option}: "${id}" is not cohort@window`, "E_BAD_OPTION");
  return [id.slice(0, at), id.slice(at + 1)];
}

type Json = Record<string, unknown>;

/** JSON values from a file (or `-`, standard input): one JSON document (an array is its elements), or JSON Lines. Bad lines are reported and skipped. */
async function* jsonValues(file: string, io: Io): AsyncGenerator<{ value: unknown; where: string }> {
  if (file === "-") {
    const lines = createInterface({ input: io.stdin ?? process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      try {
        yield { value: JSON.parse(line), where: `-:${n}` };
      } catch {
        io.stderr.write(`-:${n}: not JSON, skipped\n`);
      }
    }
    return;
  }
  if (!existsSync(file)) throw new CLIError(`${file}: no such file`, "E_INPUT_MISSING");
  for (const v of jsonValuesOf(readFileSync(file, "utf8"), file))
    if (v.value === undefined) io.stderr.write(`${v.where}: not JSON, skipped\n`);
    else yield v;
}

interface Trace {
  readonly text: string;
  readonly signature: string | undefined;
}

/** The reasoning traces in a value: an Anthropic message, an OpenAI completion or message, an exchange record, or {text|thinking|reasoning, signature}. */
export function tracesIn(v: unknown): Trace[] {
  if (!isObject(v)) return [];
  const out: Trace[] = [];
  const sig = (o: Json, ...names: string[]): string | undefined => {
    for (const n of names) if (typeof o[n] === "string") return o[n] as string;
    return undefined;
  };
  if (isObject(v.response)) out.push(...tracesIn(v.response));
  // a response of either API, or one OpenAI message (the shared response model)
  const kind = responseKind(v);
  for (const p of kind === undefined ? messageParts(v) : answerParts(kind, v))
    if (p.kind === "reasoning") out.push({ text: p.text, signature: p.signature });
  if (out.length === 0)
    for (const f of ["thinking", "text", "trace"])
      if (typeof v[f] === "string") {
        out.push({ text: v[f] as string, signature: sig(v, "signature", "distillguard_signature") });
        break;
      }
  return out;
}

export const VERIFY_TRACE_USAGE = `usage: distillguard verify-trace FILE [--account ID] [--secret-env NAME]

Checks the signatures the gateway puts on reasoning traces. FILE (or - for standard
input) holds JSON or JSON Lines: Anthropic messages (thinking blocks with
distillguard_signature), OpenAI completions or messages (reasoning_content with
reasoning_signature), exchange records, or {"text", "signature"} objects.
Prints one JSON line per trace: status valid (issued by this provider; with the
exchange, time and shielding), altered (the text or the signature was changed, or the
signature forged), unsigned, or malformed; with --account, whether the trace was issued
to that account. Exit 0 when every trace is valid, 1 otherwise.

  --account ID      compare each trace's account tag with this account
  --secret-env NAME environment variable with the protection secret (default ${SECRET_ENV})`;

export const runVerifyTrace = defineCommand({
  usage: VERIFY_TRACE_USAGE,
  options: { account: { type: "string" }, "secret-env": { type: "string" } },
  async run({ values, positionals }, io) {
    const file = positionals[0];
    if (file === undefined || positionals.length > 1)
      throw new CLIError(`expected one FILE\n${VERIFY_TRACE_USAGE}`, "E_USAGE");
    const signer = new TraceSigner(secretFrom(stringOption(values["secret-env"])));
    const account = stringOption(values.account);
    const counts: Record<TraceCheck["status"], number> = { valid: 0, altered: 0, unsigned: 0, malformed: 0 };
    for await (const { value, where } of jsonValues(file, io)) {
      for (const [i, t] of tracesIn(value).entries()) {
        const c = signer.verify(t.text, t.signature, account);
        counts[c.status]++;
        const line: Json = { source: where, trace: i, status: c.status };
        if (c.status === "valid") {
          line.exchange_id = c.payload.x;
          line.issued_at = new Date(c.payload.t * 1000).toISOString();
          line.shield = c.payload.s;
          if (c.accountMatches !== undefined) line.account_matches = c.accountMatches;
        } else if (c.status === "altered" && c.payload) line.claims_exchange_id = c.payload.x;
        else if (c.status === "malformed") line.reason = c.reason;
        io.stdout.write(`${JSON.stringify(line)}\n`);
      }
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    io.stderr.write(
      `verify-trace: ${total} traces: ${Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}\n`,
    );
    return total > 0 && counts.valid === total ? 0 : 1;
  },
});

/** The text of a sample: a string, or the answer in an Anthropic message, OpenAI completion or exchange record, or {text|output|content}. */
export function sampleText(v: unknown): string {
  if (typeof v === "string") return v;
  if (!isObject(v)) return "";
  if (isObject(v.response)) return sampleText(v.response);
  const kind = responseKind(v);
  if (kind !== undefined)
    return answerParts(kind, v)
      .filter((p) => p.kind === "text")
      .map((p) => p.text)
      .join("\n");
  for (const f of ["text", "output", "content", "completion"])
    if (typeof v[f] === "string") return v[f] as string;
  return "";
}

/** Samples from a file or standard input (`-`): plain text is one sample, JSON / JSON Lines one per value. */
async function readSamples(file: string, io: Io): Promise<{ texts: string[]; json: boolean }> {
  let raw: string;
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const c of io.stdin ?? process.stdin)
      chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
    raw = Buffer.concat(chunks).toString("utf8");
  } else {
    if (!existsSync(file)) throw new CLIError(`${file}: no such file`, "E_INPUT_MISSING");
    raw = readFileSync(file, "utf8");
  }
  const first = raw.trimStart()[0];
  if (first !== "{" && first !== "[" && first !== '"') return { texts: [raw], json: false };
  const out: string[] = [];
  for (const { value, where } of jsonValuesOf(raw, file)) {
    if (value === undefined) io.stderr.write(`${where}: not JSON, skipped\n`);
    else out.push(sampleText(value));
  }
  return { texts: out, json: true };
}

/** JSON values of a text read whole: one document (an array is its elements), or JSON Lines (a bad line is undefined). */
function* jsonValuesOf(raw: string, name: string): Generator<{ value: unknown; where: string }> {
  const trimmed = raw.trim();
  if (trimmed.startsWith("[") || (trimmed.startsWith("{") && !trimmed.includes("\n{"))) {
    try {
      const v: unknown = JSON.parse(trimmed);
      const items = Array.isArray(v) ? v : [v];
      for (const [i, value] of items.entries()) yield { value, where: `${name}[${i}]` };
      return;
    } catch {
      // not one document: read it as JSON Lines
    }
  }
  for (const [i, line] of raw.split("\n").entries()) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    yield { value, where: `${name}:${i + 1}` };
  }
}

async function samplesFrom(file: string, io: Io): Promise<string[]> {
  return (await readSamples(file, io)).texts;
}

async function samplesFromEndpoint(
  url: string,
  promptsFile: string,
  o: { model: string; apiKey: string | undefined; maxTokens: number },
  io: Io,
): Promise<string[]> {
  const prompts: string[] = [];
  for await (const { value } of jsonValues(promptsFile, io)) {
    const p =
      typeof value === "string"
        ? value
        : isObject(value) && typeof value.prompt === "string"
          ? value.prompt
          : undefined;
    if (p) prompts.push(p);
  }
  if (prompts.length === 0)
    throw new CLIError(
      `${promptsFile}: no prompts (JSON Lines of strings or {"prompt"})`,
      "E_INPUT_UNREADABLE",
    );
  let base = url;
  while (base.endsWith("/")) base = base.slice(0, -1);
  const out: string[] = [];
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < prompts.length) {
      const prompt = at(prompts, next++);
      try {
        const res = await request(`${base}/v1/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: o.model,
            max_tokens: o.maxTokens,
            messages: [{ role: "user", content: prompt }],
          }),
        });
        const body: unknown = await res.body.json();
        if (res.statusCode !== 200) failed++;
        else out.push(sampleText(body));
      } catch {
        failed++;
      }
      if ((out.length + failed) % 50 === 0)
        io.stderr.write(`verify-model: ${out.length + failed}/${prompts.length} prompts\n`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  if (failed > 0) io.stderr.write(`verify-model: ${failed} of ${prompts.length} requests failed\n`);
  return out;
}

export const MARK_USAGE = `usage: distillguard mark (FILE | -) --key-id COHORT@WINDOW [--max-share X] [--out FILE] [--secret-env NAME]

Marks texts with the watermark of a cohort and window, as the gateway marks a protected
account's answers: so that anyone can run a remover against the mark and test what is
left with verify-model (docs/protection.md).

  FILE | -           texts to mark: plain text (one text), or JSON / JSON Lines of strings,
                     {"text"} objects, Anthropic messages, OpenAI completions or exchange
                     records (the formats verify-model --samples reads); - for standard input
  --key-id ID        the key's id, cohort@window (campaign:C003@2026-W48)
  --max-share X      change at most this share of each text's words (the gateway's
                     protection.max_changed_share; default 0.03, 1 for no bound)
  --secret-env NAME  environment variable with the protection secret (default ${SECRET_ENV})
  --out FILE         write there instead of standard output: plain text for plain text,
                     else JSON Lines of {"text"}, one per text read, in order

A summary (texts, words, words changed) goes to standard error; the carriers never do.`;

export const runMark = defineCommand({
  usage: MARK_USAGE,
  positionals: "one",
  options: {
    "key-id": { type: "string" },
    "max-share": number((n) => n > 0 && n <= 1, "a share above 0, at most 1"),
    "secret-env": { type: "string" },
    out: { type: "string" },
  },
  async run({ values, positionals }, io) {
    const id = stringOption(values["key-id"]);
    if (!id) throw new CLIError(`--key-id is required\n${MARK_USAGE}`, "E_USAGE");
    const [cohort, window] = keyIdParts(id, "--key-id");
    const key = deriveKey(secretFrom(stringOption(values["secret-env"])), cohort, window);
    const { texts, json } = await readSamples(positionals[0] as string, io);
    const choice = new KeyedChoice(key);
    let words = 0;
    let changed = 0;
    const marked = texts.map((t) => {
      const m = watermarkText(t, choice, values["max-share"]);
      words += m.stats.words;
      changed += m.stats.changed;
      return m.text;
    });
    const body = json ? marked.map((t) => `${JSON.stringify({ text: t })}\n`).join("") : (marked[0] ?? "");
    const out = stringOption(values.out);
    if (out) writeFileSync(out, body);
    else io.stdout.write(body);
    io.stderr.write(
      `mark: ${texts.length} text${texts.length === 1 ? "" : "s"} marked with ${id}: ${words} words, ${changed} changed (${((100 * changed) / Math.max(1, words)).toFixed(2)}%)\n`,
    );
    return 0;
  },
});

export const VERIFY_MODEL_USAGE = `usage: distillguard verify-model (--samples FILE | --endpoint URL --prompts FILE)
                                 (--keys ID[,ID...] | --keys-from EXCHANGES) [options]

Tests a suspect model's outputs for our watermark: per key and channel (carrier words,
contractions, word-pair order, list markers), how much more often the text makes the
choice the key picks than unmarked text would, as a z statistic calibrated against many
random keys; the channels combine by the strongest Stouffer sum over their subsets,
corrected for their number (docs/protection.md).

  --samples FILE     the suspect's outputs: plain text, or JSON / JSON Lines of strings,
                     {"text"} objects, Anthropic messages, OpenAI completions or exchange records
  --endpoint URL     an OpenAI-compatible API to sample instead, with --prompts FILE
                     (JSON Lines of strings or {"prompt"}), --model M, --max-tokens N (400),
                     --api-key-env NAME
  --keys IDS         watermark key ids (cohort@window, as the gateway records them)
  --keys-from FILE   every key id in the "protection" field of these exchange records
  --reference FILE   our own unmarked outputs (same formats as --samples): the natural
                     word choices to compare with (recommended)
  --served FILE      the answers served under the keys tested (same formats; exchange
                     records as logged): only the groups they hold are counted, as only
                     those can carry the keys (recommended: a far stronger test)
  --random-keys N    random keys for the null (default 1000)
  --secret-env NAME  environment variable with the protection secret (default ${SECRET_ENV})
  --out FILE         write the result there instead of standard output`;

export const runVerifyModel = defineCommand({
  usage: VERIFY_MODEL_USAGE,
  positionals: "none",
  options: {
    samples: { type: "string" },
    endpoint: { type: "string" },
    prompts: { type: "string" },
    model: { type: "string" },
    "max-tokens": integer(1, Number.MAX_SAFE_INTEGER, "a positive integer"),
    "api-key-env": { type: "string" },
    keys: { type: "string" },
    "keys-from": { type: "string" },
    reference: { type: "string" },
    served: { type: "string" },
    "random-keys": integer(50, 100_000),
    "secret-env": { type: "string" },
    out: { type: "string" },
  },
  async run({ values }, io) {
    const samplesFile = stringOption(values.samples);
    const endpoint = stringOption(values.endpoint);
    if ((samplesFile === undefined) === (endpoint === undefined))
      throw new CLIError(`give either --samples FILE or --endpoint URL\n${VERIFY_MODEL_USAGE}`, "E_USAGE");
    const randomKeys = values["random-keys"] ?? 1000;
    const secret = secretFrom(stringOption(values["secret-env"]));
    const ids = new Set<string>();
    for (const id of (stringOption(values.keys) ?? "").split(",")) if (id.trim()) ids.add(id.trim());
    const keysFrom = stringOption(values["keys-from"]);
    if (keysFrom)
      for await (const { value } of jsonValues(keysFrom, io))
        if (isObject(value) && isObject(value.protection) && typeof value.protection.watermark === "string")
          ids.add(value.protection.watermark);
    if (ids.size === 0)
      throw new CLIError(`no keys to test: give --keys or --keys-from\n${VERIFY_MODEL_USAGE}`, "E_USAGE");
    const keys: WatermarkKey[] = [];
    for (const id of ids) keys.push(deriveKey(secret, ...keyIdParts(id, "--keys")));
    let texts: string[];
    if (samplesFile) texts = await samplesFrom(samplesFile, io);
    else {
      const prompts = stringOption(values.prompts);
      if (!prompts) throw new CLIError("--endpoint needs --prompts FILE", "E_USAGE");
      const keyEnv = stringOption(values["api-key-env"]);
      texts = await samplesFromEndpoint(
        endpoint as string,
        prompts,
        {
          model: stringOption(values.model) ?? "default",
          apiKey: keyEnv ? process.env[keyEnv] : undefined,
          maxTokens: values["max-tokens"] ?? 400,
        },
        io,
      );
    }
    // every key of one secret has the same lexical carriers
    const carriers = keys[0];
    const occurrences: Occurrence[] = [];
    let tokens = 0;
    for (const t of texts) {
      occurrences.push(...occurrencesOf(t, carriers));
      tokens += t.split(/\s+/).filter(Boolean).length;
    }
    const refFile = stringOption(values.reference);
    let reference: Reference | undefined;
    if (refFile) {
      reference = new Reference();
      for (const t of await samplesFrom(refFile, io)) reference.add(occurrencesOf(t, carriers));
    }
    if (occurrences.length < 200)
      io.stderr.write(
        `verify-model: only ${occurrences.length} marked positions (carrier words, contractions, word pairs, list markers) in ${tokens} words of samples: too few for a reliable test (aim for thousands)\n`,
      );
    const servedFile = stringOption(values.served);
    const served = servedFile ? servedGroups(await samplesFrom(servedFile, io), carriers) : undefined;
    const t = testModel(occurrences, keys, {
      randomKeys,
      ...(reference ? { reference } : {}),
      ...(served ? { served } : {}),
    });
    const result = {
      samples: texts.length,
      words: tokens,
      occurrences: t.occurrences,
      contexts: t.contexts,
      reference: refFile ?? null,
      served: servedFile ?? null,
      null: t.null,
      results: [...t.results]
        .map((r) => ({ ...r, p_bonferroni: Math.min(1, r.p_value * keys.length) }))
        .sort((a, b) => a.p_value - b.p_value),
    };
    const text = `${JSON.stringify(result, null, 2)}\n`;
    const out = stringOption(values.out);
    if (out) writeFileSync(out, text);
    else io.stdout.write(text);
    return 0;
  },
});

export const EXPERIMENT_USAGE = `usage: distillguard protect-experiment [--quick] [--datasets DIR] [--out FILE]

Trains small n-gram students on real teacher answers with 0, 1, 5, 20 and 100% of them
watermarked, samples each and tests the samples with verify-model's statistic. Prints
one JSON line per fraction: {"fraction", "sampled_tokens", "p_value",
"false_positive_rate", "alpha", ...}; progress on standard error.

  --quick          one student order (3), one budget (50,000 tokens), probes from the
                   cohort's answers, 300 random keys: a few minutes at most
  --datasets DIR   the shared datasets (default ../shared/datasets)
  --out FILE       also write every measured row and the watermark's quality cost (JSON)`;

export const runProtectExperiment = defineCommand({
  usage: EXPERIMENT_USAGE,
  positionals: "none",
  options: { quick: { type: "boolean" }, datasets: { type: "string" }, out: { type: "string" } },
  async run({ values }, io) {
    const given = stringOption(values.datasets);
    const datasets =
      given === undefined
        ? fileURLToPath(new URL("../../../shared/datasets", import.meta.url))
        : resolve(given);
    const quick = values.quick === true;
    let result: ReturnType<typeof runExperiment>;
    try {
      result = runExperiment({
        datasets,
        ...(quick
          ? { orders: [3], budgets: [50_000], modes: ["cohort"] as const, randomKeys: 300, wrongKeys: 200 }
          : {
              orders: [2, 3, 4],
              budgets: [5_000, 10_000, 25_000, 50_000],
              randomKeys: 1000,
              wrongKeys: 200,
            }),
        onProgress: (m) => io.stderr.write(`protect-experiment: ${m}\n`),
      });
    } catch (err) {
      if (err instanceof DatasetsMissing)
        throw new CLIError(
          `the experiment needs the shared datasets (--datasets DIR): ${err.message}`,
          "E_INPUT_MISSING",
        );
      throw err;
    }
    // one line per fraction: the main setting (order 3, probes from the cohort's answers, the largest budget)
    const main = new Map<number, ExperimentRow>();
    for (const r of result.rows) if (r.order === 3 && r.mode === "cohort") main.set(r.fraction, r);
    for (const r of main.values()) io.stdout.write(`${JSON.stringify(r)}\n`);
    const out = stringOption(values.out);
    if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
});
