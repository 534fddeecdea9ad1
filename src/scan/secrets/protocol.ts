import type { AutomatonTables } from "./aho-corasick.js";
import type { SkipReason } from "./classify.js";
import type { RuleTimeout, SecretMatch } from "./detect.js";
import type { Confidence } from "./contextual/index.js";
import type { AllowlistSpec, RuleSpec } from "./rule.js";

/** What a scan worker starts with. */
export interface WorkerInit {
  rules: RuleSpec[];
  allowlists: AllowlistSpec[];
  /**
   * Shared with the pool, three Int32 slots: the index of the rule running now (-1 when idle),
   * the index in its batch of the task running now, and how many tasks the worker has started.
   */
  currentRule: SharedArrayBuffer;
  maxFileSize: number;
  ruleBudgetMs: number;
  /** Contextual findings below this confidence are dropped where they are found. */
  minConfidence?: Confidence;
  /** The keyword automaton, built once by the main thread for every lane of the scan. */
  automaton?: AutomatonTables;
}

/**
 * One unit of work: a file the worker reads itself (`file`), or content the main thread already
 * has (`data`: a diff's added lines, a blob, stdin).
 */
export interface ScanTask {
  id: number;
  path: string;
  /** Absolute file to read; absent when `data` is given. */
  file?: string;
  data?: Uint8Array;
  lineMap?: number[];
  commit?: string;
  /** `data` is not the file's content (a binary file in a diff). */
  contentUnknown?: boolean;
  /** Rules to leave out (they ran out of time on this task before). */
  exclude?: string[];
}

export interface TaskResult {
  id: number;
  matches: SecretMatch[];
  /** Matches an allowlist let through (see `DetectResult.allowed`). */
  allowed?: SecretMatch[];
  timeouts: RuleTimeout[];
  skipped?: SkipReason;
  /** Bytes whose content was scanned (0 when skipped). */
  bytes: number;
  regexRuns: number;
  /** A read error (the file vanished, no permission): reported, not fatal. */
  error?: string;
}
