// The time zone an account's activity implies, and the time zones countries declare.
// People are quiet from about 1 to 7 in the morning; the offset that best lines an
// account's hour-of-day histogram up with that rhythm is its implied UTC offset.

/** Relative human activity by local hour (0-23): the night is what every rhythm shares. */
const RHYTHM = [0.3, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.8];
const R_MAX = Math.max(...RHYTHM);
const R_MIN = Math.min(...RHYTHM);

/**
 * The UTC offset (hours, -11..+14) that best explains the histogram (the circular mean
 * of the offsets fitting within 2% of the best, since office hours fit several), and
 * how strong the rhythm is (0 = none, 1 = a perfectly regular day).
 */
export function impliedOffset(hourOfDay: ArrayLike<number>): { offset: number; strength: number } {
  let total = 0;
  for (let h = 0; h < 24; h++) total += hourOfDay[h] ?? 0;
  if (total === 0) return { offset: 0, strength: 0 };
  const fits: number[] = [];
  for (let o = -11; o <= 14; o++) {
    let fit = 0;
    for (let h = 0; h < 24; h++)
      fit += ((hourOfDay[h] ?? 0) / total) * (RHYTHM[(((h + o) % 24) + 24) % 24] ?? 0);
    fits.push(fit);
  }
  const best = Math.max(...fits);
  const worst = Math.min(...fits);
  const contrast = best - worst;
  if (contrast < 1e-9) return { offset: 0, strength: 0 };
  let x = 0;
  let y = 0;
  fits.forEach((f, i) => {
    if (f < best - 0.02 * contrast) return;
    const angle = ((i - 11) / 24) * 2 * Math.PI;
    x += Math.cos(angle);
    y += Math.sin(angle);
  });
  let offset = Math.round((Math.atan2(y, x) / (2 * Math.PI)) * 24);
  if (offset < -11) offset += 24;
  if (offset > 14) offset -= 24;
  return { offset, strength: Math.min(1, contrast / (R_MAX - R_MIN)) };
}

/** Main UTC offsets of countries, with the span of their zones (hours) for large ones. */
const ZONES: Record<string, [number, number]> = {
  US: [-8, -5],
  CA: [-8, -3.5],
  MX: [-8, -5],
  BR: [-5, -2],
  AR: [-3, -3],
  CL: [-4, -3],
  CO: [-5, -5],
  PE: [-5, -5],
  GB: [0, 0],
  IE: [0, 0],
  PT: [0, 0],
  ES: [0, 1],
  FR: [1, 1],
  DE: [1, 1],
  NL: [1, 1],
  BE: [1, 1],
  IT: [1, 1],
  CH: [1, 1],
  AT: [1, 1],
  PL: [1, 1],
  CZ: [1, 1],
  SE: [1, 1],
  NO: [1, 1],
  DK: [1, 1],
  FI: [2, 2],
  GR: [2, 2],
  RO: [2, 2],
  UA: [2, 2],
  TR: [3, 3],
  RU: [2, 12],
  BY: [3, 3],
  IL: [2, 2],
  EG: [2, 2],
  NG: [1, 1],
  KE: [3, 3],
  ZA: [2, 2],
  SA: [3, 3],
  AE: [4, 4],
  IR: [3.5, 3.5],
  PK: [5, 5],
  IN: [5.5, 5.5],
  BD: [6, 6],
  TH: [7, 7],
  VN: [7, 7],
  ID: [7, 9],
  MY: [8, 8],
  SG: [8, 8],
  PH: [8, 8],
  CN: [8, 8],
  HK: [8, 8],
  TW: [8, 8],
  KR: [9, 9],
  KP: [9, 9],
  JP: [9, 9],
  AU: [8, 10],
  NZ: [12, 12],
};

/** Hours between an offset and a country's zones (0 inside them); undefined for unknown countries. */
export function offsetDistance(country: string, offset: number): number | undefined {
  const z = ZONES[country];
  if (!z) return undefined;
  const [lo, hi] = z;
  const d = offset < lo ? lo - offset : offset > hi ? offset - hi : 0;
  return Math.min(d, 24 - d);
}

/** Countries whose zones contain the offset. */
export function countriesAt(offset: number, among: Iterable<string>): string[] {
  return [...among].filter((c) => offsetDistance(c, offset) === 0);
}

/** Least per-unit variance of the fit difference zoneContradiction assumes (of at most about 0.9). */
const VARIANCE_FLOOR = 0.05;

/** RHYTHM at local hour h + offset o, for UTC hour h. */
function rhythmAt(h: number, o: number): number {
  return RHYTHM[(((h + Math.round(o)) % 24) + 24) % 24] ?? 0;
}

/**
 * How firmly the activity contradicts the declared country's zones: the best-fitting offset
 * anywhere against the best inside the country's zones, as a z statistic of the mean
 * per-unit difference in fit. `units` is the number of independent draws behind the
 * histogram (distinct active clock-hours, not exchanges: a session's exchanges share its
 * hour), so twenty exchanges in four evenings cannot outweigh their own sampling noise.
 * Undefined for a country without known zones or an empty histogram.
 */
export function zoneContradiction(
  hourOfDay: ArrayLike<number>,
  country: string,
  units: number,
): { z: number; offset: number } | undefined {
  const z = ZONES[country];
  let total = 0;
  for (let h = 0; h < 24; h++) total += hourOfDay[h] ?? 0;
  if (z === undefined || total === 0 || units < 2) return undefined;
  // each whole offset's fit, once (offsets -11..14)
  const fits = new Float64Array(26);
  for (let o = -11; o <= 14; o++) {
    let f = 0;
    for (let h = 0; h < 24; h++) f += ((hourOfDay[h] ?? 0) / total) * rhythmAt(h, o);
    fits[o + 11] = f;
  }
  const fitAt = (o: number): number => fits[Math.round(o) + 11] ?? 0;
  let best = -11;
  for (let o = -10; o <= 14; o++) if (fitAt(o) > fitAt(best)) best = o;
  let home = Math.floor(z[0]);
  for (let o = home + 1; o <= Math.ceil(z[1]); o++) if (fitAt(o) > fitAt(home)) home = o;
  let mean = 0;
  for (let h = 0; h < 24; h++)
    mean += ((hourOfDay[h] ?? 0) / total) * (rhythmAt(h, best) - rhythmAt(h, home));
  let v = 0;
  for (let h = 0; h < 24; h++)
    v += ((hourOfDay[h] ?? 0) / total) * (rhythmAt(h, best) - rhythmAt(h, home) - mean) ** 2;
  if (mean <= 0) return { z: 0, offset: best };
  // a floor on the variance: a handful of hours that agree do not make it vanish
  return { z: mean / Math.sqrt(Math.max(v, VARIANCE_FLOOR) / units), offset: best };
}
