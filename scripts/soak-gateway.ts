// Gateway soak: minutes of mixed traffic (plain and streamed answers, clients that go away
// mid-stream, upstream resets and 429s) through the gateway in front of the mock upstream,
// scoring on, while the heap (after a full collection), RSS, open sockets and handles are
// sampled. Fails (exit 1) if memory or sockets grow after the warm-up.
//
//   npm run soak [-- --minutes 3 --concurrency 32]
import { parseArgs } from "node:util";
import {
  keyDigest,
  MOCK_CONTROL_HEADERS,
  startGateway,
  startMockUpstream,
  ThreadScorer,
} from "distillguard/gateway";
import { Pool } from "undici";

const { values } = parseArgs({
  options: { minutes: { type: "string", default: "3" }, concurrency: { type: "string", default: "32" } },
});
const exposedGc = globalThis.gc;
if (typeof exposedGc !== "function") {
  console.error("soak: run with node --expose-gc");
  process.exit(2);
}
const gc: () => void = exposedGc;

const upstream = await startMockUpstream({ apiKey: "up" });
// scoring as the gateway command runs it: the detector on a worker thread (its heap is in the RSS)
const scorer = await ThreadScorer.start({ checkpointEveryMs: 5000, linkEveryMs: 30_000 });
const accounts = Array.from({ length: 40 }, (_, i) => `soak_${i}`);
const gateway = await startGateway({
  upstreams: { anthropic: { url: upstream.url, apiKey: "up" }, openai: { url: upstream.url, apiKey: "up" } },
  keys: accounts.map((a) => ({ sha256: keyDigest(`key-${a}`), accountId: a })),
  scorer,
  upstreamTimeoutMs: 5000,
  forwardHeaders: MOCK_CONTROL_HEADERS,
});
const prompts = Array.from(
  { length: 60 },
  (_, i) => `Question ${i}: explain topic ${i % 17} in a few sentences.`,
);
const pool = new Pool(gateway.url, { connections: 64 });
const counts = { ok: 0, streamed: 0, abandoned: 0, cut: 0, limited: 0, failed: 0 };

async function one(i: number): Promise<void> {
  const account = accounts[i % accounts.length] ?? "soak_0";
  const prompt = prompts[i % prompts.length] ?? "";
  const kind = i % 10;
  const anthropic = i % 2 === 0;
  const headers = {
    "content-type": "application/json",
    ...(anthropic
      ? { "x-api-key": `key-${account}`, "anthropic-version": "2023-06-01" }
      : { authorization: `Bearer key-${account}` }),
    ...(kind === 7 ? { "x-mock-fault": "midstream-reset" } : kind === 8 ? { "x-mock-fault": "429" } : {}),
  };
  const stream = kind >= 4 && kind <= 7;
  const body = anthropic
    ? { model: "claude-opus-5", max_tokens: 200, stream, messages: [{ role: "user", content: prompt }] }
    : { model: "gpt-4.1-mini", stream, messages: [{ role: "user", content: prompt }] };
  const abort = new AbortController();
  try {
    const res = await pool.request({
      path: anthropic ? "/v1/messages" : "/v1/chat/completions",
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    if (kind === 6) {
      // a client that goes away after the first chunk
      for await (const _ of res.body) break;
      abort.abort();
      counts.abandoned++;
      return;
    }
    await res.body.text();
    if (res.statusCode === 429) counts.limited++;
    else if (stream) counts.streamed++;
    else counts.ok++;
  } catch {
    if (kind === 7) counts.cut++;
    else if (!abort.signal.aborted) counts.failed++;
  }
}

const minutes = Number(values.minutes);
const concurrency = Number(values.concurrency);
const end = Date.now() + minutes * 60_000;
let next = 0;
interface Sample {
  readonly seconds: number;
  readonly requests: number;
  readonly heapMiB: number;
  readonly rssMiB: number;
  readonly sockets: number;
  readonly handles: number;
}
const samples: Sample[] = [];
const t0 = Date.now();
async function sample(): Promise<void> {
  gc();
  const m = process.memoryUsage();
  const sockets = await new Promise<number>((r) => gateway.server.getConnections((_e, n) => r(n)));
  const s = {
    seconds: Math.round((Date.now() - t0) / 1000),
    requests: next,
    heapMiB: +(m.heapUsed / 2 ** 20).toFixed(1),
    rssMiB: +(m.rss / 2 ** 20).toFixed(1),
    sockets,
    // an internal of Node's, for soak work only: the open handles (sockets, timers, servers)
    handles: (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length,
  };
  samples.push(s);
  console.error(JSON.stringify(s));
}
const timer = setInterval(sample, 15_000);
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) await one(next++);
  }),
);
clearInterval(timer);
await sample();
await pool.close();
await gateway.close();
await upstream.close();
await scorer.close();

// after the warm-up (the first minute: pools, JIT, the detector's per-account state), memory holds
const settled = samples.filter((s) => s.seconds >= 60);
const first = settled[0] ?? samples[0];
const last = samples.at(-1);
if (!first || !last) throw new Error("soak: no samples");
const heapGrowth = last.heapMiB - first.heapMiB;
const rssGrowth = last.rssMiB - first.rssMiB;
const result = {
  minutes,
  requests: next,
  perSecond: Math.round(next / ((Date.now() - t0) / 1000)),
  counts,
  heapMiB: { afterWarmup: first.heapMiB, end: last.heapMiB, growth: +heapGrowth.toFixed(1) },
  rssMiB: { afterWarmup: first.rssMiB, end: last.rssMiB, growth: +rssGrowth.toFixed(1) },
  maxSockets: Math.max(...samples.map((s) => s.sockets)),
};
console.log(JSON.stringify(result));
const ok = heapGrowth < 16 && counts.failed === 0;
if (!ok) console.error("soak: FAILED (heap grew 16 MiB or more after the warm-up, or requests failed)");
process.exit(ok ? 0 : 1);
