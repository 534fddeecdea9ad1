import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { skipByContent, skipByPath, utf16AsUtf8 } from "./classify.js";
import { Detector } from "./detect.js";
import type { ScanTask, TaskResult, WorkerInit } from "./protocol.js";
import type { RuleSet } from "./rule.js";
import { compileRuleSet, trustRules } from "./rule.js";

/** What reading a task's file gave: its bytes, or why there are none. */
type Read =
  { data: Buffer } | { tooLarge: true } | { notFile: true } | { error: string };

/**
 * Reads a whole file into `scratch` (grown as needed, reused by the next read: the content
 * never outlives its task). Symbolic links are not followed (`O_NOFOLLOW`), a FIFO never blocks
 * the open (`O_NONBLOCK`), and at most `maxFileSize` + 1 bytes are read: a 2 GB file is never
 * read. No `fstat` for a file that fits the buffer (a Stats object with its dates cost more than
 * the read of a small file): a directory shows itself by `EISDIR`. A file skipped by name
 * (`statOnly`) is only checked to be a file.
 */
function readInto(
  file: string,
  maxFileSize: number,
  scratch: { buffer: Buffer },
  statOnly: boolean,
): Read {
  let fd: number;
  try {
    fd = openSync(
      file,
      constants.O_RDONLY |
        (constants.O_NOFOLLOW ?? 0) |
        (constants.O_NONBLOCK ?? 0),
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return { notFile: true };
    return { error: (error as Error).message };
  }
  try {
    if (statOnly)
      return fstatSync(fd).isFile()
        ? { data: scratch.buffer.subarray(0, 0) }
        : { notFile: true };
    let n = 0;
    for (;;) {
      if (n === scratch.buffer.length) {
        // A file larger than the buffer (rare: over 1 MiB): its size, then room for it at once.
        const size = n > maxFileSize ? n : fstatSync(fd).size;
        if (size > maxFileSize) return { tooLarge: true };
        // (Never smaller than what was read: the file may have changed since.)
        const grown = Buffer.allocUnsafe(
          Math.max(n, Math.min(maxFileSize, size)) + 1,
        );
        scratch.buffer.copy(grown, 0, 0, n);
        scratch.buffer = grown;
      }
      const got = readSync(fd, scratch.buffer, n, scratch.buffer.length - n, n);
      if (got === 0) break;
      n += got;
    }
    if (n > maxFileSize) return { tooLarge: true };
    return { data: scratch.buffer.subarray(0, n) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "EAGAIN") return { notFile: true };
    return { error: (error as Error).message };
  } finally {
    closeSync(fd);
  }
}

/**
 * Compiles the rules once (or takes the main thread's `compiled` set) and returns the function
 * that runs one task: read (a file above the size limit is never read), classify, detect. Used
 * by the worker threads, and inline on the main thread for small scans (a pre-commit diff),
 * where starting workers would cost more.
 * `shared[0]` is kept at the index of the rule running now, for the pool's watchdog.
 */
export function createTaskRunner(
  init: Omit<WorkerInit, "currentRule">,
  shared?: Int32Array,
  compiled?: RuleSet,
  /** The content the scan listed (a tree's sizes): when large, the automaton is built at once. */
  expectedBytes?: number,
): (task: ScanTask) => TaskResult {
  // The rules a worker gets all compiled on the main thread: compile each on first use.
  if (!compiled) trustRules(init.rules);
  const detector = new Detector(
    compiled ?? compileRuleSet(init.rules, init.allowlists),
    {
      smallScans: compiled !== undefined,
      ...(expectedBytes !== undefined ? { expectedBytes } : {}),
      ...(init.automaton ? { automaton: init.automaton } : {}),
      ...(init.minConfidence ? { minConfidence: init.minConfidence } : {}),
    },
  );
  // Synchronous I/O into one reused buffer: a worker does one thing at a time, and this skips
  // the thread-pool hops and a fresh allocation per file.
  const scratch = { buffer: Buffer.allocUnsafe(1 << 20) };
  return (task) => {
    const result: TaskResult = {
      id: task.id,
      matches: [],
      timeouts: [],
      bytes: 0,
      regexRuns: 0,
    };
    let data = task.data;
    let skipped = skipByPath(task.path);
    if (!data && task.file) {
      // A file skipped by name (a lockfile) is checked to exist, not read.
      const read = readInto(
        task.file,
        init.maxFileSize,
        scratch,
        skipped !== undefined,
      );
      if ("notFile" in read) return result;
      if ("error" in read) {
        result.error = read.error;
        return result;
      }
      if ("tooLarge" in read) skipped = "too-large";
      else if (!skipped) data = read.data;
    } else if (data && data.length > init.maxFileSize) {
      skipped = "too-large";
    }
    if (!skipped && data) {
      data = utf16AsUtf8(data) ?? data;
      skipped = skipByContent(task.path, data);
    }
    // Skipped content is not searched (`pathOnly`), but path rules may read it (keystores).
    // One shape for every fragment (no optional keys spread in): the detector's optimized code
    // then sees one map, and is not thrown away on the first diff or binary file.
    const fragment = {
      path: task.path,
      data: data ?? new Uint8Array(0),
      contentUnknown: task.contentUnknown === true || !data,
      lineMap: task.lineMap,
      commit: task.commit,
    };
    const r = detector.detect(fragment, {
      pathOnly: skipped !== undefined,
      ruleBudgetMs: init.ruleBudgetMs,
      ...(shared ? { currentRule: shared } : {}),
      // Rules cut off by the scan's budget: none on nearly every task (no Set per file then).
      ...(task.exclude?.length ? { exclude: new Set(task.exclude) } : {}),
    });
    result.matches = r.matches;
    // Allowed values matter only where a report frames a finding: next to one.
    if (r.allowed && r.matches.length > 0) result.allowed = r.allowed;
    result.timeouts = r.timeouts;
    result.regexRuns = r.regexRuns;
    if (skipped) result.skipped = skipped;
    else result.bytes = data?.length ?? 0;
    return result;
  };
}
