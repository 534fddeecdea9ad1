import { allowlistMatches } from "./allow.js";
import type {
  Confidence,
  ContextualDetector,
  Syntax,
} from "./contextual/index.js";
import { confidenceRank, contextualDetector } from "./contextual/index.js";
import type { SecretMatch } from "./detect-types.js";
import type { CompiledRule } from "./rule.js";
import { shannonEntropy } from "./rule.js";
import type { Run } from "./rule-search.js";
import { allowedByRule, spent } from "./rule-search.js";

const allowMarker = /(?:sluice|gitleaks):allow|pragma: allowlist secret/;

/**
 * Tests, fixtures, examples and documentation hold sample credentials far more often than live
 * ones: a contextual finding there is one confidence level lower (a `high` one still reports).
 */
const samplePath =
  /(?:^|\/)(?:tests?|__tests__|spec|specs|fixtures?|examples?|samples?|docs?|testdata|mocks?|benchmarks?)\/|[._-](?:test|spec)\.[a-z]+$/i;

/** Documentation: its credentials are examples; a contextual finding there is `low`. */
const docPath = /\.(?:md|markdown|rst|adoc)$/i;

const lower: Record<Confidence, Confidence> = {
  high: "medium",
  medium: "low",
  low: "low",
};

/** The line of a hit, or at most 4 KiB either side of it on a minified line of megabytes. */
function lineNear(
  text: string,
  start: number,
  end: number,
  content: Run["content"],
): string {
  let from = start;
  const floor = Math.max(0, start - 4096);
  while (from > floor && text.charCodeAt(from - 1) !== 10) from--;
  let to = end;
  const ceiling = Math.min(text.length, end + 4096);
  while (to < ceiling && text.charCodeAt(to) !== 10) to++;
  return content.decode(from, to);
}

/** Hits handed to a detector at a time: the rule's time budget is checked between groups. */
const hitGroup = 1024;

/**
 * Runs a detector over its hits in groups of `hitGroup`, checking the rule's time budget between
 * groups (a file of 100,000 `password=` lines stops at the budget, reported, instead of holding
 * its worker until the watchdog). A value found from hits of two groups is kept once.
 */
function detectInTime(
  detect: ContextualDetector,
  input: Parameters<ContextualDetector>[0],
  run: Run,
): ReturnType<ContextualDetector> {
  const { hits } = input;
  if (hits.length <= hitGroup) return detect(input);
  const found: ReturnType<ContextualDetector> = [];
  const seen = new Set<string>();
  for (let i = 0; i < hits.length; i += hitGroup) {
    for (const hit of detect({ ...input, hits: hits.slice(i, i + hitGroup) })) {
      const key = `${hit.start}:${hit.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(hit);
    }
    if (spent(run)) break;
  }
  return found;
}

/** Detector functions by rule, built on first use. */
const detectors = new WeakMap<CompiledRule, ContextualDetector>();

/**
 * Runs a contextual rule over a fragment (at its keyword hits, or the whole file for a rule gated
 * by path) and places its hits as matches, through the same inline markers and allowlists as a
 * regex rule's. Each match carries its confidence, the name it matched and the file syntax.
 */
export function runContextual(
  rule: CompiledRule,
  hits: readonly number[],
  run: Run,
  syntax: Syntax,
  minConfidence = 0,
): void {
  let detect = detectors.get(rule);
  if (!detect) {
    detect = contextualDetector(
      rule.spec.contextual!,
      rule.spec.maxDecodeDepth,
    );
    detectors.set(rule, detect);
  }
  const { fragment, content, result } = run;
  const path = fragment.path;
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const text = content.text;
  run.result.regexRuns++;
  const found = detectInTime(detect, { path, name, text, syntax, hits }, run);
  const sample = found.length > 0 && samplePath.test(path);
  const doc = found.length > 0 && docPath.test(path);
  for (const hit of found) {
    const confidence = doc
      ? "low"
      : sample
        ? lower[hit.confidence]
        : hit.confidence;
    if (confidenceRank(confidence) < minConfidence) {
      (run.belowConfidence ??= []).push({
        ruleId: rule.id,
        start: hit.start,
        end: hit.endOffset ?? hit.end,
      });
      continue;
    }
    const secret = hit.secret ?? content.decode(hit.start, hit.end);
    if (!secret) continue;
    const stop = hit.endOffset ?? hit.end;
    const matchText = content.decode(hit.start, stop);
    // The hit's line, or 2 KiB around it on a minified line of megabytes.
    const lineText = lineNear(content.text, hit.start, hit.end, content);
    const allowed =
      allowMarker.test(lineText) ||
      run.ruleSet.allowlists.some(
        (a) =>
          (!a.targetRules || a.targetRules.has(rule.id)) &&
          allowlistMatches(
            a,
            path,
            fragment.commit,
            secret,
            matchText,
            lineText,
          ),
      ) ||
      allowedByRule(rule, path, fragment.commit, secret, matchText, lineText);
    // Placed only if the fragment has findings (see `Run.allowedAt`).
    if (allowed) {
      (run.allowedAt ??= []).push({
        ruleId: rule.id,
        start: hit.start,
        end: stop,
        secret,
        entropy: shannonEntropy(secret),
      });
      continue;
    }
    const start = content.position(hit.start);
    const end = content.position(stop);
    const map = fragment.lineMap;
    const match: SecretMatch = {
      ruleId: rule.id,
      line: map ? (map[start.line - 1] ?? start.line) : start.line,
      column: start.column,
      endLine: map ? (map[end.line - 1] ?? end.line) : end.line,
      endColumn: end.column,
      secret,
      entropy: shannonEntropy(secret),
      confidence,
      syntax,
      ...(hit.key ? { key: hit.key } : {}),
    };
    result.matches.push(match);
  }
}

/**
 * Places the values dropped for their confidence as allowed matches (masked in reports), once a
 * fragment has findings: only then does a report print its lines.
 */
export function maskBelowConfidence(run: Run): void {
  if (!run.belowConfidence || run.result.matches.length === 0) return;
  const { content, fragment } = run;
  const map = fragment.lineMap;
  for (const b of run.belowConfidence) {
    const secret = content.decode(b.start, b.end);
    const start = content.position(b.start);
    const end = content.position(b.end);
    (run.result.allowed ??= []).push({
      ruleId: b.ruleId,
      line: map ? (map[start.line - 1] ?? start.line) : start.line,
      column: start.column,
      endLine: map ? (map[end.line - 1] ?? end.line) : end.line,
      endColumn: end.column,
      secret,
      entropy: 0,
    });
  }
}

/**
 * Drops contextual matches that a regex rule already reported at the same place (a provider
 * token assigned to `API_KEY`, gitleaks' private-key rule on a PEM block): one finding per secret.
 * Linear in the matches of a line after sorting them (a file of 100,000 `password=` lines has
 * 200,000 matches: comparing every pair took minutes).
 */
export function dropCovered(matches: SecretMatch[]): SecretMatch[] {
  // Regex rules first, then the specific contextual detectors, then plain assignments.
  const rank = (m: SecretMatch): number =>
    m.confidence === undefined ? 0 : m.ruleId === "password-assignment" ? 2 : 1;
  if (!matches.some((m) => rank(m) > 0)) return matches;
  const end = (m: SecretMatch): number =>
    m.column + Math.max(1, m.endColumn - m.column);
  // Per line and rank bound (rank < 1, rank < 2): spans sorted by start, with the furthest end
  // so far. A match is covered when a span of a lower rank starts before it ends and ends after
  // it starts.
  const spans = new Map<string, { starts: number[]; ends: number[] }>();
  for (const m of [...matches].sort((a, b) => a.column - b.column)) {
    for (let below = rank(m) + 1; below <= 2; below++) {
      const key = `${m.line}:${below}`;
      let s = spans.get(key);
      if (!s) spans.set(key, (s = { starts: [], ends: [] }));
      s.starts.push(m.column);
      s.ends.push(Math.max(end(m), s.ends.at(-1) ?? 0));
    }
  }
  const covered = (m: SecretMatch): boolean => {
    const s = spans.get(`${m.line}:${rank(m)}`);
    if (!s) return false;
    // The last span starting before m ends.
    let lo = 0;
    let hi = s.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.starts[mid]! < end(m)) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && s.ends[lo - 1]! > m.column;
  };
  return matches.filter((m) => rank(m) === 0 || !covered(m));
}
