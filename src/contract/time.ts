// RFC 3339 date-time parsing (https://datatracker.ietf.org/doc/html/rfc3339#section-5.6).
// One anchored pattern with no nested quantifiers: linear time on any input.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch, or undefined when `s` is not an RFC 3339 date-time. */
export function parseRfc3339(s: string): number | undefined {
  if (s.length > 40) return undefined;
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac, z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(se);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  if (frac) ms += Math.floor(Number(`0.${frac}`) * 1000);
  if (!z) {
    const offH = Number(oh);
    const offM = Number(om);
    if (offH > 23 || offM > 59) return undefined;
    const offset = (offH * 60 + offM) * 60_000;
    ms += sign === "+" ? -offset : offset;
  }
  return ms;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ISO 8601 / RFC 3339 in UTC with milliseconds. */
export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
