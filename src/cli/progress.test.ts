// Progress lines: rate and ETA on stderr, the first only after a second of work (a short run
// prints its summary alone; a long one does not open with "100.0% 0 exchanges, ETA 0s").
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { progress } from "./_progress.js";

describe("progress", () => {
  it("waits a second before its first line, then reports share, rate and ETA", () => {
    let now = 1_000_000;
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (d) => {
      text += String(d);
    });
    const bar = progress({ label: "analyze", unit: "exchanges", quiet: false, stream, now: () => now });
    bar.update(100, 100, 0); // the whole small file read, nothing analysed yet
    now += 400;
    bar.update(100, 100, 50);
    expect(text).toBe("");
    now += 1600; // two seconds in, a quarter done
    bar.update(25, 100, 5000);
    expect(text).toBe("analyze: 25.0% 5000 exchanges, 2500/s, ETA 6s\n");
    bar.finish("analyze: done");
    expect(text.endsWith("analyze: done\n")).toBe(true);
  });
});
