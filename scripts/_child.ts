// The benchmarks' child processes: `node dist/scripts/_child.js simulate|analyze '<json options>'`
// runs one job in a fresh process (so that its peak RSS is its own, worker threads included) and
// prints a JSON summary on stdout; analyze reports progress (rate, ETA, RSS) on stderr every minute.
import { type AnalyzeOptions, analyze } from "distillguard/pipeline";
import { type SimulateOptions, simulate } from "distillguard/simulate";

const [job, json] = process.argv.slice(2);
const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

if (job === "simulate") {
  const o = JSON.parse(json ?? "{}") as SimulateOptions;
  await simulate(o);
  process.stdout.write(JSON.stringify({ rss: maxRssMiB() }));
} else if (job === "analyze") {
  const o = JSON.parse(json ?? "{}") as AnalyzeOptions;
  const t0 = performance.now();
  let last = t0;
  const s = await analyze({
    ...o,
    onProgress: (read, total, n) => {
      const now = performance.now();
      if (now - last < 60_000) return;
      last = now;
      const elapsed = (now - t0) / 1000;
      const eta = total ? ((total - read) / (read / elapsed) / 60).toFixed(1) : "?";
      const share = total ? ((100 * read) / total).toFixed(1) : "?";
      process.stderr.write(
        `analyze: ${(n / 1e6).toFixed(2)}M exchanges, ${Math.round(n / elapsed)}/s, ${share}%, ETA ${eta} min, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB\n`,
      );
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ ...s, issues: undefined, seconds, rss: maxRssMiB() }));
} else {
  process.stderr.write("usage: node dist/scripts/_child.js simulate|analyze '<json options>'\n");
  process.exit(2);
}
