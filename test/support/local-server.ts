import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onTestFinished } from "vitest";
import { sluice } from "../e2e/cli.js";

/**
 * Stops the local server that a test's commands started on demand in `home` (`sluice server
 * stop`, which waits for it to exit), so that none outlives the test: it would run on until its
 * idle time (SLUICE_SERVER_IDLE) passed. Call it before the home is removed.
 */
export function stopLocalServer(home: string): void {
  const stopped = sluice(tmpdir(), { SLUICE_HOME: home }, ["server", "stop"]);
  if (stopped.code !== 0)
    throw new Error(`sluice server stop failed: ${stopped.stderr.trim()}`);
}

/**
 * A SLUICE_HOME for the running test, which sluice creates (`home` in a new folder named after
 * `prefix`): when the test ends, the local server its commands started there is stopped and the
 * folder removed.
 */
export function homeForTest(prefix: string): string {
  const home = join(mkdtempSync(join(tmpdir(), prefix)), "home");
  onTestFinished(() => {
    stopLocalServer(home);
    rmSync(dirname(home), { recursive: true, force: true });
  });
  return home;
}
