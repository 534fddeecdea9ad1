/** Keyword windows and match positions: byte ranges around keyword hits, lines and columns. */

const isWordByte = (b: number | undefined): boolean =>
  b !== undefined &&
  ((b >= 48 && b <= 57) ||
    (b >= 65 && b <= 90) ||
    (b >= 97 && b <= 122) ||
    b === 95 ||
    b >= 128);

/**
 * Start of a window `reach` bytes before `at`. With `lines`, widened to the line start (for
 * multi-line rules); otherwise moved forward out of a word, so a cut never makes a token
 * boundary that is not in the file.
 */
export function lineStartBefore(
  data: Uint8Array,
  at: number,
  reach: number,
  lines: boolean,
): number {
  let floor = at - reach;
  if (floor <= 0) return 0;
  if (lines) {
    const i = data.lastIndexOf(10, floor - 1);
    return floor - (i + 1) <= reach ? i + 1 : floor;
  }
  for (let n = 0; n < 64 && floor < at && isWordByte(data[floor - 1]); n++)
    floor++;
  return floor;
}

/** End of a window `reach` bytes after `at`: to the line end for multi-line rules, else out of a word. */
export function lineEndAfter(
  data: Uint8Array,
  at: number,
  reach: number,
  lines: boolean,
): number {
  let ceiling = at + reach;
  if (ceiling >= data.length) return data.length;
  if (lines) {
    const i = data.indexOf(10, ceiling);
    const end = i < 0 ? data.length : i;
    return end - ceiling <= reach ? end : ceiling;
  }
  for (
    let n = 0;
    n < 64 && ceiling < data.length && isWordByte(data[ceiling]);
    n++
  )
    ceiling++;
  return ceiling;
}

/** Byte offsets of line starts, built only for fragments with matches. */
export class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly data: Buffer) {}
  /** 1-based line of a byte offset and the byte offset of that line's start. */
  lineOf(offset: number): { line: number; start: number } {
    if (!this.starts) {
      const starts = [0];
      for (
        let i = this.data.indexOf(10);
        i >= 0;
        i = this.data.indexOf(10, i + 1)
      )
        starts.push(i + 1);
      this.starts = starts;
    }
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, start: s[lo]! };
  }
  text(from: number, to: number): string {
    return this.data.toString("utf8", from, to);
  }
}

/** Line and column (1-based, UTF-16 units) of a character offset inside a window. */
export function position(
  text: string,
  windowStart: number,
  offset: number,
  lines: LineIndex,
): { line: number; column: number } {
  const nl = text.lastIndexOf("\n", offset - 1);
  if (nl >= 0) {
    const before = text.slice(0, nl + 1);
    const startLine = lines.lineOf(windowStart).line;
    let count = 0;
    for (let i = before.indexOf("\n"); i >= 0; i = before.indexOf("\n", i + 1))
      count++;
    return { line: startLine + count, column: offset - nl };
  }
  // The offset is on the window's first line, which may have started before the window.
  const { line, start } = lines.lineOf(windowStart);
  const prefix =
    start < windowStart ? lines.text(start, windowStart).length : 0;
  return { line, column: prefix + offset + 1 };
}
