import type { RequiredSpec } from "./rule.js";

/**
 * gitleaks composite rules (`[[rules.required]]`, v8.28+): a primary rule's finding is reported
 * only when every rule it requires also has a finding in the same fragment, near enough. This
 * module is the pure part: where gitleaks puts a finding, and whether two are near.
 */

/** Where gitleaks places a finding for proximity: the start of the *match* (not the secret). */
export interface Anchor {
  /** gitleaks `StartLine`: the file line (a diff's added lines map to their file lines). */
  line: number;
  /**
   * gitleaks `StartColumn`, in Unicode code points. gitleaks counts from the newline that ends
   * the previous line, so past the fragment's first line its columns are one more than the
   * 1-based column; only same-line differences are compared, where this cancels out.
   */
  column: number;
}

/** A path-only rule's finding has no position: gitleaks leaves its line and column at 0. */
export const noAnchor: Anchor = { line: 0, column: 0 };

/** Unicode code points in a UTF-16 string (a surrogate pair counts once). */
export function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) n--;
    }
  }
  return n;
}

/**
 * gitleaks' `withinProximity`: no constraint means anywhere in the fragment; `withinLines: N`
 * allows start lines at most N apart; `withinColumns: N` allows start columns at most N apart
 * *on the same line* (columns restart at each line, so findings on different lines never
 * satisfy it: gitleaks issue 2122). Both given: both must hold. Bounds are inclusive.
 */
export function withinProximity(
  primary: Anchor,
  required: Anchor,
  spec: RequiredSpec,
): boolean {
  if (spec.withinLines !== undefined) {
    if (Math.abs(primary.line - required.line) > spec.withinLines) return false;
  }
  if (spec.withinColumns !== undefined) {
    if (primary.line !== required.line) return false;
    if (Math.abs(primary.column - required.column) > spec.withinColumns)
      return false;
  }
  return true;
}

/**
 * The required findings that make a primary finding reportable: for each `required` entry, the
 * component findings within its proximity, in order (as gitleaks lists them). `undefined` when
 * some required rule has none, and the primary finding is dropped.
 */
export function satisfied<T>(
  primary: Anchor,
  required: readonly RequiredSpec[],
  components: (ruleId: string) => readonly { anchor: Anchor; item: T }[],
): T[] | undefined {
  const found: T[] = [];
  for (const spec of required) {
    let any = false;
    for (const c of components(spec.id)) {
      if (!withinProximity(primary, c.anchor, spec)) continue;
      found.push(c.item);
      any = true;
    }
    if (!any) return undefined;
  }
  return found;
}
