import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AppError,
  isAlive,
  silentLogger,
  systemClock,
} from "../kernel/index.js";
import type { Database } from "../store/index.js";
import { gitRepo } from "../../test/e2e/cli.js";
import { testDatabases } from "../../test/support/databases.js";
import { Masker } from "./logs/masker.js";
import { startPipelineRuntime } from "./queue/runtime.js";
import type { PipelineRuntime } from "./queue/runtime.js";
import { createStepRegistry } from "./registry.js";
import { packTree } from "./remote-tree.js";
import { createServedRuns } from "./served-runs.js";
import type { RunLiveEvent, ServedRuns } from "./served-runs.js";
import { createRunStore } from "./store.js";

/** The runs a server executes for its clients: several at once, each with its own environment and view. */
describe.each(testDatabases)("served runs on $name", ({ open }) => {
  let database: Database;
  let runtime: PipelineRuntime | undefined;
  let starting: Promise<PipelineRuntime> | undefined;
  let home: string;
  let served: ServedRuns;
  let store: ReturnType<typeof createRunStore>;
  const busy: boolean[] = [];
  let approvedFile: string;

  beforeEach(async () => {
    database = await open();
    home = mkdtempSync(join(tmpdir(), "sluice-served-"));
    store = createRunStore(database, { clock: systemClock });
    const steps = createStepRegistry();
    // A built-in step that holds its run until a file says it may go on (as the gate does).
    approvedFile = join(home, "approved");
    steps.register("test/hold", async () => ({
      status: existsSync(approvedFile) ? "success" : "held",
    }));
    busy.length = 0;
    served = createServedRuns({
      local: async () => ({
        home,
        steps,
        runs: store,
        // Started once, as the App does, however many runs ask at once.
        pipeline: ({ capacity }) => {
          starting ??= startPipelineRuntime({
            home,
            database,
            store,
            clock: systemClock,
            logger: silentLogger,
            steps,
            masker: new Masker(),
            // The server's own environment: a served run's steps must not see it.
            baseEnv: {
              PATH: process.env.PATH ?? "/usr/bin:/bin",
              MARK: "server",
            },
            runnerId: "embedded-test",
            capacity,
            grace: { interruptMs: 200, terminateMs: 200 },
            spawnFrom: "here",
          }).then((started) => (runtime = started));
          return starting;
        },
        checkWith: undefined,
        resolveProject: (dir, name) => name ?? basename(dir),
        isAlive,
      }),
      runs: store,
      clock: systemClock,
      owner: { pid: process.pid, host: "here" },
      logger: silentLogger,
      remoteEnv: { PATH: process.env.PATH ?? "", CI: "true" },
      readyToResume: async (runId) => {
        if (!existsSync(approvedFile))
          throw new AppError(
            "CONFLICT",
            `run ${runId} waits for 1 more approval`,
          );
      },
    });
    served.watchBusy((b) => busy.push(b));
  });
  afterEach(async () => {
    await served.close();
    await runtime?.close();
    runtime = undefined;
    starting = undefined;
    await database.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function all(runId: string, owner = false): Promise<RunLiveEvent[]> {
    const events: RunLiveEvent[] = [];
    for await (const event of served.events(
      runId,
      new AbortController().signal,
      { owner },
    ))
      events.push(event);
    return events;
  }

  const env = (mark: string) => ({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    MARK: mark,
  });

  it("runs two submissions at once, each step seeing its client's environment, each view its own run", async () => {
    const repo = gitRepo({
      "sluice.yml":
        "name: svc\njobs:\n  build:\n    steps:\n      - name: say\n        run: echo mark=$MARK\n",
    });
    const [a, b] = await Promise.all([
      served.submit({ cwd: repo, config: ".", maxParallel: 2, env: env("a") }),
      served.submit({
        cwd: repo,
        config: "sluice.yml",
        maxParallel: 2,
        env: env("b"),
      }),
    ]);
    expect(a.notices).toEqual([
      expect.stringMatching(
        new RegExp(`^run ${a.runId}: 1 job of svc at main@`),
      ),
    ]);
    const [ea, eb] = await Promise.all([all(a.runId), all(b.runId)]);
    const lines = (events: RunLiveEvent[]) =>
      events.flatMap((e) => (e.kind === "line" ? [e.text] : []));
    expect(lines(ea)).toEqual(["mark=a"]);
    expect(lines(eb)).toEqual(["mark=b"]);
    expect(ea.map((e) => e.kind)).toEqual([
      "started",
      "line",
      "finished",
      "end",
    ]);
    expect(ea.at(-1)).toEqual({ kind: "end", status: "success" });
    // Read again after the end: the same events, whole.
    expect(await all(a.runId)).toEqual(ea);
    expect((await store.getRun(b.runId)).status).toBe("success");
    expect(busy.filter(Boolean)).toHaveLength(2);
    expect(busy.filter((x) => !x)).toHaveLength(2);
  });

  it("resumes a held run once it may go on: shown as a submitted run, its steps seeing the resuming client's environment", async () => {
    const repo = gitRepo({
      "sluice.yml":
        "name: svc\njobs:\n  gate:\n    steps:\n      - uses: test/hold\n  after:\n    needs: [gate]\n    steps:\n      - name: say\n        run: echo after=$MARK\n",
    });
    const held = await served.submit({
      cwd: repo,
      config: ".",
      maxParallel: 1,
      env: env("submitter"),
    });
    expect((await all(held.runId)).at(-1)).toEqual({
      kind: "end",
      status: "held",
    });
    // Not yet approved: refused, and nothing runs.
    await expect(
      served.resume({ runId: held.runId, env: env("resumer") }),
    ).rejects.toThrow(`run ${held.runId} waits for 1 more approval`);
    expect((await store.getRun(held.runId)).status).toBe("held");

    writeFileSync(approvedFile, "");
    const resumed = await served.resume({
      runId: held.runId.slice(0, 12),
      env: env("resumer"),
      clientPid: 4343,
    });
    expect(resumed).toEqual({
      runId: held.runId,
      notices: [
        expect.stringMatching(
          new RegExp(`^run ${held.runId} resumed at main@`),
        ),
      ],
    });
    const events = await all(held.runId, true);
    expect(events.flatMap((e) => (e.kind === "line" ? [e.text] : []))).toEqual([
      "after=resumer",
    ]);
    expect(events.at(-1)).toEqual({ kind: "end", status: "success" });
    const run = await store.getRun(held.runId);
    expect(run.status).toBe("success");
    expect(
      Object.fromEntries(run.jobs.map((job) => [job.key, job.status])),
    ).toEqual({ gate: "success", after: "success" });
    // A run that is not held is refused.
    await expect(
      served.resume({ runId: held.runId, env: env("again") }),
    ).rejects.toThrow("only a held run can be resumed");
    expect(busy.filter(Boolean)).toHaveLength(busy.filter((x) => !x).length);
    rmSync(repo, { recursive: true, force: true });
  });

  it("a config error is the submitter's error, and nothing is recorded", async () => {
    const repo = gitRepo({ "sluice.yml": "name: svc\njobs: {}\n" });
    await expect(
      served.submit({ cwd: repo, config: "nope.yml", maxParallel: 1, env: {} }),
    ).rejects.toThrow("nope.yml does not exist");
    expect(await store.listRuns({ limit: 5 })).toEqual([]);
    expect(busy).toEqual([true, false]);
  });

  it("cancel stops a run; an owner that stops reading leaves its run interrupted, with the client named", async () => {
    const repo = gitRepo({
      "sluice.yml":
        "name: svc\njobs:\n  wait:\n    steps:\n      - run: echo started; sleep 30\n",
    });
    const one = await served.submit({
      cwd: repo,
      config: ".",
      maxParallel: 1,
      env: env("x"),
    });
    const events = served.events(one.runId, new AbortController().signal);
    expect((await events.next()).value).toMatchObject({ kind: "started" });
    expect(await served.cancel(one.runId.slice(0, 12), false)).toBe(one.runId);
    const rest: RunLiveEvent[] = [];
    for await (const event of events) rest.push(event);
    expect(rest.at(-1)).toEqual({ kind: "end", status: "cancelled" });
    await expect(served.cancel(one.runId, false)).rejects.toThrow(
      "has already ended",
    );

    const two = await served.submit({
      cwd: repo,
      config: ".",
      maxParallel: 1,
      env: env("y"),
      clientPid: 4242,
    });
    const stop = new AbortController();
    const owned = served.events(two.runId, stop.signal, { owner: true });
    expect((await owned.next()).value).toMatchObject({ kind: "started" });
    stop.abort();
    await served.close();
    expect(await store.getRun(two.runId)).toMatchObject({
      status: "interrupted",
      reason: "the process 4242 that ran it is gone",
    });
  });

  describe("a remote client's run", () => {
    const pipeline =
      "name: svc\njobs:\n  build:\n    steps:\n      - name: say\n        run: cat note.txt; echo ci=$CI secret=${SLUICE_DATABASE_URL:-none}\n";

    it("runs the commit it sent, on its branch, with the server's narrowed environment, and removes the tree", async () => {
      const repo = gitRepo({
        "sluice.yml": pipeline,
        "note.txt": "committed\n",
      });
      const sent = await packTree(repo, {
        workingTree: false,
        env: process.env,
      });
      expect(sent).toMatchObject({
        branch: "main",
        path: ".",
        folder: basename(repo),
      });
      const { path, ...tree } = sent;
      const run = await served.submitRemote({
        project: "svc",
        tree,
        path,
        config: ".",
        maxParallel: 2,
      });
      const events = await all(run.runId);
      expect(
        events.flatMap((e) => (e.kind === "line" ? [e.text] : [])),
      ).toEqual(["committed", "ci=true secret=none"]);
      expect(events.at(-1)).toEqual({ kind: "end", status: "success" });
      const recorded = await store.getRun(run.runId);
      expect(recorded).toMatchObject({ project: "svc", branch: "main" });
      expect(recorded.commit).toBe(tree.commit);
      expect(readdirSync(join(home, "received"))).toEqual([]);
    });

    it("with the working tree's changes, untracked files included, recorded dirty", async () => {
      const repo = gitRepo({
        "sluice.yml": pipeline,
        "note.txt": "committed\n",
      });
      writeFileSync(join(repo, "note.txt"), "changed\n");
      writeFileSync(join(repo, "new.txt"), "untracked\n");
      const { path, ...tree } = await packTree(repo, {
        workingTree: true,
        env: process.env,
      });
      const run = await served.submitRemote({
        project: "svc",
        tree,
        path,
        config: ".",
        maxParallel: 1,
      });
      const lines = (await all(run.runId)).flatMap((e) =>
        e.kind === "line" ? [e.text] : [],
      );
      expect(lines[0]).toBe("changed");
      expect(await store.getRun(run.runId)).toMatchObject({
        source: "working-tree",
        dirty: true,
      });
    });

    it("refuses a tree of another project, a bundle that is not the commit named, and a path out of the tree, recording nothing", async () => {
      const repo = gitRepo({ "sluice.yml": pipeline, "note.txt": "x" });
      const { path, ...tree } = await packTree(repo, {
        workingTree: false,
        env: process.env,
      });
      const submit = (
        changes: Partial<Parameters<ServedRuns["submitRemote"]>[0]>,
      ) =>
        served.submitRemote({
          project: "svc",
          tree,
          path,
          config: ".",
          maxParallel: 1,
          ...changes,
        });
      await expect(submit({ project: "other" })).rejects.toThrow(
        "this tree's pipeline is of project svc, not other",
      );
      await expect(
        submit({ tree: { ...tree, commit: "0".repeat(40) } }),
      ).rejects.toThrow(
        /the bundle's HEAD is [0-9a-f]{8}, not the commit 00000000/,
      );
      await expect(
        submit({ tree: { ...tree, bundle: Buffer.from("not a bundle") } }),
      ).rejects.toThrow(/^the bundle cannot be read: /);
      await expect(submit({ path: "../.." })).rejects.toThrow(
        "path must be inside the repository",
      );
      await expect(submit({ config: "../../../etc/passwd" })).rejects.toThrow(
        "the config must be inside the repository",
      );
      // A committed sluice.yml that links out of the tree is not read.
      const linked = gitRepo({ "README.md": "x\n" });
      symlinkSync("/etc/hostname", join(linked, "sluice.yml"));
      execFileSync("git", ["add", "sluice.yml"], { cwd: linked });
      execFileSync("git", ["commit", "-qm", "link"], { cwd: linked });
      const { path: at, ...outward } = await packTree(linked, {
        workingTree: false,
        env: process.env,
      });
      await expect(
        submit({ tree: outward, path: at, project: basename(linked) }),
      ).rejects.toThrow("the config must be inside the repository");
      expect(await store.listRuns({ limit: 5 })).toEqual([]);
      expect(readdirSync(join(home, "received"))).toEqual([]);
    });
  });
});
