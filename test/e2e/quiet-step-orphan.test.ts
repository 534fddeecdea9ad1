import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  exited,
  gitRepo,
  markedSleep,
  processesMatching,
  startSluice,
  until,
} from "./cli.js";
import { stopLocalServer } from "../support/local-server.js";

// Unique sleep lengths mark this file's processes in `ps`.
const leader = markedSleep(987611);
const background = markedSleep(987612);

describe("a killed sluice and a step that ignores SIGTERM (built CLI)", () => {
  let repo: string;
  let home: string;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": `name: stubborn
jobs:
  stubborn:
    steps:
      - run: |
          trap '' TERM
          echo started
          ${background} &
          ${leader}
`,
    });
    home = mkdtempSync(join(tmpdir(), "sluice-e2e-orphan-"));
  });

  afterAll(() => stopLocalServer(home));

  it("leaves no step process and no step temp file behind", async () => {
    const run = startSluice(repo, { SLUICE_HOME: home }, ["run"]);
    await until(
      () =>
        processesMatching(leader).length > 0 &&
        processesMatching(background).length > 0,
      "the step to start",
      50_000,
    );
    // The step's script and its output files are in $SLUICE_HOME/tmp while it runs.
    expect(readdirSync(join(home, "tmp")).length).toBeGreaterThan(0);
    const stderrClosed = new Promise((resolve) =>
      run.stderr!.once("close", resolve),
    );
    run.kill("SIGKILL");
    await exited(run);
    try {
      // The spawner helper sends SIGTERM, which the step ignores, then SIGKILL after its grace.
      await until(
        () =>
          processesMatching(leader).length === 0 &&
          processesMatching(background).length === 0,
        "the orphaned step to be stopped",
        20_000,
      );
      await until(
        () => readdirSync(join(home, "tmp")).length === 0,
        "the step's temp files to be removed",
        5_000,
      );
      // The helper shares sluice's stderr: once that closes, the helper is gone too. It said
      // nothing on the way (no ERR_IPC_CHANNEL_CLOSED stack).
      await stderrClosed;
      expect(run.output.stderr).not.toMatch(
        /ERR_IPC_CHANNEL_CLOSED|EPIPE|\n\s+at /,
      );
    } finally {
      for (const line of [
        ...processesMatching(leader),
        ...processesMatching(background),
      ]) {
        try {
          process.kill(Number(line.split(" ")[0]), "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
    expect(existsSync(join(home, "tmp"))).toBe(true);
  }, 90_000);
});
