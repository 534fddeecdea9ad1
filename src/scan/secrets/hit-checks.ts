import type { HitCheck } from "./contextual/index.js";
import { isPrefixChar } from "./plan.js";

/**
 * Byte-level tests of a regex rule's keyword hits, run as hits are collected (built-in rules
 * only, named by `RuleSpec.hitCheck`): a hit that cannot start a match is dropped before its
 * regex runs, and a file whose hits are all dropped is never decoded. Each test is a necessary
 * condition of the rule's regex at the hit (it never drops a hit the regex would match at).
 */
export type RuleHitCheck = "assigned-value";

/** `[ \t\w.-]` and `[\s'"]`: what may stand between a name and its operator. */
const isNameOrSpace = (c: number): boolean =>
  isPrefixChar(c) ||
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 0xa0 ||
  c === 39 ||
  c === 34;

/** The first character of an operator: `=` `>` `:` `|` `?` `,`. */
const isOperator = (c: number): boolean =>
  c === 61 || c === 62 || c === 58 || c === 124 || c === 63 || c === 44;

/** `[\w.=+/-]`: what a value of the generic rule is made of (both of its alternatives). */
const isValue = (c: number): boolean =>
  isPrefixChar(c) || c === 61 || c === 43 || c === 47;

/** What may follow a value: `[\x60'"\s;]`, a `\` (of `\n`, `\r`), or the end (checked apart). */
const isValueEnd = (c: number): boolean =>
  c === 96 ||
  c === 39 ||
  c === 34 ||
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 0xa0 ||
  c === 59 ||
  c === 92;

/** Characters a name may add after its keyword (20), and spaces or quotes before the operator (3). */
const nameReach = 23;
/** An operator (`:::=` at most) and up to 5 quotes, spaces or `=` between it and its value. */
const valueReach = 9;
/** The shortest value: `[\w.=-]{10,150}` or `[a-z0-9][a-z0-9+/]{11,}`. */
const shortestValue = 10;

/**
 * gitleaks' generic-api-key after its keyword: `[ \t\w.-]{0,20}[\s'"]{0,3}`, an operator
 * (`=`, `:`, `,`, `=>`, `:=`, `||`, `?=`, `>`), `[\x60'"\s=]{0,5}`, a value of at least 10
 * `[\w.=+/-]` characters, then a quote, a space, `;`, `\` or the end. Most hits in code are a
 * `key` or `token` read, called or passed on (`keyof`, `apiKey: opts.apiKey,`), which fail here.
 */
function assignedValue(data: Uint8Array, _start: number, end: number): boolean {
  let p = end;
  const stop = Math.min(data.length, end + nameReach);
  while (p < stop && isNameOrSpace(data[p]!)) p++;
  if (p >= data.length || !isOperator(data[p]!)) return false;
  // A run of value characters starting within `valueReach` of the operator, at least 10 long,
  // ending where a value may end.
  const last = Math.min(data.length - 1, p + valueReach);
  let i = p + 1;
  while (i <= last) {
    if (!isValue(data[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < data.length && isValue(data[j]!)) j++;
    if (
      j - i >= shortestValue &&
      // Never read past the end: an out-of-bounds read deoptimizes the check.
      (j === data.length || isValueEnd(data[j]!))
    )
      return true;
    i = j + 1;
  }
  return false;
}

export const ruleHitChecks: Record<RuleHitCheck, HitCheck> = {
  "assigned-value": assignedValue,
};
