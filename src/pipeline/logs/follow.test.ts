import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/index.js";
import type { Database } from "../../store/index.js";
import { testDatabases } from "../../../test/support/databases.js";
import { createRunStore } from "../store.js";
import { newRun } from "../store.testkit.js";
import { runLogEvents } from "./follow.js";
import { stepLogPath } from "./step-log.js";
import type { RunLogEvent } from "./follow.js";

/** Waits for a condition (never for a time). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.each(testDatabases)("runLogEvents on $name", (testDb) => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  async function setUp() {
    database = await testDb.open();
    const runs = createRunStore(database, { clock: systemClock });
    const run = await runs.createRun(newRun());
    const jobs = await runs.addJobs(run.id, [
      { key: "build", name: "build", needs: [], steps: ["compile", "link"] },
      { key: "test", name: "test", needs: ["build"], steps: ["unit"] },
    ]);
    const dir = mkdtempSync(join(tmpdir(), "sluice-follow-"));
    return {
      runs,
      run,
      build: jobs.get("build")!,
      test: jobs.get("test")!,
      dir,
    };
  }

  it("follows a running step as its file grows, then the next steps, until the run ends", async () => {
    const { runs, run, build, test, dir } = await setUp();
    await runs.startRun(run.id);
    const compileLog = join(dir, "compile.log");
    writeFileSync(compileLog, "hello ");
    await runs.updateStep(build.id, 0, {
      status: "running",
      logPath: compileLog,
    });

    const events: RunLogEvent[] = [];
    const text = () =>
      events.map((e) => (e.kind === "text" ? e.text : "")).join("");
    const reading = (async () => {
      for await (const event of runLogEvents(
        { runs, clock: systemClock },
        run.id.slice(0, 12),
        { follow: true, pollMs: 5 },
      ))
        events.push(event);
    })();

    // Live: the text arrives while the step still runs.
    await until(() => text().includes("hello "));
    appendFileSync(compileLog, "wörld\n");
    await until(() => text().includes("wörld\n"));
    expect(events.some((e) => e.kind === "end")).toBe(false);

    await runs.updateStep(build.id, 0, { status: "success", exitCode: 0 });
    const linkLog = join(dir, "link.log");
    writeFileSync(linkLog, "linked\n");
    await runs.updateStep(build.id, 1, { status: "success", logPath: linkLog });
    const unitLog = join(dir, "unit.log");
    await runs.updateStep(test.id, 0, { status: "running", logPath: unitLog });
    writeFileSync(unitLog, "ok 1\n");
    await until(() => text().includes("ok 1\n"));
    appendFileSync(unitLog, "ok 2\n");
    await runs.updateStep(test.id, 0, { status: "success" });
    await runs.finishRun(run.id, "success");
    await reading;

    expect(events).toEqual([
      expect.objectContaining({
        kind: "step",
        job: "build",
        step: "compile",
        status: "running",
      }),
      ...events.slice(
        1,
        events.findIndex((e, i) => i > 0 && e.kind === "step"),
      ),
      expect.objectContaining({
        kind: "step",
        job: "build",
        step: "link",
        status: "success",
      }),
      { kind: "text", text: "linked\n" },
      expect.objectContaining({ kind: "step", job: "test", step: "unit" }),
      ...events.slice(events.findLastIndex((e) => e.kind === "step") + 1, -1),
      { kind: "end", status: "success" },
    ]);
    // Every log is whole, in order.
    expect(text()).toBe("hello wörld\nlinked\nok 1\nok 2\n");
  });

  it("without follow reads what is written and says which steps have no log", async () => {
    const { runs, run, build, dir } = await setUp();
    const compileLog = join(dir, "compile.log");
    writeFileSync(compileLog, "built\n");
    await runs.updateStep(build.id, 0, {
      status: "success",
      logPath: compileLog,
    });
    await runs.finishRun(run.id, "failure", "link failed");
    const events: RunLogEvent[] = [];
    for await (const event of runLogEvents(
      { runs, clock: systemClock },
      run.id,
      { job: "build" },
    ))
      events.push(event);
    expect(events).toEqual([
      expect.objectContaining({
        kind: "step",
        step: "compile",
        status: "success",
        logPath: compileLog,
      }),
      { kind: "text", text: "built\n" },
      expect.objectContaining({
        kind: "step",
        step: "link",
        status: "skipped",
      }),
      { kind: "no-log" },
      { kind: "end", status: "failure" },
    ]);
  });

  it("refuses a job the run does not have, naming its jobs", async () => {
    const { runs, run } = await setUp();
    const events = runLogEvents({ runs, clock: systemClock }, run.id, {
      job: "deploy",
    });
    await expect(events.next()).rejects.toThrow(
      `run ${run.id} has no job deploy (jobs: build, test)`,
    );
  });

  it("follows a running step whose log path is not recorded yet from where its runner writes it", async () => {
    const { runs, run, build, test, dir } = await setUp();
    await runs.startRun(run.id);
    // The runner records a step's log path when the step ends; meanwhile it writes here.
    const path = stepLogPath(dir, run.id, "build", 0);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, "compiling\n");
    await runs.updateStep(build.id, 0, { status: "running" });
    const events: RunLogEvent[] = [];
    const text = () =>
      events.map((e) => (e.kind === "text" ? e.text : "")).join("");
    const reading = (async () => {
      for await (const event of runLogEvents(
        { runs, clock: systemClock, home: dir },
        run.id,
        { follow: true, pollMs: 5, job: "build" },
      ))
        events.push(event);
    })();
    await until(() => text() === "compiling\n");
    appendFileSync(path, "done\n");
    await runs.updateStep(build.id, 0, { status: "success", logPath: path });
    await runs.updateStep(build.id, 1, { status: "skipped" });
    await runs.updateStep(test.id, 0, { status: "skipped" });
    await runs.finishRun(run.id, "success");
    await reading;
    expect(text()).toBe("compiling\ndone\n");
    expect(events.at(-1)).toEqual({ kind: "end", status: "success" });
  });
});
