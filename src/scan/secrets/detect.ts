import { isAscii } from "node:buffer";
import { KeywordAutomaton } from "./aho-corasick.js";
import { runCheck } from "./checks.js";
import type { CompiledAllowlist, CompiledRule, RuleSet } from "./rule.js";
import { shannonEntropy } from "./rule.js";
import {
  LineIndex,
  lineEndAfter,
  lineStartBefore,
  position,
} from "./windows.js";

/** One raw detection in a file, before baselines and redaction. Never logged as is. */
export interface SecretMatch {
  ruleId: string;
  /** 1-based line and column (UTF-16 units) of the secret. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  secret: string;
  entropy: number;
}

/** A rule that ran out of time on a file: reported, its other rules' findings stand. */
export interface RuleTimeout {
  ruleId: string;
  elapsedMs: number;
}

/** The content of one scanned piece: a file, a staged diff's added lines, a commit's patch. */
export interface Fragment {
  path: string;
  data: Uint8Array;
  /** Maps a fragment line (1-based) to the file line, for diffs of added lines. */
  lineMap?: readonly number[];
  /** Commit sha, for commit allowlists. */
  commit?: string;
}

export interface DetectOptions {
  /** Milliseconds; checked between regex matches of one rule (a single runaway match is the pool's job). */
  ruleBudgetMs?: number;
  now?: () => number;
  /** Rules not to run (they timed out on this fragment before). */
  exclude?: ReadonlySet<string>;
  /** Written with the index of the rule running now, so a supervisor can name it. */
  currentRule?: Int32Array;
  /** Skip content rules (binary, too large...); path-only rules still run. */
  pathOnly?: boolean;
}

export interface DetectResult {
  matches: SecretMatch[];
  timeouts: RuleTimeout[];
  /** Number of (rule, window) regex runs, for the prefilter statistics. */
  regexRuns: number;
}

const allowMarker = /(?:sluice|gitleaks):allow/;

const lazyPrefix = String.raw`[\w.\-]{0,50}?`;

/** `[\w.-]` without the u flag: ASCII letters, digits, `_`, `.` and `-`. */
const isPrefixChar = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 95 ||
  c === 46 ||
  c === 45;

/** How far before a keyword a single-line match may start (gitleaks' `[\w.-]{0,50}?` prefixes). */
const windowBefore = 64;

/**
 * Runs a compiled rule set over fragments: one Aho–Corasick pass per fragment for all keywords,
 * then each rule's regex only in windows around its keyword hits (or over the whole fragment for
 * the few rules without keywords), then entropy, inline `sluice:allow` / `gitleaks:allow`, and the
 * global and rule allowlists, in gitleaks' order.
 */
export class Detector {
  readonly ruleSet: RuleSet;
  private readonly automaton: KeywordAutomaton;
  /** keyword index → indexes of rules that listed it. */
  private readonly keywordRules: number[][];
  private readonly keywordless: number[];

  constructor(ruleSet: RuleSet) {
    this.ruleSet = ruleSet;
    const keywords: string[] = [];
    const indexOf = new Map<string, number>();
    this.keywordRules = [];
    this.keywordless = [];
    ruleSet.rules.forEach((rule, r) => {
      if (!rule.regex) return;
      if (rule.keywords.length === 0) {
        this.keywordless.push(r);
        return;
      }
      for (const k of rule.keywords) {
        let i = indexOf.get(k);
        if (i === undefined) {
          i = keywords.length;
          keywords.push(k);
          indexOf.set(k, i);
          this.keywordRules.push([]);
        }
        this.keywordRules[i]!.push(r);
      }
    });
    this.automaton = new KeywordAutomaton(keywords);
  }

  /** Path allowed by a global allowlist (the whole fragment is skipped). */
  pathAllowed(path: string): boolean {
    return pathAllowed(this.ruleSet.allowlists, path);
  }

  detect(fragment: Fragment, options: DetectOptions = {}): DetectResult {
    const result: DetectResult = { matches: [], timeouts: [], regexRuns: 0 };
    const { path, data } = fragment;
    const rules = this.ruleSet.rules;
    // Path-only rules flag a file by its name, whatever its content.
    rules.forEach((rule) => {
      if (rule.path && !rule.regex && rule.path.test(path)) {
        if (options.exclude?.has(rule.id)) return;
        if (this.allowedByRule(rule, path, fragment.commit, "", "", "")) return;
        result.matches.push({
          ruleId: rule.id,
          line: 1,
          column: 1,
          endLine: 1,
          endColumn: 1,
          secret: path,
          entropy: 0,
        });
      }
    });
    if (options.pathOnly) return result;

    // Windows per rule: byte ranges [start, end) and, for single-line rules, the last byte where
    // a match may start (a match starts at most `windowBefore` bytes before its keyword).
    const windows = new Map<number, [number, number, number][]>();
    const hits = this.automaton.scan(data);
    for (const hit of hits) {
      const klen = this.automaton.keywords[hit.keyword]!.length;
      for (const r of this.keywordRules[hit.keyword]!) {
        const rule = rules[r]!;
        const multiLine = rule.spec.window !== undefined;
        const start = lineStartBefore(
          data,
          hit.start,
          multiLine ? rule.window : windowBefore,
          multiLine,
        );
        const end = lineEndAfter(
          data,
          hit.start + klen,
          rule.window,
          multiLine,
        );
        const lastStart = multiLine ? end : hit.start;
        const list = windows.get(r);
        const last = list?.[list.length - 1];
        if (last && start <= last[1]) {
          last[1] = Math.max(last[1], end);
          last[2] = Math.max(last[2], lastStart);
        } else if (list) list.push([start, end, lastStart]);
        else windows.set(r, [[start, end, lastStart]]);
      }
    }
    for (const r of this.keywordless)
      windows.set(r, [[0, data.length, data.length]]);
    if (windows.size === 0) return result;

    const buffer = Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.length);
    // ASCII content (most source) is decoded once and sliced; byte and character offsets agree.
    const whole = isAscii(buffer) ? buffer.toString("latin1") : undefined;
    const textOf = (from: number, to: number): string =>
      whole !== undefined
        ? whole.slice(from, to)
        : buffer.toString("utf8", from, to);
    const lines = new LineIndex(buffer);
    const now = options.now ?? (() => performance.now());
    const budget = options.ruleBudgetMs ?? Number.POSITIVE_INFINITY;

    for (const [r, list] of [...windows.entries()].sort(
      (a, b) => a[0] - b[0],
    )) {
      const rule = rules[r]!;
      if (options.exclude?.has(rule.id)) continue;
      if (rule.path && !rule.path.test(path)) continue;
      if (options.currentRule) options.currentRule[0] = r;
      const started = now();
      const multiLine =
        rule.spec.window !== undefined || this.keywordless.includes(r);
      // Single-line rules accept matches that start near a keyword; multi-line rules (private
      // keys, manifests) and keyword-less rules search their whole window.
      // gitleaks' semi-generic rules open with a lazy `[\w.-]{0,50}?` prefix, which makes V8 try
      // up to 50 prefix lengths at every position. Search without it, then extend each match
      // back over the prefix characters: the same leftmost match, found an order faster.
      const source = rule.regex!.source;
      const prefixed = !multiLine && source.startsWith(lazyPrefix);
      const regex = new RegExp(
        prefixed ? source.slice(lazyPrefix.length) : source,
        `${rule.regex!.flags}g`,
      );
      let timedOut = false;
      for (const [start, end, lastStart] of list) {
        result.regexRuns++;
        // A few bytes of context before the window keep \b and similar tests exact.
        const from = multiLine ? start : Math.max(0, start - 8);
        const text = textOf(from, end);
        let m: RegExpExecArray | null;
        if (multiLine) {
          regex.lastIndex = 0;
          while ((m = regex.exec(text)) !== null) {
            if (m[0].length === 0) {
              regex.lastIndex++;
              continue;
            }
            this.consider(rule, fragment, m, text, from, lines, result);
            if (now() - started > budget) {
              timedOut = true;
              break;
            }
          }
        } else {
          // A match must start by `lastStart`: stop at the first one that starts later.
          const stop = lastStart - from;
          regex.lastIndex = start - from;
          let floor = 0;
          while (
            (m = regex.exec(text)) !== null &&
            m.index <= stop + (prefixed ? 50 : 0)
          ) {
            if (m[0].length === 0) {
              regex.lastIndex++;
              continue;
            }
            if (prefixed) {
              let p = m.index;
              while (
                p > floor &&
                m.index - p < 50 &&
                isPrefixChar(text.charCodeAt(p - 1))
              )
                p--;
              if (p > stop) continue;
              m[0] = text.slice(p, m.index + m[0].length);
              m.index = p;
            }
            floor = m.index + m[0].length;
            this.consider(rule, fragment, m, text, from, lines, result);
            if (now() - started > budget) {
              timedOut = true;
              break;
            }
          }
        }
        if (timedOut) break;
      }
      if (timedOut)
        result.timeouts.push({ ruleId: rule.id, elapsedMs: now() - started });
    }
    if (options.currentRule) options.currentRule[0] = -1;
    return result;
  }

  private consider(
    rule: CompiledRule,
    fragment: Fragment,
    m: RegExpExecArray,
    text: string,
    windowStart: number,
    lines: LineIndex,
    result: DetectResult,
  ): void {
    const matchText = m[0];
    let secret = matchText;
    if (rule.spec.secretGroup !== undefined) {
      secret = m[rule.spec.secretGroup] ?? "";
    } else {
      for (let g = 1; g < m.length; g++) {
        if (m[g]) {
          secret = m[g]!;
          break;
        }
      }
    }
    if (!secret) return;
    // The line of the match, for inline allow markers and line allowlists.
    const lineStart = text.lastIndexOf("\n", m.index - 1) + 1;
    let lineEnd = text.indexOf("\n", m.index + matchText.length);
    if (lineEnd < 0) lineEnd = text.length;
    const lineText = text.slice(lineStart, lineEnd);
    if (allowMarker.test(lineText)) return;

    const entropy = shannonEntropy(secret);
    if (rule.spec.entropy !== undefined && entropy <= rule.spec.entropy) return;
    if (rule.spec.check && !runCheck(rule.spec.check, secret, m)) return;
    for (const a of this.ruleSet.allowlists) {
      if (a.targetRules && !a.targetRules.has(rule.id)) continue;
      if (
        allowlistMatches(
          a,
          fragment.path,
          fragment.commit,
          secret,
          matchText,
          lineText,
        )
      )
        return;
    }
    if (
      this.allowedByRule(
        rule,
        fragment.path,
        fragment.commit,
        secret,
        matchText,
        lineText,
      )
    )
      return;

    const secretOffset = Math.max(0, matchText.indexOf(secret)) + m.index;
    const start = position(text, windowStart, secretOffset, lines);
    const end = position(
      text,
      windowStart,
      secretOffset + secret.length,
      lines,
    );
    const map = fragment.lineMap;
    result.matches.push({
      ruleId: rule.id,
      line: map ? (map[start.line - 1] ?? start.line) : start.line,
      column: start.column,
      endLine: map ? (map[end.line - 1] ?? end.line) : end.line,
      endColumn: end.column,
      secret,
      entropy,
    });
  }

  private allowedByRule(
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
}

/** A path that a global, paths-only allowlist skips entirely. */
export function pathAllowed(
  allowlists: readonly CompiledAllowlist[],
  path: string,
): boolean {
  return allowlists.some(
    (a) =>
      !a.targetRules &&
      a.paths.length > 0 &&
      a.regexes.length === 0 &&
      a.stopwords.length === 0 &&
      a.paths.some((p) => p.test(path)),
  );
}

/** gitleaks semantics: OR = any criterion matches; AND = every given criterion matches. */
export function allowlistMatches(
  a: CompiledAllowlist,
  path: string,
  commit: string | undefined,
  secret: string,
  match: string,
  line: string,
): boolean {
  const checks: boolean[] = [];
  if (a.commits.length > 0)
    checks.push(commit !== undefined && a.commits.includes(commit));
  if (a.paths.length > 0) checks.push(a.paths.some((p) => p.test(path)));
  if (a.regexes.length > 0) {
    const target =
      a.regexTarget === "match"
        ? match
        : a.regexTarget === "line"
          ? line
          : secret;
    checks.push(a.regexes.some((r) => r.test(target)));
  }
  if (a.stopwords.length > 0) {
    const lower = secret.toLowerCase();
    checks.push(a.stopwords.some((w) => lower.includes(w)));
  }
  if (checks.length === 0) return false;
  return a.and ? checks.every(Boolean) : checks.some(Boolean);
}
