// Tests that wait for something another thread, process or socket does (a record logged, a
// file reloaded, a worker's commit) poll for it with a bound instead of sleeping a fixed time:
// they go on as soon as it happens, and fail saying what never happened.

/** Resolves once `ready()` holds (polled every `everyMs`); rejects after `timeoutMs` naming `what`. */
export async function waitFor(
  ready: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 5000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (Date.now() >= until) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
