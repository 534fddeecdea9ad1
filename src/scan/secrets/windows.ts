/** Keyword windows and match positions: byte ranges around keyword hits, text, lines and columns. */
import { isAscii } from "node:buffer";

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

const nonAscii = /[\x80-\xff]/;

/**
 * A fragment's content as one string for the rule regexes, decoded as Latin-1: one byte, one
 * character, so keyword hits (byte offsets) index it directly and no file is decoded twice.
 * Rule regexes are ASCII patterns; in UTF-8 text a multi-byte character reads as two to four
 * non-ASCII characters, which no token class matches either way. What leaves the detector is
 * decoded as UTF-8: secrets, matches and lines with non-ASCII bytes, and columns (UTF-16 units).
 */
export class FragmentText {
  readonly text: string;
  private lineStarts: number[] | undefined;
  /** The whole text is ASCII (most files): no piece needs to be looked at again. */
  private ascii: boolean | undefined;
  /** The last line `lineAround` gave: candidates on one minified line of megabytes share it. */
  private lastLine: { start: number; end: number; text: string } | undefined;

  constructor(private readonly data: Buffer) {
    this.text = data.toString("latin1");
  }

  /** A piece of the text as UTF-8 (the same string when it is ASCII). */
  decode(from: number, to: number): string {
    const piece = this.text.slice(from, to);
    this.ascii ??= isAscii(this.data);
    return !this.ascii && nonAscii.test(piece)
      ? this.data.toString("utf8", from, to)
      : piece;
  }

  /** 1-based line and column (UTF-16 units) of a byte offset. */
  position(offset: number): { line: number; column: number } {
    if (!this.lineStarts) {
      const starts = [0];
      const t = this.text;
      for (let i = t.indexOf("\n"); i >= 0; i = t.indexOf("\n", i + 1))
        starts.push(i + 1);
      this.lineStarts = starts;
    }
    const s = this.lineStarts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.ascii ??= isAscii(this.data);
    const column = this.ascii
      ? offset - s[lo]!
      : this.decode(s[lo]!, offset).length;
    return { line: lo + 1, column: column + 1 };
  }

  /** The whole line(s) holding a byte range (without the final newline), as UTF-8. */
  lineAround(from: number, to: number): string {
    const t = this.text;
    const start = from > 0 ? t.lastIndexOf("\n", from - 1) + 1 : 0;
    let end = t.indexOf("\n", Math.max(to, from));
    if (end < 0) end = t.length;
    const last = this.lastLine;
    if (last && last.start === start && last.end === end) return last.text;
    const text = this.decode(start, end);
    this.lastLine = { start, end, text };
    return text;
  }
}
