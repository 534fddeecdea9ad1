import type { AllowlistSpec } from "./rule.js";

/** Most backtracking paths a bounded pattern may have per start position (product of its ranges). */
const maxBoundedPaths = 10_000;

/** `{n}`, `{n,}` or `{n,m}` at the start of `text`. */
const braces = /^\{(\d+)(,(\d*))?\}/;
/** A group's opening that is not a lookaround: `(?:`, `(?i)`, `(?i:`, `(?P<name>`, `(?<name>`. */
const groupOpening = /^\(\?(?:[a-zA-Z-]*[:)]|P?<[A-Za-z_]\w*>)/;

/**
 * Whether a backtracking engine (V8's) runs a user's pattern (Go or JS syntax) in bounded time
 * per start position: no backreference, no lookaround, quantifiers only on single atoms (a
 * character, an escape, a class; never on a group), at most `unbounded` `*`, `+` or `{n,}`, and
 * the bounded ones' ranges multiply to at most 10,000. Catastrophic patterns (`(a+)+$`, `(a|aa)*`,
 * `a*a*b`) all fail it. Conservative: a pattern it cannot read fails it too. A rule file's
 * allowlist made only of such patterns may run on the calling thread (ADR 109), where a
 * pattern cannot be stopped once it has started.
 */
export function backtracksBoundedly(
  source: string,
  unbounded: number,
): boolean {
  let unboundedSeen = 0;
  let paths = 1;
  /** What a quantifier here would repeat. */
  let previous: "nothing" | "atom" | "group" | "quantifier" = "nothing";
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      const next = source[i + 1];
      if (next === undefined || /[1-9k]/.test(next)) return false;
      if (/[pPx]/.test(next) && source[i + 2] === "{") {
        const end = source.indexOf("}", i + 3);
        if (end < 0) return false;
        i = end;
      } else i++;
      previous = "atom";
    } else if (c === "[") {
      let j = i + 1;
      if (source[j] === "^") j++;
      if (source[j] === "]") j++;
      for (; j < source.length && source[j] !== "]"; j++) {
        if (source[j] === "\\") j++;
        else if (source[j] === "[" && source[j + 1] === ":") {
          const end = source.indexOf(":]", j + 2);
          if (end < 0) return false;
          j = end + 1;
        }
      }
      if (j >= source.length) return false;
      i = j;
      previous = "atom";
    } else if (c === "(") {
      if (source[i + 1] === "?") {
        const opening = groupOpening.exec(source.slice(i));
        if (!opening) return false;
        i += opening[0].length - 1;
      }
      previous = "nothing";
    } else if (c === ")") {
      previous = "group";
    } else if (c === "|") {
      previous = "nothing";
    } else if (
      c === "*" ||
      c === "+" ||
      c === "?" ||
      (c === "{" && braces.test(source.slice(i)))
    ) {
      // `?` after a quantifier makes it lazy: the same paths.
      if (c === "?" && previous === "quantifier") continue;
      if (previous !== "atom") return false;
      if (c === "*" || c === "+") unboundedSeen++;
      else if (c === "?") paths *= 2;
      else {
        const [text, min, comma, max] = braces.exec(source.slice(i))!;
        if (comma !== undefined && max === "") unboundedSeen++;
        else if (comma !== undefined) paths *= Number(max) - Number(min) + 1;
        i += text.length - 1;
      }
      previous = "quantifier";
    } else {
      previous = "atom";
    }
  }
  return unboundedSeen <= unbounded && paths <= maxBoundedPaths;
}

/**
 * Whether a rule file's allowlist runs in bounded time on any content: its regexes (matched
 * against secrets, matches or whole lines) with no unbounded quantifier, its paths (a file's
 * path is short) with at most one. Stopwords and commits are compared as strings.
 */
export function allowlistBounded(spec: AllowlistSpec): boolean {
  return (
    (spec.regexes ?? []).every((r) => backtracksBoundedly(r, 0)) &&
    (spec.paths ?? []).every((p) => backtracksBoundedly(p, 1))
  );
}
