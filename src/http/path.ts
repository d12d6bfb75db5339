/** A raw path segment percent-decoded, or undefined if its escapes are malformed (never a throw). */
export function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
