import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SluiceConfig } from "../config/index.js";
import { isAlive, silentLogger, systemClock } from "../kernel/index.js";
import type { Database } from "../store/index.js";
import { gitRepo } from "../../test/e2e/cli.js";
import { testDatabases } from "../../test/support/databases.js";
import { runLocal } from "./local-run.js";
import type { LocalRunDeps } from "./local-run.js";
import { Masker } from "./logs/masker.js";
import { createProgressView } from "./logs/terminal.js";
import { startPipelineRuntime } from "./queue/runtime.js";
import type { PipelineRuntime } from "./queue/runtime.js";
import { createStepRegistry } from "./registry.js";
import { createRunStore } from "./store.js";

const head = (dir: string) =>
  execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" })
    .trim()
    .slice(0, 8);

/** `sluice run`'s use case without a terminal: what it records, says and leaves behind. */
describe.each(testDatabases)("runLocal on $name", ({ open }) => {
  let database: Database;
  let runtime: PipelineRuntime | undefined;
  let home: string;
  let deps: LocalRunDeps;
  let configs: [string, SluiceConfig][];

  beforeEach(async () => {
    database = await open();
    home = mkdtempSync(join(tmpdir(), "sluice-local-run-"));
    const store = createRunStore(database, { clock: systemClock });
    const steps = createStepRegistry();
    configs = [];
    deps = {
      home,
      steps,
      runs: store,
      pipeline: async ({ capacity, live }) => {
        runtime ??= await startPipelineRuntime({
          home,
          database,
          store,
          clock: systemClock,
          logger: silentLogger,
          steps,
          masker: new Masker(),
          baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
          runnerId: "embedded-test",
          capacity,
          grace: { interruptMs: 200, terminateMs: 200 },
          spawnFrom: "here",
        });
        runtime.setLiveView(live);
        return runtime;
      },
      checkWith: undefined,
      resolveProject: (dir, name) => name ?? basename(dir),
      onConfig: (project, source) => configs.push([project, source]),
      isAlive,
    };
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await database.close();
  });

  function options(cwd: string, extra: { signal?: AbortSignal } = {}) {
    const notices: string[] = [];
    return {
      notices,
      options: {
        cwd,
        config: join(cwd, "sluice.yml"),
        maxParallel: 2,
        live: createProgressView(() => {}, { clock: systemClock }),
        signal: extra.signal ?? new AbortController().signal,
        owner: { pid: process.pid, host: "here" },
        notice: (line: string): void => {
          notices.push(line);
        },
      },
    };
  }

  it("runs a clean checkout of HEAD, says what it leaves out, records the run and removes the checkout", async () => {
    const repo = gitRepo({
      "sluice.yml":
        "name: svc\njobs:\n  build:\n    steps:\n      - run: cat file.txt\n",
      "file.txt": "committed\n",
    });
    writeFileSync(join(repo, "file.txt"), "edited\n");
    const { notices, options: o } = options(repo);
    const { detail, status } = await runLocal(deps, o);

    expect(status).toBe("success");
    expect(detail).toMatchObject({
      status: "success",
      project: "svc",
      branch: "main",
    });
    const at = `main@${head(repo)}`;
    expect(notices).toEqual([
      `1 uncommitted change is not in this run, which runs a clean checkout of ${at} (\`sluice run --working-tree\` runs them)`,
      `run ${detail.id}: 1 job of svc at ${at}`,
    ]);
    const logPath = detail.jobs[0]!.steps[0]!.logPath!;
    expect(readFileSync(logPath, "utf8")).toBe("committed\n");
    expect(configs.map(([project, source]) => [project, source.name])).toEqual([
      ["svc", "svc"],
    ]);
    expect(readdirSync(join(home, "checkouts"))).toEqual([]);
  });

  it("a cancel ends the run cancelled, and the checkout is still removed", async () => {
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const repo = gitRepo({
      "sluice.yml": `name: svc\njobs:\n  slow:\n    steps:\n      - run: sleep ${m}\n`,
    });
    const cancel = new AbortController();
    const { options: o } = options(repo, { signal: cancel.signal });
    // Cancel once the run is recorded, as Ctrl-C would.
    const notice = o.notice;
    o.notice = (line) => {
      notice(line);
      if (line.startsWith("run ")) setImmediate(() => cancel.abort());
    };
    const { detail, status } = await runLocal(deps, o);
    expect(status).toBe("cancelled");
    expect(detail.status).toBe("cancelled");
    expect(readdirSync(join(home, "checkouts"))).toEqual([]);
  });

  it("refuses a config with an unknown built-in step before it records or checks out anything", async () => {
    const repo = gitRepo({
      "sluice.yml":
        "name: svc\njobs:\n  a:\n    steps:\n      - uses: sluice/nope\n",
    });
    const { notices, options: o } = options(repo);
    await expect(runLocal(deps, o)).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
    expect(notices).toEqual([]);
    expect(runtime).toBeUndefined();
  });
});
