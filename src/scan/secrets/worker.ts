import { parentPort, workerData } from "node:worker_threads";
import type { ScanTask, TaskResult, WorkerInit } from "./protocol.js";
import { createTaskRunner } from "./task-runner.js";

// A scan worker: compiles the rules once, then runs one task at a time.
const init = workerData as WorkerInit;
const run = createTaskRunner(init, new Int32Array(init.currentRule));

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
