import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  exited,
  gitRepo,
  markedSleep,
  processesMatching,
  sluice,
  startSluice,
  until,
} from "./cli.js";
import { stopLocalServer } from "../support/local-server.js";

// Unique sleep lengths mark this file's processes in `ps`.
const child = markedSleep(987601);
const grandchild = markedSleep(987602);
const killed = markedSleep(987603);

describe("Ctrl-C and a killed sluice (built CLI)", () => {
  let repo: string;
  let env: Record<string, string>;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": `name: long
jobs:
  long:
    steps:
      - run: |
          echo started
          sh -c '${grandchild}; echo grandchild-done' &
          ${child}
  after:
    needs: [long]
    steps:
      - run: echo never
`,
      "killed/sluice.yml": `name: killed
jobs:
  long:
    steps:
      - run: ${killed}
`,
    });
    env = { SLUICE_HOME: mkdtempSync(join(tmpdir(), "sluice-e2e-home-")) };
  });

  afterAll(() => stopLocalServer(env.SLUICE_HOME!));

  it("SIGINT stops the whole process tree, records the run cancelled, exits 130", async () => {
    const run = startSluice(repo, env, ["run"]);
    await until(
      () => processesMatching(grandchild).length > 0,
      "the grandchild to start",
      50_000,
    );
    run.kill("SIGINT");
    const code = await exited(run);
    expect(code).toBe(130);
    expect(run.output.stderr).toContain("sluice: stopping the run");
    expect(processesMatching(child)).toEqual([]);
    expect(processesMatching(grandchild)).toEqual([]);
    const show = sluice(repo, env, ["run", "show", "last", "--json"]);
    const detail = JSON.parse(show.stdout);
    expect(detail.status).toBe("cancelled");
    expect(detail.jobs.map((j: { status: string }) => j.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
  });

  it("a killed sluice process leaves no step running, and its run is recorded as interrupted", async () => {
    const run = startSluice(join(repo, "killed"), env, ["run"]);
    await until(
      () => processesMatching(killed).length > 0,
      "the step to start",
      50_000,
    );
    run.kill("SIGKILL");
    await exited(run);
    // The step spawner sees its IPC channel close and stops the steps the sluice process left.
    await until(
      () => processesMatching(killed).length === 0,
      "the orphaned step to be stopped",
      10_000,
    );
    // The run goes on in the local server: it sees the terminal go and records the run as
    // interrupted once its steps have stopped.
    let latest: { status?: string } = {};
    await until(() => {
      const list = sluice(repo, env, ["runs", "--json"]);
      expect(list.code).toBe(0);
      latest = (JSON.parse(list.stdout) as { status: string }[])[0] ?? {};
      return latest.status !== "running" && latest.status !== "cancelled";
    }, "the run to be recorded as ended");
    expect(latest).toMatchObject({
      project: "killed",
      status: "interrupted",
      reason: `the process ${run.pid} that ran it is gone`,
    });
  });
});
