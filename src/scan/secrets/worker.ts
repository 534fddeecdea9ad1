import { lstat, readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { skipByContent, skipByPath } from "./classify.js";
import { Detector } from "./detect.js";
import type { ScanTask, TaskResult, WorkerInit } from "./protocol.js";
import { compileRuleSet } from "./rule.js";

// A scan worker: compiles the rules once, then reads, classifies and scans one task at a time.
const init = workerData as WorkerInit;
const detector = new Detector(compileRuleSet(init.rules, init.allowlists));
const currentRule = new Int32Array(init.currentRule);

async function run(task: ScanTask): Promise<TaskResult> {
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
      const info = await lstat(task.file);
      if (!info.isFile()) return result;
      // Checked before reading: a 2 GB file is never read.
      if (info.size > init.maxFileSize) skipped = "too-large";
      else if (!skipped) data = await readFile(task.file);
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
    currentRule,
    ...(task.exclude ? { exclude: new Set(task.exclude) } : {}),
  });
  result.matches = r.matches;
  result.timeouts = r.timeouts;
  result.regexRuns = r.regexRuns;
  if (skipped) result.skipped = skipped;
  else result.bytes = data?.length ?? 0;
  return result;
}

// Ready: the pool starts counting a task's time from here, not from the worker's start-up.
parentPort!.postMessage({ ready: true });

// Tasks run one after another, in arrival order: the pool matches results to tasks by order
// and knows which task is running when it has to stop a worker.
let chain: Promise<unknown> = Promise.resolve();
parentPort!.on("message", (task: ScanTask) => {
  chain = chain.then(() =>
    run(task).then(
      (result) => parentPort!.postMessage(result),
      (error: unknown) =>
        parentPort!.postMessage({
          id: task.id,
          matches: [],
          timeouts: [],
          bytes: 0,
          regexRuns: 0,
          error: (error as Error).message,
        } satisfies TaskResult),
    ),
  );
});
