// Splitting server-sent events: the same events however the stream is cut into chunks, any
// line ends (CRLF, LF, CR), and every event's text kept exactly as it came.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SseEvent, SseSplitter } from "./sse.js";

function all(chunks: readonly string[]): {
  events: SseEvent[];
  rest: string;
} {
  const s = new SseSplitter();
  const events = chunks.flatMap((c) => s.push(c));
  const end = s.end();
  return { events: [...events, ...end.events], rest: end.rest };
}

describe("server-sent events", () => {
  it("reads fields under any line end, and a final CR ends a line", () => {
    for (const nl of ["\n", "\r\n", "\r"]) {
      const text = `event: message_start${nl}data: {"a":1}${nl}${nl}data: line 1${nl}data:line 2${nl}${nl}: comment${nl}${nl}data: tail`;
      const { events, rest } = all([text]);
      expect(events.map((e) => [e.event, e.data])).toEqual([
        ["message_start", '{"a":1}'],
        [undefined, "line 1\nline 2"],
        [undefined, undefined],
      ]);
      expect(rest).toBe("data: tail");
      expect(events.map((e) => e.whole).join("") + rest).toBe(text);
    }
    // a CR that ends the stream ends its last line
    expect(all(["data: x\n\r"]).events.map((e) => e.data)).toEqual(["x"]);
  });

  it("gives the same events, byte for byte, however the stream is cut into chunks", () => {
    const line = fc.stringMatching(/^(event|data|id): [a-z{}":0-9 ]{0,12}$/);
    const nl = fc.constantFrom("\n", "\r\n", "\r");
    const event = fc
      .tuple(fc.array(fc.tuple(line, nl), { minLength: 1, maxLength: 3 }), nl)
      .map(([lines, end]) => lines.map(([l, n]) => l + n).join("") + end);
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (events, cuts) => {
        const text = events.join("");
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let from = 0;
        for (const c of at) {
          chunks.push(text.slice(from, c));
          from = c;
        }
        chunks.push(text.slice(from));
        const whole = all([text]);
        const cut = all(chunks);
        expect(cut).toEqual(whole);
        expect(cut.events.map((e) => e.whole).join("") + cut.rest).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
