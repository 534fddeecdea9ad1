import type { SecretMatch } from "./detect-types.js";

/**
 * The text an RTF document shows, for the rules to read: RTF breaks a line of text into groups
 * and control words (`-H 'token: }{\loch\ul ` then the value on the next line), so no rule sees
 * a name beside its value in the raw file. The view drops control words, group braces and
 * ignorable destinations' markers, decodes `\'hh`, `\uN`, `\\`, `\{` and `\}`, and keeps every
 * line break of the source where it is, so a finding's line is the source's line and only its
 * columns are mapped back (`placeInSource`). RTF is 7-bit: a byte or character outside printable
 * ASCII reads as a space. Text a writer wrapped onto the next source line stays wrapped.
 */
export interface TextView {
  data: Buffer;
  /** Source offset of each view byte, and the source length at the end. */
  offsets: Int32Array;
}

/** Control words that end a paragraph, a line or a cell: a space in the view. */
const breaks = new Set(["par", "line", "tab", "cell", "row", "sect", "page"]);

const isLetter = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const hexValue = (c: number): number =>
  isDigit(c) ? c - 48 : isLetter(c) ? (c | 32) - 87 : -1;

/** `data` opens an RTF document (`{\rtf`, after a byte-order mark or spaces). */
export function isRtf(data: Uint8Array): boolean {
  let i = 0;
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) i = 3;
  while (i < data.length && i < 64 && (data[i] === 32 || data[i]! < 14)) i++;
  return (
    data[i] === 123 &&
    data[i + 1] === 92 &&
    Buffer.from(data.subarray(i + 2, i + 5)).toString("latin1") === "rtf"
  );
}

/** The view of an RTF document (see `TextView`); call only when `isRtf`. */
export function rtfView(data: Uint8Array): TextView {
  const n = data.length;
  const out = Buffer.alloc(n);
  const offsets = new Int32Array(n + 1);
  let o = 0;
  const emit = (c: number, at: number): void => {
    out[o] = c === 10 || c === 13 || (c >= 32 && c < 127) ? c : 32;
    offsets[o++] = at;
  };
  let i = 0;
  while (i < n) {
    const c = data[i]!;
    if (c === 123 || c === 125) {
      i++;
      continue;
    }
    if (c !== 92) {
      emit(c, i++);
      continue;
    }
    const next = data[i + 1] ?? 0;
    if (isLetter(next)) {
      let j = i + 1;
      while (j < n && j - i <= 32 && isLetter(data[j]!)) j++;
      const word = Buffer.from(data.subarray(i + 1, j)).toString("latin1");
      const p = j;
      if (data[j] === 45) j++;
      while (j < n && j - p <= 10 && isDigit(data[j]!)) j++;
      const param =
        j > p
          ? Number(Buffer.from(data.subarray(p, j)).toString("latin1"))
          : NaN;
      if (data[j] === 32) j++;
      if (breaks.has(word)) emit(32, i);
      else if (word === "u" && !Number.isNaN(param)) {
        emit(param < 0 ? param + 65536 : param, i);
        // One replacement character follows for readers without Unicode (`\uc1`).
        if (data[j] === 92 && data[j + 1] === 39) j += 4;
        else if (j < n && data[j] !== 92 && data[j] !== 123 && data[j] !== 125)
          j++;
      } else if (word === "bin" && param > 0) {
        // Binary data: its line breaks stay, its bytes are not text.
        const end = Math.min(n, j + param);
        for (; j < end; j++)
          if (data[j] === 10 || data[j] === 13) emit(data[j]!, j);
      }
      i = j;
    } else if (next === 39) {
      const hi = hexValue(data[i + 2] ?? 0);
      const lo = hexValue(data[i + 3] ?? 0);
      if (hi >= 0 && lo >= 0) emit(hi * 16 + lo, i);
      i += 4;
    } else if (next === 92 || next === 123 || next === 125) {
      emit(next, i + 1);
      i += 2;
    } else if (next === 10 || next === 13) {
      // `\` before a line break is a paragraph mark; the line break itself is kept.
      emit(32, i);
      i++;
    } else {
      if (next === 126) emit(32, i);
      i += 2;
    }
  }
  offsets[o] = n;
  return { data: out.subarray(0, o), offsets: offsets.subarray(0, o + 1) };
}

function lineStarts(data: Uint8Array): number[] {
  const starts = [0];
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1))
    starts.push(i + 1);
  return starts;
}

/**
 * Moves matches found in a view back to the source: the view keeps the source's line breaks, so
 * lines stay and columns are mapped through the view's offsets (the source is 7-bit: a column
 * is a byte). `lineMap` then maps fragment lines to file lines, as for any fragment.
 */
export function placeInSource(
  matches: Omit<SecretMatch, "entropy">[],
  view: TextView,
  source: Uint8Array,
  lineMap: readonly number[] | undefined,
): void {
  const viewStarts = lineStarts(view.data);
  const sourceStarts = lineStarts(source);
  const column = (line: number, col: number, end: boolean): number => {
    const from = viewStarts[line - 1] ?? 0;
    const at = from + col - 1;
    const src =
      end && at > from
        ? view.offsets[at - 1]! + 1
        : view.offsets[Math.min(at, view.offsets.length - 1)]!;
    return src - (sourceStarts[line - 1] ?? 0) + 1;
  };
  for (const m of matches) {
    const { line, endLine } = m;
    m.column = column(line, m.column, false);
    m.endColumn = column(endLine, m.endColumn, true);
    if (lineMap) {
      m.line = lineMap[line - 1] ?? line;
      m.endLine = lineMap[endLine - 1] ?? endLine;
    }
    if (m.required) placeInSource(m.required, view, source, lineMap);
  }
}
