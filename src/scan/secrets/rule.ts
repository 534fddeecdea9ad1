import type { Severity } from "../finding.js";
import type { CheckName } from "./checks.js";
import type { Confidence, ContextualName } from "./contextual/index.js";
import type { RuleHitCheck } from "./hit-checks.js";
import { Stopwords } from "./stopwords.js";
import { compileGoRegex } from "./regex.js";

/** What a rule allowlist regex is matched against (gitleaks `regexTarget`). */
type RegexTarget = "secret" | "match" | "line";

/**
 * A rule or global allowlist, as in gitleaks: a finding is allowed when the allowlist matches
 * (any one criterion with `condition: "OR"`, the default; every criterion given with `"AND"`).
 * Regexes use the RE2 dialect of gitleaks rule files.
 */
export interface AllowlistSpec {
  description?: string;
  condition?: "OR" | "AND";
  regexTarget?: RegexTarget;
  regexes?: string[];
  paths?: string[];
  stopwords?: string[];
  commits?: string[];
  /** Global allowlists only: the rules it applies to (all when absent). */
  targetRules?: string[];
}

/**
 * A component a composite rule requires (gitleaks `[[rules.required]]`): another rule's id, and
 * how near its finding must be to the primary one (gitleaks' `withinLines` / `withinColumns`,
 * both inclusive). Without either, anywhere in the same fragment.
 */
export interface RequiredSpec {
  id: string;
  withinLines?: number;
  withinColumns?: number;
}

/**
 * A secret rule, in the data model of gitleaks so gitleaks TOML files map onto it one to one.
 * `regex` and `path` are in the RE2 dialect (translated to JS by `regex.ts`).
 */
export interface RuleSpec {
  id: string;
  description: string;
  /** Content pattern; a rule with only `path` flags files by name (e.g. keystores). */
  regex?: string;
  /** Path pattern (repository-relative, `/` separators). */
  path?: string;
  /** Capture group holding the secret; default: the first non-empty group, else the match. */
  secretGroup?: number;
  /** Minimum Shannon entropy of the secret: a candidate at or below it is dropped. */
  entropy?: number;
  /** Prefilter strings, matched case-insensitively; the regex runs only near them. */
  keywords?: string[];
  severity?: Severity;
  tags?: string[];
  allowlists?: AllowlistSpec[];
  /**
   * For rules whose matches span lines (private keys, manifests): how far (bytes) from a keyword
   * a match may reach, searched line-aligned. Without it a match starts at most 64 bytes before
   * its keyword and ends within 512 bytes after it.
   */
  window?: number;
  /** A named check in code (built-in rules only), run after the regex and entropy. */
  check?: CheckName;
  /**
   * gitleaks composite rule: a finding is reported only when each of these rules also has a
   * finding in the same fragment, near enough (see `composite.ts`).
   */
  required?: RequiredSpec[];
  /** Never reported on its own; still found as another rule's required component. */
  skipReport?: boolean;
  /**
   * A built-in contextual detector (contextual/index.ts) instead of a regex: it runs where the
   * rule's keywords occur (or on the files `path` names) and gives each finding a confidence.
   */
  contextual?: ContextualName;
  /** Confidence of a regex rule's findings (default `high`; contextual findings carry their own). */
  confidence?: Confidence;
  /** For the `encoded` detector: how many nested encodings to decode (default 2). */
  maxDecodeDepth?: number;
  /**
   * A named byte-level test of each keyword hit (built-in rules only, hit-checks.ts): a hit that
   * cannot start a match of this rule's regex is dropped before the regex runs.
   */
  hitCheck?: RuleHitCheck;
}

/** An allowlist ready to test. */
export interface CompiledAllowlist {
  and: boolean;
  regexTarget: RegexTarget;
  regexes: RegExp[];
  paths: RegExp[];
  stopwords: Stopwords;
  commits: string[];
  targetRules?: Set<string>;
}

/** A rule ready to run. Regexes carry no `g` flag: the detector clones with its own flags. */
export interface CompiledRule {
  spec: RuleSpec;
  id: string;
  severity: Severity;
  regex?: RegExp;
  path?: RegExp;
  keywords: string[];
  allowlists: CompiledAllowlist[];
  window: number;
}

/** A rule that could not compile: reported by id, the others still run. */
export interface RuleProblem {
  ruleId: string;
  message: string;
}

const defaultWindow = 512;

function compileAllowlist(spec: AllowlistSpec): CompiledAllowlist {
  const compiled: CompiledAllowlist = {
    and: spec.condition === "AND",
    regexTarget: spec.regexTarget ?? "secret",
    regexes: (spec.regexes ?? []).map((r) => compileGoRegex(r)),
    paths: (spec.paths ?? []).map((r) => compileGoRegex(r)),
    stopwords: new Stopwords(
      (spec.stopwords ?? []).map((s) => s.toLowerCase()),
    ),
    commits: spec.commits ?? [],
  };
  if (spec.targetRules) compiled.targetRules = new Set(spec.targetRules);
  return compiled;
}

/**
 * Rules known to compile (the built-in ones; a test compiles each): their regexes and
 * allowlists are translated on first use, so a scan that meets few of them (a pre-commit diff)
 * translates few.
 */
const trusted = new WeakSet<RuleSpec>();

/** Marks rule specs as known to compile, for lazy compilation. */
export function trustRules(specs: readonly RuleSpec[]): void {
  for (const spec of specs) trusted.add(spec);
}

/** Whether a rule spec is a built-in one (or its copy): known to compile and to run in time. */
export const isTrusted = (spec: RuleSpec): boolean => trusted.has(spec);

/** Compiles one rule; throws (with the construct named) when its regexes cannot run in JS. */
function compileRule(spec: RuleSpec): CompiledRule {
  if (
    spec.regex === undefined &&
    spec.path === undefined &&
    spec.contextual === undefined
  )
    throw new Error("the rule has neither regex nor path");
  const base = {
    spec,
    id: spec.id,
    severity: spec.severity ?? "high",
    keywords: (spec.keywords ?? []).map((k) => k.toLowerCase()),
    window: spec.window ?? defaultWindow,
  };
  if (trusted.has(spec)) {
    let regex: RegExp | undefined;
    let path: RegExp | undefined;
    let allowlists: CompiledAllowlist[] | undefined;
    return Object.defineProperties(base, {
      regex: {
        enumerable: true,
        get: () =>
          spec.regex === undefined
            ? undefined
            : (regex ??= compileGoRegex(spec.regex)),
      },
      path: {
        enumerable: true,
        get: () =>
          spec.path === undefined
            ? undefined
            : (path ??= compileGoRegex(spec.path)),
      },
      allowlists: {
        enumerable: true,
        get: () =>
          (allowlists ??= (spec.allowlists ?? []).map(compileAllowlist)),
      },
    }) as CompiledRule;
  }
  const rule: CompiledRule = {
    ...base,
    allowlists: (spec.allowlists ?? []).map(compileAllowlist),
  };
  if (spec.regex !== undefined) rule.regex = compileGoRegex(spec.regex);
  if (spec.path !== undefined) rule.path = compileGoRegex(spec.path);
  return rule;
}

/** A rule set compiled for detection, with the global allowlists. */
export interface RuleSet {
  rules: CompiledRule[];
  allowlists: CompiledAllowlist[];
  problems: RuleProblem[];
}

/** Compiles rules and global allowlists; a rule that fails is reported in `problems` and skipped. */
export function compileRuleSet(
  specs: readonly RuleSpec[],
  globalAllowlists: readonly AllowlistSpec[] = [],
): RuleSet {
  const rules: CompiledRule[] = [];
  const problems: RuleProblem[] = [];
  for (const spec of specs) {
    try {
      rules.push(compileRule(spec));
    } catch (error) {
      problems.push({ ruleId: spec.id, message: (error as Error).message });
    }
  }
  dropUnsatisfiable(rules, problems);
  const allowlists: CompiledAllowlist[] = [];
  for (const [index, spec] of globalAllowlists.entries()) {
    try {
      allowlists.push(compileAllowlist(spec));
    } catch (error) {
      problems.push({
        ruleId: `allowlist[${index}]`,
        message: (error as Error).message,
      });
    }
  }
  return { rules, allowlists, problems };
}

/**
 * Removes composite rules that require a rule the set does not have (absent, disabled, or
 * skipped because it failed to compile), each reported by id; repeated, since a dropped rule
 * may itself be required. gitleaks refuses the whole file; here the other rules still run.
 */
function dropUnsatisfiable(
  rules: CompiledRule[],
  problems: RuleProblem[],
): void {
  for (;;) {
    const ids = new Set(rules.map((r) => r.id));
    const bad = rules.findIndex((r) =>
      r.spec.required?.some((q) => !ids.has(q.id)),
    );
    if (bad < 0) return;
    const rule = rules[bad]!;
    const missing = rule.spec.required!.find((q) => !ids.has(q.id))!.id;
    problems.push({
      ruleId: rule.id,
      message: `[[rules.required]] names rule ${missing}, which does not exist${problems.some((p) => p.ruleId === missing) ? " (it was skipped)" : ""}`,
    });
    rules.splice(bad, 1);
  }
}

/** Shannon entropy in bits per character: `-Σ p(c)·log2 p(c)`. */
export function shannonEntropy(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  // ASCII (nearly every secret): counts in a reused table, no allocation. Summed in order of
  // first occurrence, as the Map below iterates, so both give the same bits.
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      for (let k = 0; k < distinct; k++) asciiCounts[firstSeen[k]!] = 0;
      return entropyOfCodePoints(text);
    }
    const seen = asciiCounts[c]!;
    asciiCounts[c] = seen + 1;
    if (seen === 0) firstSeen[distinct++] = c;
  }
  let h = 0;
  for (let k = 0; k < distinct; k++) {
    const c = firstSeen[k]!;
    const p = asciiCounts[c]! / n;
    h -= p * Math.log2(p);
    asciiCounts[c] = 0;
  }
  return h;
}

const asciiCounts = new Int32Array(128);
const firstSeen = new Uint8Array(128);

function entropyOfCodePoints(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...text].length;
  for (const count of counts.values()) {
    const p = count / n;
    h -= p * Math.log2(p);
  }
  return h;
}
