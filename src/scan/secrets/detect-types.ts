import type { Confidence, Syntax } from "./contextual/index.js";

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
  /** A composite rule's finding: the required findings near it (gitleaks `requiredFindings`). */
  required?: RequiredMatch[];
  /** A contextual finding's confidence (a regex rule's comes from its spec). */
  confidence?: Confidence;
  /** Why a contextual finding fired: the name it matched and the file syntax. */
  key?: string;
  syntax?: Syntax;
}

/** A required component of a composite finding: where its secret is, never logged as is. */
export type RequiredMatch = Omit<
  SecretMatch,
  "entropy" | "required" | "confidence" | "key" | "syntax"
>;

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
  /** The bytes are not the file's (a binary file in a diff): path rules cannot read it. */
  contentUnknown?: boolean;
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
  /**
   * Matches that an allowlist or an inline `gitleaks:allow` let through: not findings, but
   * their values are masked wherever a report prints their lines.
   */
  allowed?: SecretMatch[];
  timeouts: RuleTimeout[];
  /** Number of (rule, window) regex runs, for the prefilter statistics. */
  regexRuns: number;
}
