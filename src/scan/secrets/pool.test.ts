import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "./config.js";
import { ScanPool } from "./pool.js";
import type { ScanTask } from "./protocol.js";
import { createRunner } from "./runners.js";
import { createTaskRunner } from "./task-runner.js";

const config = defaultConfig();
const init = {
  rules: config.rules,
  allowlists: config.allowlists,
  maxFileSize: 10 * 1024 * 1024,
  ruleBudgetMs: 5000,
};
// A GitHub token in the shape its rule wants (not a real one).
const token = `ghp_${"a1B2c3D4e5F6g7H8i9J0".repeat(2).slice(0, 36)}`;

describe("ScanPool with the calling thread as a lane", () => {
  it("runs only the tasks submitted as local on this thread, and every task once", async () => {
    const onThisThread: number[] = [];
    const run = createTaskRunner(init);
    const pool = new ScanPool({
      size: 1,
      init,
      taskBudgetMs: 10_000,
      local: {
        run: (task: ScanTask) => {
          onThisThread.push(task.id);
          return run(task);
        },
      },
    });
    try {
      const tasks = Array.from({ length: 40 }, (_, id) => ({
        id,
        path: `f${id}.env`,
        data: Buffer.from(`GITHUB_TOKEN=${token}\n`),
      }));
      // Even ids may run here; odd ones only in the worker (as files over 1 MiB do).
      const results = await Promise.all(
        tasks.map((t) => pool.run(t, t.id % 2 === 0)),
      );
      expect(results.map((r) => r.id)).toEqual(tasks.map((t) => t.id));
      for (const r of results)
        expect(r.matches.map((m) => m.ruleId)).toContain("github-pat");
      // The worker is still starting when the first task is queued: this thread takes it.
      expect(onThisThread).toContain(0);
      expect(onThisThread.filter((id) => id % 2 === 1)).toEqual([]);
      expect(new Set(onThisThread).size).toBe(onThisThread.length);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe("createRunner", () => {
  const choose = (options: {
    builtIn: boolean;
    poolSize?: number;
  }): { size: number; local: boolean } | "inline" => {
    let chosen: { size: number; local: boolean } | "inline" = "inline";
    createRunner({
      sizes: [40, 40, 40],
      bytesPerWorker: 40,
      inlineBelowBytes: 10,
      workers: undefined,
      ...options,
      inline: () => () => {
        throw new Error("not run");
      },
      pool: (size, local) => {
        chosen = { size, local };
        return {
          run: () => Promise.reject(new Error("not run")),
          backlog: 0,
          timeouts: [],
          close: () => Promise.resolve(),
        };
      },
    });
    return chosen;
  };
  const lanes = Math.min(availableParallelism(), 3);

  it("starts one worker fewer and uses this thread when every rule is built in", () => {
    expect(choose({ builtIn: true })).toEqual(
      lanes >= 2 ? { size: lanes - 1, local: true } : { size: 1, local: false },
    );
  });

  it("keeps every lane a worker for user rules, and for an asked-for pool size", () => {
    expect(choose({ builtIn: false })).toEqual({ size: lanes, local: false });
    expect(choose({ builtIn: true, poolSize: 2 })).toEqual({
      size: 2,
      local: false,
    });
  });
});
