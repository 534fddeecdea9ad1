import { allowlistMatches } from "./allow.js";
import { runCheck } from "./checks.js";
import type { Anchor } from "./composite.js";
import { codePoints } from "./composite.js";
import type { DetectResult, Fragment, SecretMatch } from "./detect-types.js";
import type { HitLists, Plan } from "./plan.js";
import { isPrefixChar, windowBefore } from "./plan.js";
import type { CompiledRule, RuleSet } from "./rule.js";
import { shannonEntropy } from "./rule.js";
import type { FragmentText } from "./windows.js";
import { lineEndAfter, lineStartBefore } from "./windows.js";

/**
 * One rule searched over one fragment: at its keyword hits (anchored) or in windows around them,
 * each regex match then checked (entropy, checks, inline allow markers, allowlists) and placed.
 * The Detector (detect.ts) decides which rules run; these functions run one.
 */

// detect-secrets' inline marker too, so a file written for it keeps its exceptions.
const allowMarker = /(?:sluice|gitleaks):allow|pragma: allowlist secret/;

/** The state of one detect call, passed to the per-rule runners. */
export interface Run {
  ruleSet: RuleSet;
  fragment: Fragment;
  data: Buffer;
  content: FragmentText;
  result: DetectResult;
  now: () => number;
  budget: number;
  /** When the current rule started, and whether it ran over its budget. */
  started: number;
  timedOut: boolean;
  /**
   * Contextual values below the scan's confidence (byte ranges): no findings, but masked like
   * allowed values where a report prints a neighbour finding's lines.
   */
  belowConfidence?: { ruleId: string; start: number; end: number }[];
  /**
   * Values an allowlist or an allow marker let through (byte ranges), placed (lines and
   * columns) by `placeAllowed` only once the fragment has findings: only then does a report
   * print their lines. Placing each one as it is found cost a line table and a column decode
   * per allowed value in every file (on minified lines, megabytes of text per value).
   */
  allowedAt?: AllowedAt[];
  /** Only when the rule set has composite rules: where gitleaks places each match. */
  anchors?: Map<SecretMatch, Anchor>;
}

/**
 * Moves the start of a match found without its lazy `[\w.-]{0,50}?` prefix back over up to
 * `reach` prefix characters, never before `floor` (the end of the previous match): the match
 * the full regex finds.
 */
function extendOverPrefix(
  m: RegExpExecArray,
  text: string,
  floor: number,
  reach: number,
): void {
  let q = m.index;
  while (
    q > floor &&
    m.index - q < reach &&
    isPrefixChar(text.charCodeAt(q - 1))
  )
    q--;
  if (q === m.index) return;
  m[0] = text.slice(q, m.index + m[0].length);
  m.index = q;
}

/** Checks the rule's time budget; true once it is spent. */
export function spent(run: Run): boolean {
  if (!run.timedOut && run.now() - run.started > run.budget)
    run.timedOut = true;
  return run.timedOut;
}

/** A rule anchored at its keywords: its regex tried once (sticky) at each hit, in order. */
export function runAnchored(
  hits: HitLists,
  r: number,
  p: Plan,
  run: Run,
): void {
  const count = hits.counts[r]!;
  const starts = hits.starts[r]!.subarray(0, count);
  if (hits.unsorted[r]) starts.sort();
  const rule = run.ruleSet.rules[r]!;
  const text = run.content.text;
  const regex = p.regex;
  const reach = 50 * p.prefixes;
  // Where the previous match ended: matches do not overlap.
  let floor = 0;
  let last = -1;
  for (let i = 0; i < count; i++) {
    const at = starts[i]!;
    if (at === last || at < floor) continue;
    last = at;
    for (let from = Math.max(floor, at - p.back); from <= at; from++) {
      run.result.regexRuns++;
      regex.lastIndex = from;
      const m = regex.exec(text);
      if (m === null || m[0].length === 0) continue;
      if (reach > 0) extendOverPrefix(m, text, floor, reach);
      floor = m.index + m[0].length;
      consider(rule, m, 0, run);
      break;
    }
    if (((i & 255) === 255 || floor > at) && spent(run)) return;
  }
}

/**
 * A rule searched in windows: byte ranges around its hits (64 bytes before a keyword to
 * `window` bytes after it; whole lines for multi-line rules), or the whole fragment for a rule
 * without keywords. A single-line match must start by its keyword.
 */
export function runWindows(hits: HitLists, r: number, p: Plan, run: Run): void {
  const count = hits.counts[r]!;
  const rule = run.ruleSet.rules[r]!;
  const data = run.data;
  const lines = p.mode === "lines";
  // [start, end, last byte where a match may start]
  const windows: [number, number, number][] = [];
  if (count === 0) windows.push([0, data.length, data.length]);
  const starts = hits.starts[r]!;
  const ends = hits.ends[r]!;
  const idx = Array.from({ length: count }, (_, i) => i);
  if (hits.unsorted[r]) idx.sort((a, b) => starts[a]! - starts[b]!);
  for (const i of idx) {
    const hs = starts[i]!;
    const start = lineStartBefore(
      data,
      hs,
      lines ? rule.window : windowBefore,
      lines,
    );
    const end = lineEndAfter(data, ends[i]!, rule.window, lines);
    const lastStart = lines ? end : hs;
    const prev = windows[windows.length - 1];
    if (prev && start <= prev[1]) {
      prev[1] = Math.max(prev[1], end);
      prev[2] = Math.max(prev[2], lastStart);
    } else windows.push([start, end, lastStart]);
  }
  const regex = p.regex;
  const reach = 50 * p.prefixes;
  const text = run.content.text;
  for (const [bStart, bEnd, bLast] of windows) {
    run.result.regexRuns++;
    // A few bytes of context before the window keep \b and similar tests exact.
    const from = lines ? bStart : Math.max(0, bStart - 8);
    const win = text.slice(from, bEnd);
    const stop = lines ? win.length : bLast - from;
    regex.lastIndex = bStart - from;
    let floor = 0;
    let m: RegExpExecArray | null;
    while ((m = regex.exec(win)) !== null && m.index <= stop + reach) {
      if (m[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      if (reach > 0) {
        extendOverPrefix(m, win, floor, reach);
        if (m.index > stop) continue;
      }
      floor = m.index + m[0].length;
      consider(rule, m, from, run);
      if (spent(run)) return;
    }
  }
}

/** A value let through by an allowlist, not yet placed. */
interface AllowedAt {
  ruleId: string;
  start: number;
  end: number;
  secret: string;
  entropy: number;
}

/** A match of `ruleId` on bytes `from`..`to` of the fragment, with its lines and columns. */
function placeMatch(
  run: Run,
  ruleId: string,
  from: number,
  to: number,
  secret: string,
  entropy: number,
): SecretMatch {
  const { content, fragment } = run;
  const start = content.position(from);
  const end = content.position(to);
  const map = fragment.lineMap;
  return {
    ruleId,
    line: map ? (map[start.line - 1] ?? start.line) : start.line,
    column: start.column,
    endLine: map ? (map[end.line - 1] ?? end.line) : end.line,
    endColumn: end.column,
    secret,
    entropy,
  };
}

/** Places the allowed values (see `Run.allowedAt`) once the fragment has findings. */
export function placeAllowed(run: Run): void {
  if (!run.allowedAt || run.result.matches.length === 0) return;
  for (const a of run.allowedAt)
    (run.result.allowed ??= []).push(
      placeMatch(run, a.ruleId, a.start, a.end, a.secret, a.entropy),
    );
}

/** A regex match (`m.index` relative to byte `base`): secret, allow checks, position. */
export function consider(
  rule: CompiledRule,
  m: RegExpExecArray,
  base: number,
  run: Run,
): void {
  const { fragment, content, result } = run;
  const matchStart = base + m.index;
  const matchEnd = matchStart + m[0].length;
  let raw = m[0];
  if (rule.spec.secretGroup !== undefined) {
    raw = m[rule.spec.secretGroup] ?? "";
  } else {
    for (let g = 1; g < m.length; g++) {
      if (m[g]) {
        raw = m[g]!;
        break;
      }
    }
  }
  if (!raw) return;
  // Offsets are bytes (the text is Latin-1); what is checked and reported is UTF-8.
  const secretStart = Math.max(0, m[0].indexOf(raw)) + matchStart;
  const secretEnd = secretStart + raw.length;
  const secret = content.decode(secretStart, secretEnd);
  // gitleaks' filters, cheapest first (each only drops candidates, so the order is free).
  const entropy = shannonEntropy(secret);
  if (rule.spec.entropy !== undefined && entropy <= rule.spec.entropy) return;
  if (rule.spec.check && !runCheck(rule.spec.check, secret, m)) return;
  const matchText = content.decode(matchStart, matchEnd);
  // The line(s) of the match, for inline allow markers and line allowlists.
  const lineText = content.lineAround(matchStart, matchEnd);
  const allowed =
    allowMarker.test(lineText) ||
    run.ruleSet.allowlists.some(
      (a) =>
        (!a.targetRules || a.targetRules.has(rule.id)) &&
        allowlistMatches(
          a,
          fragment.path,
          fragment.commit,
          secret,
          matchText,
          lineText,
        ),
    ) ||
    allowedByRule(
      rule,
      fragment.path,
      fragment.commit,
      secret,
      matchText,
      lineText,
    );

  // An allowed value is no finding, but still a value a rule matched: reports mask it too.
  if (allowed) {
    (run.allowedAt ??= []).push({
      ruleId: rule.id,
      start: secretStart,
      end: secretEnd,
      secret,
      entropy,
    });
    return;
  }
  const match = placeMatch(
    run,
    rule.id,
    secretStart,
    secretEnd,
    secret,
    entropy,
  );
  result.matches.push(match);
  if (run.anchors) run.anchors.set(match, anchorAt(run, matchStart));
}

/** A rule's own allowlists let the value through. */
export function allowedByRule(
  rule: CompiledRule,
  path: string,
  commit: string | undefined,
  secret: string,
  match: string,
  line: string,
): boolean {
  return rule.allowlists.some((a) =>
    allowlistMatches(a, path, commit, secret, match, line),
  );
}

/** gitleaks' start line and column of a match at byte `offset` (see `Anchor`). */
function anchorAt(run: Run, offset: number): Anchor {
  const { content, fragment } = run;
  const line = content.position(offset).line;
  const text = content.text;
  const lineStart = offset > 0 ? text.lastIndexOf("\n", offset - 1) + 1 : 0;
  const column =
    codePoints(content.decode(lineStart, offset)) + (line > 1 ? 2 : 1);
  const map = fragment.lineMap;
  return { line: map ? (map[line - 1] ?? line) : line, column };
}
