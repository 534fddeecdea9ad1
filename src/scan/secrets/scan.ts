import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { Clock } from "../../kernel/index.js";
import type { Finding, FindingCommit } from "../finding.js";
import type { Confidence } from "./contextual/index.js";
import { randomBytes } from "node:crypto";
import { BaselineMatcher, BaselineWriter } from "./baseline.js";
import type { BaselineFile } from "./baseline.js";
import type { SecretsConfig } from "./config.js";
import { defaultConfig } from "./config.js";
import { Detector, pathAllowed } from "./detect.js";
import { IgnoreList } from "./ignore.js";
import { ScanPool } from "./pool.js";
import type { ScanTask, TaskResult } from "./protocol.js";
import { compileRuleSet, isTrusted } from "./rule.js";
import { allowlistBounded } from "./regex-cost.js";
import { defaultAllowlists } from "./rules/index.js";
import type { DiffFragment } from "./sources/git.js";
import { historyFragments, repoRoot, stagedFragments } from "./sources/git.js";
import { fileSize, treeFiles } from "./sources/tree.js";
import { createRunner, inlineFileBytes, ScanBudget } from "./runners.js";
import type { Collector, ScanStats, SecretScanResult } from "./scan-result.js";
import { collectTask } from "./scan-result.js";
import { createTaskRunner } from "./task-runner.js";

export type { SecretScanResult } from "./scan-result.js";

/** What to scan. */
type ScanTarget =
  | { kind: "tree"; path: string }
  | { kind: "stdin"; path: string; data: Buffer; name?: string }
  | { kind: "staged"; path: string }
  | { kind: "history"; path: string; revs: string[] };

export interface SecretScanOptions {
  target: ScanTarget;
  config?: SecretsConfig;
  /** Files above this size (bytes) are skipped without being read. */
  maxFileSize?: number;
  /** Follow .gitignore in a work tree (default true). */
  gitignore?: boolean;
  /** Worker threads (default: by content size, see `bytesPerWorker`); a tree then uses a pool. */
  workers?: number;
  /** Per file and rule; a rule over budget is stopped and reported. */
  timeBudgetMs?: number;
  /**
   * The whole scan's budget: once the scan has run longer, every rule that was stopped by its
   * per-file budget is cut off for the rest of the scan (`cutOff`), so a hostile rule file
   * costs one budget, not one per file. Default 60 s.
   */
  scanBudgetMs?: number;
  /**
   * Key of the keyed secret hashes (`properties.secretHash`, fingerprints). Default: a random
   * key for this scan only (fingerprints then hold within one scan).
   */
  hashKey?: Uint8Array;
  /** Accepted secrets: their findings go to `accepted`, not `findings`. */
  baseline?: BaselineFile;
  /** Also build a baseline of every finding (`baseline` of the result). */
  recordBaseline?: boolean;
  showSecrets?: boolean;
  /**
   * Scan on the calling thread when the content is at most this many bytes (default: one
   * worker's share, 32 MiB), no file is larger than 1 MiB, and every rule is a built-in one.
   */
  inlineBelowBytes?: number;
  /** Without `workers`: one worker thread per this much content (default 32 MiB), up to the cores. */
  bytesPerWorker?: number;
  /** Paths (relative to the root) never scanned as content: the rule file, the baseline. */
  excludePaths?: string[];
  clock: Clock;
  onProgress?: (stats: ScanStats) => void;
  /**
   * Lowest confidence reported (default `medium`): contextual findings carry their own, regex
   * rules their spec's (default `high`).
   */
  confidence?: Confidence;
}

const defaultMaxFileSize = 10 * 1024 * 1024;

const toPosix = (p: string): string => p.split(sep).join("/");

/**
 * Scans for secrets: lists the target's content (a tree, the index's added lines, a commit range,
 * stdin), filters `.sluiceignore` and allowlisted paths on the main thread, and runs detection on
 * a pool of worker threads. Findings carry a content fingerprint and a redacted secret.
 */
export async function scanSecrets(
  options: SecretScanOptions,
): Promise<SecretScanResult> {
  const clock = options.clock;
  const started = clock.now();
  const config = options.config ?? defaultConfig();
  const compiled = compileRuleSet(config.rules, config.allowlists);
  const failed = new Set(compiled.problems.map((p) => p.ruleId));
  // Workers get only the rules that compiled; indexes then match the shared "current rule" slot.
  const rules = config.rules.filter((r) => !failed.has(r.id));
  const byId = new Map(rules.map((r) => [r.id, r]));
  const maxFileSize = options.maxFileSize ?? defaultMaxFileSize;
  const budget = options.timeBudgetMs ?? 5000;
  const stats: ScanStats = {
    files: 0,
    bytes: 0,
    skipped: {},
    regexRuns: 0,
    elapsedMs: 0,
  };
  const result: SecretScanResult = {
    findings: [],
    accepted: [],
    unusedBaseline: [],
    cutOff: [],
    masks: [],
    stats,
    timeouts: [],
    problems: compiled.problems,
    errors: [],
    rules,
  };
  const target = options.target;
  const dir = resolve(target.path);
  // A single file is scanned as part of its folder (its repository, its .sluiceignore).
  const single = target.kind === "tree" && statSync(dir).isFile();
  const base = single ? dirname(dir) : dir;
  const root = target.kind === "stdin" ? dir : (repoRoot(base) ?? base);
  const ignoreFile = join(root, ".sluiceignore");
  const ignore = new IgnoreList(
    existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8") : "",
  );
  const excluded = new Set(options.excludePaths ?? []);
  const hashKey = options.hashKey ?? randomBytes(32);
  const matcher = options.baseline
    ? new BaselineMatcher(options.baseline)
    : undefined;
  const writer = options.recordBaseline ? new BaselineWriter() : undefined;
  const scanBudget = new ScanBudget(
    clock,
    started,
    options.scanBudgetMs ?? 60_000,
  );
  result.cutOff = scanBudget.cutOff;
  const checkBudget = (): void =>
    scanBudget.check([...result.timeouts, ...pool.timeouts]);
  const count = (reason: keyof ScanStats["skipped"]) =>
    (stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1);

  const init = {
    rules,
    allowlists: config.allowlists,
    maxFileSize,
    ruleBudgetMs: budget,
    minConfidence: options.confidence ?? "medium",
  };
  // Small content (a pre-commit diff, stdin) is scanned on this thread: starting workers would
  // cost more than the scan. Only the between-matches time budget applies there.
  const staged = target.kind === "staged" ? stagedFragments(root) : undefined;
  // A tree is listed, and its files' sizes read, before the first is scanned: the size decides
  // how many threads are worth starting.
  const tree =
    target.kind !== "tree"
      ? undefined
      : single
        ? [{ file: dir, path: toPosix(relative(root, dir)) }]
        : await treeFiles(dir, root, options.gitignore ?? true);
  // Sizes by lstat for a tree, as the workers will read them (a link is not followed).
  const sizes =
    target.kind === "stdin"
      ? [target.data.length]
      : staged
        ? staged.map((f) => f.data.length)
        : tree?.map((f) => fileSize(f.file));
  // Unknown for git history: it is streamed.
  const listedBytes = sizes?.reduce((n, b) => n + b, 0);
  const pool = createRunner({
    sizes,
    // Only built-in rules, and allowlists that run in bounded time, run on the calling thread
    // (see `createRunner`): a pattern there cannot be stopped once it has started.
    builtIn:
      config.rules.every(isTrusted) &&
      config.allowlists.every(
        (a) => defaultAllowlists.includes(a) || allowlistBounded(a),
      ),
    // `workers` asks for a pool for a tree (a diff or stdin this small still runs inline).
    workers: tree ? options.workers : undefined,
    ...(options.workers !== undefined ? { poolSize: options.workers } : {}),
    ...(options.inlineBelowBytes !== undefined
      ? { inlineBelowBytes: options.inlineBelowBytes }
      : {}),
    ...(options.bytesPerWorker !== undefined
      ? { bytesPerWorker: options.bytesPerWorker }
      : {}),
    inline: () => createTaskRunner(init, undefined, compiled, listedBytes),
    pool: (size, local) => {
      // The keyword automaton is built once, here, and every lane gets its tables.
      const shared = {
        ...init,
        automaton: new Detector(compiled).automatonTables(),
      };
      return new ScanPool({
        size,
        init: shared,
        taskBudgetMs: budget * 2,
        onTimeout: () => checkBudget(),
        ...(local
          ? {
              local: {
                run: createTaskRunner(shared, undefined, compiled, listedBytes),
              },
            }
          : {}),
      });
    },
  });
  let lastProgress = clock.now();
  // Tasks submitted and not yet collected; `drained` wakes the producer when the queue shrinks.
  let outstanding = 0;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    outstanding--;
    if (wake && (pool.backlog <= 128 || outstanding === 0)) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  let nextId = 0;

  const admit = (path: string): boolean => {
    if (excluded.has(path) || ignore.ignores(path)) {
      count("ignored");
      return false;
    }
    if (pathAllowed(compiled.allowlists, path)) {
      count("allowlisted");
      return false;
    }
    return true;
  };

  /** `size`: the task's bytes; a small task may run on this thread (see `createRunner`). */
  const submit = async (
    task: Omit<ScanTask, "id">,
    size: number,
    commit?: FindingCommit,
  ): Promise<void> => {
    // Back-pressure: keep the queue short so a history stream is not read ahead unboundedly.
    while (pool.backlog > 256)
      await new Promise<void>((resolve) => (wake = resolve));
    checkBudget();
    outstanding++;
    pool
      .run(
        { ...task, exclude: scanBudget.excluded, id: nextId++ },
        size <= inlineFileBytes,
      )
      .then(
        (r) => {
          collect(task.path, r, commit);
          settle();
        },
        (error: unknown) => {
          result.errors.push({
            path: task.path,
            message: (error as Error).message,
          });
          settle();
        },
      );
  };

  const collector: Collector = {
    result,
    byId,
    hashKey,
    showSecrets: options.showSecrets ?? false,
    confidence: options.confidence ?? "medium",
    ...(matcher ? { matcher } : {}),
    ...(writer ? { writer } : {}),
  };
  const collect = (
    path: string,
    r: TaskResult,
    commit?: FindingCommit,
  ): void => {
    collectTask(collector, path, r, commit);
    checkBudget();
    const now = clock.now();
    if (options.onProgress && now - lastProgress > 500) {
      lastProgress = now;
      options.onProgress({ ...stats, elapsedMs: now - started });
    }
  };

  const submitDiff = async (f: DiffFragment): Promise<void> => {
    if (!admit(f.path)) return;
    const task: Omit<ScanTask, "id"> = {
      path: f.path,
      ...(f.binary ? {} : { data: f.data, lineMap: f.lineMap }),
    };
    if (f.binary) {
      task.data = new Uint8Array([0]);
      task.contentUnknown = true;
    }
    if (f.commit) task.commit = f.commit.sha;
    await submit(task, task.data?.length ?? 0, f.commit);
  };

  try {
    if (target.kind === "stdin") {
      await submit(
        { path: target.name ?? "-", data: target.data },
        target.data.length,
      );
    } else if (tree) {
      // Files over `inlineFileBytes` run in a worker only: they go first, so that the workers
      // have them while this thread takes small files, and no lane waits for another at the end
      // (a typescript package's 3-9 MB files, last in walk order, left this thread idle for a
      // third of the scan). Findings are sorted by place whatever the order.
      const big = (i: number) => (sizes![i]! > inlineFileBytes ? 0 : 1);
      const order = tree.map((_, i) => i).sort((a, b) => big(a) - big(b));
      for (const i of order) {
        const f = tree[i]!;
        if (admit(f.path))
          await submit({ path: f.path, file: f.file }, sizes![i]!);
      }
    } else if (target.kind === "staged") {
      for (const f of staged ?? []) await submitDiff(f);
    } else if (target.kind === "history") {
      for await (const f of historyFragments(root, target.revs))
        await submitDiff(f);
    }
    while (outstanding > 0)
      await new Promise<void>((resolve) => (wake = resolve));
  } finally {
    await pool.close();
  }
  for (const t of pool.timeouts)
    if (
      !result.timeouts.some((x) => x.path === t.path && x.ruleId === t.ruleId)
    )
      result.timeouts.push(t);
  const byPlace = (a: Finding, b: Finding): number =>
    a.location.path.localeCompare(b.location.path) ||
    a.location.startLine - b.location.startLine ||
    (a.location.startColumn ?? 0) - (b.location.startColumn ?? 0) ||
    (a.commit?.date ?? "").localeCompare(b.commit?.date ?? "");
  result.findings.sort(byPlace);
  result.accepted.sort(byPlace);
  if (matcher) result.unusedBaseline = matcher.unused();
  if (writer) result.baseline = writer.file();
  stats.elapsedMs = clock.now() - started;
  return result;
}
