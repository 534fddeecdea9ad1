import { lstatSync, readFileSync } from "node:fs";
import { skipByContent, skipByPath } from "./classify.js";
import { Detector } from "./detect.js";
import type { ScanTask, TaskResult, WorkerInit } from "./protocol.js";
import { compileRuleSet } from "./rule.js";

/**
 * Compiles the rules once and returns the function that runs one task: read (a file above the
 * size limit is never read), classify, detect. Used by the worker threads, and inline on the
 * main thread for small scans (a pre-commit diff), where starting workers would cost more.
 */
export function createTaskRunner(
  init: Omit<WorkerInit, "currentRule">,
  currentRule?: Int32Array,
): (task: ScanTask) => Promise<TaskResult> {
  const detector = new Detector(compileRuleSet(init.rules, init.allowlists));
  return async (task) => {
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
      try {
        // Synchronous I/O: a worker does one thing at a time, and this skips the thread-pool hops.
        const info = lstatSync(task.file);
        if (!info.isFile()) return result;
        // Checked before reading: a 2 GB file is never read.
        if (info.size > init.maxFileSize) skipped = "too-large";
        else if (!skipped) data = readFileSync(task.file);
      } catch (error) {
        result.error = (error as Error).message;
        return result;
      }
    } else if (data && data.length > init.maxFileSize) {
      skipped = "too-large";
    }
    if (!skipped && data) skipped = skipByContent(task.path, data);
    const fragment = {
      path: task.path,
      data: skipped || !data ? new Uint8Array(0) : data,
      ...(task.lineMap ? { lineMap: task.lineMap } : {}),
      ...(task.commit ? { commit: task.commit } : {}),
    };
    const r = detector.detect(fragment, {
      pathOnly: skipped !== undefined,
      ruleBudgetMs: init.ruleBudgetMs,
      ...(currentRule ? { currentRule } : {}),
      ...(task.exclude ? { exclude: new Set(task.exclude) } : {}),
    });
    result.matches = r.matches;
    result.timeouts = r.timeouts;
    result.regexRuns = r.regexRuns;
    if (skipped) result.skipped = skipped;
    else result.bytes = data?.length ?? 0;
    return result;
  };
}
