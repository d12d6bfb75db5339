// Server-sent events as both APIs stream them (text/event-stream): splitting a stream into
// events as its chunks arrive, for the gateway's capture (which assembles the answer) and for
// output protection (which passes events on or rewrites them). Lines may end in CRLF, LF or
// CR; a blank line ends an event. Each event keeps its text exactly as it came, so that an
// event passed on unchanged leaves byte for byte.

export interface SseEvent {
  /** the event's lines as they came, without the blank line that ended it */
  readonly raw: string;
  /** raw and the line ends that ended it: the event exactly as it came */
  readonly whole: string;
  /** the `event:` field, if any */
  readonly event: string | undefined;
  /** the `data:` lines joined by line feeds, if any */
  readonly data: string | undefined;
}

/** A blank line: a line end followed by another (CRLF, LF or CR each). */
const BLANK = /(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)/;

function fields(raw: string, whole: string): SseEvent {
  let event: string | undefined;
  let data: string | undefined;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) {
      const value = line.slice(line[5] === " " ? 6 : 5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
  }
  return { raw, whole, event, data };
}

/** Splits decoded stream text into events; text of an unfinished event is held for the next push. */
export class SseSplitter {
  private buffer = "";

  push(text: string): SseEvent[] {
    this.buffer += text;
    return this.take(false);
  }

  /** At the stream's end: the events still held (a final CR ends a line), and the text of an unfinished one. */
  end(): { readonly events: SseEvent[]; readonly rest: string } {
    const events = this.take(true);
    const rest = this.buffer;
    this.buffer = "";
    return { events, rest };
  }

  private take(final: boolean): SseEvent[] {
    const out: SseEvent[] = [];
    for (;;) {
      // before the end, a CR at the end may be the first half of a CRLF: wait for what follows
      const searchable = !final && this.buffer.endsWith("\r") ? this.buffer.slice(0, -1) : this.buffer;
      const m = BLANK.exec(searchable);
      if (!m) return out;
      const raw = this.buffer.slice(0, m.index);
      const whole = this.buffer.slice(0, m.index + m[0].length);
      this.buffer = this.buffer.slice(whole.length);
      out.push(fields(raw, whole));
    }
  }
}
