/**
 * Keyword anchoring: which rules can only match where one of their keywords starts. For such a
 * rule the detector does not search windows around keyword hits; it tries the regex once, sticky,
 * at each hit (the same matches, far fewer regex steps). The analysis reads the JS source of a
 * translated rule regex and lists the literal text every match must begin with; it is
 * conservative: anything it does not understand ends a prefix there, so a rule is anchored only
 * when every possible match provably begins with one of its keywords.
 */

/** Longest prefix kept, and most alternatives followed before giving up. */
const maxPrefix = 40;
const maxAlternatives = 64;

interface Prefix {
  text: string;
  /** No more literal text can follow (an unknown or variable item was reached). */
  done: boolean;
}

/** Quantifier at `i`: its bounds and where the next item starts, or undefined. */
function quantifier(
  src: string,
  i: number,
): { min: number; max: number; next: number } | undefined {
  const c = src[i];
  let q: { min: number; max: number; next: number } | undefined;
  if (c === "?") q = { min: 0, max: 1, next: i + 1 };
  else if (c === "*") q = { min: 0, max: Infinity, next: i + 1 };
  else if (c === "+") q = { min: 1, max: Infinity, next: i + 1 };
  else if (c === "{") {
    const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(src.slice(i, i + 24));
    if (m)
      q = {
        min: Number(m[1]),
        max: m[2] ? (m[3] ? Number(m[3]) : Infinity) : Number(m[1]),
        next: i + m[0].length,
      };
  }
  if (q && src[q.next] === "?") q.next++;
  return q;
}

/** End of the group opening at `i` (index of its `)`), skipping classes and escapes. */
function groupEnd(src: string, i: number): number {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j];
    if (c === "\\") j++;
    else if (c === "[") j = classEnd(src, j);
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j;
  }
  return -1;
}

/** Index of the `]` closing the class that opens at `i`. */
function classEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === "^") j++;
  if (src[j] === "]") j++;
  for (; j < src.length; j++) {
    if (src[j] === "\\") j++;
    else if (src[j] === "]") return j;
  }
  return src.length;
}

/** Top-level `|` splits of src[from, to). */
function alternatives(
  src: string,
  from: number,
  to: number,
): [number, number][] {
  const out: [number, number][] = [];
  let start = from;
  let depth = 0;
  for (let j = from; j < to; j++) {
    const c = src[j];
    if (c === "\\") j++;
    else if (c === "[") j = classEnd(src, j);
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push([start, j]);
      start = j + 1;
    }
  }
  out.push([start, to]);
  return out;
}

const literalEscapes: Record<string, string> = {
  t: "\t",
  n: "\n",
  r: "\r",
  f: "\f",
  v: "\v",
};

/**
 * The single character an atom at `i` stands for (lower-cased), or undefined when it is not one
 * literal; `zeroWidth` for assertions; `next` is where the atom ends.
 */
function atom(
  src: string,
  i: number,
):
  | {
      char?: string;
      chars?: string[];
      zeroWidth?: boolean;
      group?: [number, number];
      optional?: boolean;
      next: number;
    }
  | undefined {
  const c = src[i]!;
  if (c === "\\") {
    const e = src[i + 1];
    if (e === undefined) return undefined;
    if (e === "b" || e === "B") return { zeroWidth: true, next: i + 2 };
    if (e === "x") {
      const hex = src.slice(i + 2, i + 4);
      return /^[0-9a-fA-F]{2}$/.test(hex)
        ? {
            char: String.fromCharCode(parseInt(hex, 16)).toLowerCase(),
            next: i + 4,
          }
        : undefined;
    }
    if (e === "u") {
      const hex = src.slice(i + 2, i + 6);
      return /^[0-9a-fA-F]{4}$/.test(hex)
        ? {
            char: String.fromCharCode(parseInt(hex, 16)).toLowerCase(),
            next: i + 6,
          }
        : undefined;
    }
    if (literalEscapes[e]) return { char: literalEscapes[e], next: i + 2 };
    if (/[0-9A-Za-z]/.test(e)) return { next: i + 2 }; // \w, \d, \s, back-references…
    return { char: e.toLowerCase(), next: i + 2 };
  }
  if (c === "[") {
    const end = classEnd(src, i);
    const body = src.slice(i + 1, end);
    // A few plain characters ([aA], [os], [MC]): one alternative each, case folded.
    if (body.length > 0 && body.length <= 8 && /^[0-9A-Za-z_]+$/.test(body))
      return { chars: [...new Set(body.toLowerCase())], next: end + 1 };
    return { next: end + 1 };
  }
  if (c === "(") {
    const end = groupEnd(src, i);
    if (end < 0) return undefined;
    if (
      src.startsWith("(?=", i) ||
      src.startsWith("(?!", i) ||
      src.startsWith("(?<=", i) ||
      src.startsWith("(?<!", i)
    )
      return { zeroWidth: true, next: end + 1 };
    let from = i + 1;
    if (src.startsWith("?:", from)) from += 2;
    else if (src.startsWith("?<", from)) from = src.indexOf(">", from) + 1;
    return { group: [from, end], next: end + 1 };
  }
  if (c === "^" || c === "$") return { zeroWidth: true, next: i + 1 };
  if (c === "." || c === ")" || c === "|") return { next: i + 1 };
  return { char: c.toLowerCase(), next: i + 1 };
}

/** Literal prefixes of src[from, to); undefined when there are too many to follow. */
function sequence(
  src: string,
  from: number,
  to: number,
  start: Prefix[],
): Prefix[] | undefined {
  let current = start;
  let i = from;
  while (i < to && current.some((p) => !p.done)) {
    const a = atom(src, i);
    if (!a) return current.map((p) => ({ ...p, done: true }));
    const q = quantifier(src, a.next);
    const next = q ? q.next : a.next;
    if (a.zeroWidth) {
      i = next;
      continue;
    }
    let once: Prefix[] | undefined;
    const chars = a.char !== undefined ? [a.char] : a.chars;
    if (chars) {
      once = current.flatMap((p) =>
        p.done
          ? [p]
          : chars.map((c) => ({
              text: p.text + c,
              done: p.text.length + 1 >= maxPrefix,
            })),
      );
    } else if (a.group) {
      once = [];
      for (const p of current) {
        if (p.done) {
          once.push(p);
          continue;
        }
        for (const [s, e] of alternatives(src, a.group[0], a.group[1])) {
          const r = sequence(src, s, e, [p]);
          if (!r) return undefined;
          once.push(...r);
        }
      }
    } else {
      once = current.map((p) => ({ ...p, done: true }));
    }
    if (once.length > maxAlternatives) return undefined;
    if (!q || (q.min === 1 && q.max === 1)) current = once;
    else if (q.min === 0 && q.max === 1) {
      current = [...once, ...current];
      if (current.length > maxAlternatives) return undefined;
    } else if (q.min === 0)
      current = current.map((p) => ({ ...p, done: true }));
    // At least once, maybe more: what follows is not known.
    else current = once.map((p) => ({ ...p, done: true }));
    i = next;
  }
  return current;
}

/**
 * The lower-cased literal text that every match of a JS regex source begins with, one entry per
 * alternative (possibly empty strings); undefined when the pattern is too branchy to follow.
 */
export function literalPrefixes(source: string): string[] | undefined {
  const r = sequence(source, 0, source.length, [{ text: "", done: false }]);
  return r && [...new Set(r.map((p) => p.text))];
}

/** Whether every prefix starts with one of the keywords. */
const covered = (
  prefixes: string[] | undefined,
  keywords: readonly string[],
): boolean =>
  prefixes !== undefined &&
  prefixes.length > 0 &&
  prefixes.every((p) => keywords.some((k) => k.length > 0 && p.startsWith(k)));

/** An item that consumes at most one character (`["']?`, `(?:^|[^A-Za-z])`): where it ends. */
function singleCharLead(src: string): number | undefined {
  const a = atom(src, 0);
  if (!a || a.zeroWidth) return undefined;
  const q = quantifier(src, a.next);
  if (q && q.max > 1) return undefined;
  const next = q ? q.next : a.next;
  if (a.char !== undefined || a.chars || (!a.group && src[0] !== "("))
    return next;
  if (!a.group) return undefined;
  for (const [s, e] of alternatives(src, a.group[0], a.group[1])) {
    const inner = atom(src, s);
    if (!inner || inner.group || inner.next !== e) return undefined;
    if (quantifier(src, inner.next)) return undefined;
  }
  return next;
}

/**
 * Where matches of a JS regex source start relative to a keyword hit: `0` when every match
 * begins exactly at one of `keywords` (lower-cased); `1` when it begins one character before
 * (a leading `(?:^|[^A-Za-z])` or `["']?`) or at it; undefined when matches are not tied to a
 * keyword's start and must be searched for around it.
 */
export function keywordAnchor(
  source: string,
  keywords: readonly string[],
): 0 | 1 | undefined {
  if (keywords.length === 0) return undefined;
  if (covered(literalPrefixes(source), keywords)) return 0;
  const lead = singleCharLead(source);
  if (
    lead !== undefined &&
    covered(literalPrefixes(source.slice(lead)), keywords)
  )
    return 1;
  return undefined;
}

/** The source opens with `\b`: a hit preceded and started by ASCII word bytes cannot match. */
export function startsWithBoundary(source: string): boolean {
  return source.startsWith("\\b");
}
