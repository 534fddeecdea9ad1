/**
 * Byte-level checks on a keyword hit, run as hits are collected: a hit that cannot start a
 * detector's match is dropped before the file is decoded to text, so a file whose hits are all
 * `tokenizer(`, `passed` or a URL without `@` costs no more than before the contextual detectors.
 * Each check is a superset of its detector's own test.
 */
const isName = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 95 ||
  c === 46 ||
  c === 45;

/** `name` `=`/`:`/`,`/`[`/`(`/`>`…: what can follow a name that is assigned a value. */
function assignmentHit(data: Uint8Array, start: number, end: number): boolean {
  let ks = start;
  while (ks > 0 && start - ks < 80 && isName(data[ks - 1]!)) ks--;
  let ke = end;
  while (ke < data.length && ke - end < 80 && isName(data[ke]!)) ke++;
  while (data[ks] === 45 && ks < start) ks++;
  const before = ks > 0 ? data[ks - 1]! : 0;
  // A flag (`--password x`) or an XML element: the detector decides.
  if (before === 45 || before === 60) return true;
  let next = ke;
  while (next < data.length && next - ke < 6) {
    const c = data[next]!;
    if (c !== 32 && c !== 9 && c !== 34 && c !== 39 && c !== 93 && c !== 92)
      break;
    next++;
  }
  // Never read past the end: an out-of-bounds read deoptimizes the check.
  const f = next < data.length ? data[next]! : -1;
  if (
    f === 61 ||
    f === 58 ||
    f === 44 ||
    f === 33 ||
    f === 45 ||
    f === 91 ||
    f === 40 ||
    f === 62
  )
    return true;
  // .NET `key="DbPassword" value=…`, `#define PASSWORD "…"`, `SET password …`.
  if (before === 34 && f === 118) return true;
  // The word before the name, compared byte by byte (no allocation per hit).
  let we = ks;
  while (we > 0 && (data[we - 1] === 32 || data[we - 1] === 9)) we--;
  // `"value" == password`: a comparison before the name.
  if (
    we > 1 &&
    data[we - 1] === 61 &&
    (data[we - 2] === 61 || data[we - 2] === 33)
  )
    return true;
  if (we === ks) return false;
  for (const w of definitionWords) if (endsWith(data, we, w)) return true;
  return false;
}

const definitionWords = ["define", "global", "set", "SET"];

/** `data[0..at)` ends with the ASCII `word`. */
function endsWith(data: Uint8Array, at: number, word: string): boolean {
  if (at < word.length) return false;
  for (let i = 0; i < word.length; i++)
    if (data[at - word.length + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** `scheme://user:pass@host`: an `@` within 320 bytes, before any whitespace. */
function urlHit(data: Uint8Array, _start: number, end: number): boolean {
  const stop = Math.min(data.length, end + 320);
  for (let i = end; i < stop; i++) {
    const c = data[i]!;
    if (c === 64) return true;
    if (c === 32 || c === 10 || c === 9 || c === 13) return false;
  }
  return false;
}

export type HitCheck = (
  data: Uint8Array,
  start: number,
  end: number,
) => boolean;

export const hitChecks: Partial<Record<string, HitCheck>> = {
  assignment: assignmentHit,
  "url-credentials": urlHit,
};
