/**
 * Windows of a file's text around keyword hits, within their lines: at most `before` characters
 * before a hit and `after` after it, merged when they overlap, so a 10 MB minified line costs a
 * few hundred characters per hit, and a file without hits costs nothing.
 */
export function hitWindows(
  text: string,
  hits: readonly number[],
  before: number,
  after: number,
): [number, number][] {
  const out: [number, number][] = [];
  const sorted = hits.length > 1 ? [...hits].sort((a, b) => a - b) : hits;
  for (const hit of sorted) {
    // Bounded scans: a minified line is megabytes long.
    let start = hit;
    const floor = Math.max(0, hit - before);
    while (start > floor && text.charCodeAt(start - 1) !== 10) start--;
    let end = hit;
    const ceiling = Math.min(text.length, hit + after);
    while (end < ceiling && text.charCodeAt(end) !== 10) end++;
    const prev = out[out.length - 1];
    if (prev && start <= prev[1]) prev[1] = Math.max(prev[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** Every line of the text as [start, end) offsets (for detectors gated by file name). */
export function allLines(text: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    out.push([start, end > start && text[end - 1] === "\r" ? end - 1 : end]);
    if (nl < 0) return out;
    start = nl + 1;
  }
}
