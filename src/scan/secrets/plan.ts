import { keywordAnchor, startsWithBoundary } from "./anchor.js";
import type { CompiledRule } from "./rule.js";

/** Per-rule plans and keyword-hit lists for the detector. */

const lazyPrefix = String.raw`[\w.\-]{0,50}?`;

/** `[\w.-]` without the u flag: ASCII letters, digits, `_`, `.` and `-`. */
export const isPrefixChar = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 95 ||
  c === 46 ||
  c === 45;

/** An ASCII word byte, as JS `\b` sees it without the u flag. */
export const isWordAscii = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 95;

/** How far before a keyword a single-line match may start (gitleaks' `[\w.-]{0,50}?` prefixes). */
export const windowBefore = 64;

/** How a rule's regex is run over a fragment. */
export interface Plan {
  /**
   * `anchored`: every match starts at a keyword (or `back` characters before it): the regex is
   * tried once, sticky, at each hit. `window`: searched from 64 bytes before a hit to `window`
   * bytes after it. `lines`: multi-line rules and rules without keywords, searched over whole
   * lines around their hits (or the whole fragment).
   */
  mode: "anchored" | "window" | "lines";
  regex: RegExp;
  /** Characters a match may start before its keyword hit (anchored mode): 0 or 1. */
  back: number;
  /** Lazy `[\w.-]{0,50}?` prefixes removed from the regex: matches extend back over 50 × this. */
  prefixes: number;
  /** The regex opens with `\b`: a hit inside a word cannot match. */
  boundary: boolean;
}

/** Removes leading lazy prefixes (also one opening a non-capturing group); how many. */
function stripLazyPrefixes(source: string): { source: string; count: number } {
  let count = 0;
  for (;;) {
    if (source.startsWith(lazyPrefix)) source = source.slice(lazyPrefix.length);
    else if (source.startsWith(`(?:${lazyPrefix}`))
      source = `(?:${source.slice(3 + lazyPrefix.length)}`;
    else return { source, count };
    count++;
  }
}

/** How to run a rule: anchored at its keyword hits when its regex allows, else in windows. */
export function plan(rule: CompiledRule, anchor = true): Plan {
  const regex = rule.regex!;
  if (rule.spec.window !== undefined || rule.keywords.length === 0)
    return {
      mode: "lines",
      regex: new RegExp(regex.source, `${regex.flags}g`),
      back: 0,
      prefixes: 0,
      boundary: false,
    };
  const stripped = stripLazyPrefixes(regex.source);
  const back = anchor
    ? keywordAnchor(stripped.source, rule.keywords)
    : undefined;
  if (back === undefined)
    return {
      mode: "window",
      regex: new RegExp(stripped.source, `${regex.flags}g`),
      back: 0,
      prefixes: stripped.count,
      boundary: false,
    };
  return {
    mode: "anchored",
    regex: new RegExp(stripped.source, `${regex.flags}y`),
    back,
    prefixes: stripped.count,
    boundary: back === 0 && startsWithBoundary(stripped.source),
  };
}

/** Growable per-rule lists of keyword hits: start and end byte offsets. */
export class HitLists {
  starts: Int32Array[] = [];
  ends: Int32Array[] = [];
  counts: Int32Array;
  /** Rules with at least one hit in the current fragment, in first-hit order. */
  touched: number[] = [];
  /** A rule's starts are not in increasing order (keywords of different lengths). */
  unsorted: Uint8Array;

  constructor(rules: number) {
    this.counts = new Int32Array(rules);
    this.unsorted = new Uint8Array(rules);
  }

  reset(): void {
    for (const r of this.touched) {
      this.counts[r] = 0;
      this.unsorted[r] = 0;
    }
    this.touched.length = 0;
  }

  push(r: number, start: number, end: number): void {
    const n = this.counts[r]!;
    let starts = this.starts[r];
    let ends = this.ends[r]!;
    if (n === 0) {
      this.touched.push(r);
      if (!starts) {
        this.starts[r] = starts = new Int32Array(16);
        this.ends[r] = ends = new Int32Array(16);
      }
    } else if (n === starts!.length) {
      const s = new Int32Array(n * 2);
      s.set(starts!);
      const e = new Int32Array(n * 2);
      e.set(ends);
      this.starts[r] = starts = s;
      this.ends[r] = ends = e;
    }
    if (n > 0 && start < starts![n - 1]!) this.unsorted[r] = 1;
    starts![n] = start;
    ends[n] = end;
    this.counts[r] = n + 1;
  }
}
