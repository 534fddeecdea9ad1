import { parentPort, workerData } from "node:worker_threads";
import type { ScanTask, TaskResult, WorkerInit } from "./protocol.js";
import { createTaskRunner } from "./task-runner.js";

// A scan worker: compiles the rules once, then runs batches of tasks, one task at a time.
const init = workerData as WorkerInit;
// Shared with the pool: [rule running now, index of the task in its batch, tasks started].
const shared = new Int32Array(init.currentRule);
const run = createTaskRunner(init, shared);

// Ready: the pool starts sending work, and counting a task's time, from here.
parentPort!.postMessage({ ready: true });

// Batches run one after another, in arrival order: the pool matches results to batches by
// order and reads which task of the batch is running when it has to stop a worker.
parentPort!.on("message", (batch: ScanTask[]) => {
  const results = batch.map((task, i): TaskResult => {
    Atomics.store(shared, 1, i);
    Atomics.add(shared, 2, 1);
    try {
      return run(task);
    } catch (error) {
      return {
        id: task.id,
        matches: [],
        timeouts: [],
        bytes: 0,
        regexRuns: 0,
        error: (error as Error).message,
      };
    }
  });
  parentPort!.postMessage(results);
});
