import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  exited,
  gitRepo,
  peakRssKb,
  sluice,
  startSluice,
} from "./cli.js";
import { stopLocalServer } from "../support/local-server.js";

// 10,737,419 lines of 100 bytes: just over 1 GiB, printed by awk (no SIGPIPE, unlike `yes | head`).
const lines = 10_737_419;
const bytes = lines * 100;

describe("a step that prints 1 GB (built CLI)", () => {
  let repo: string;
  let env: Record<string, string>;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": `name: big
jobs:
  a:
    steps:
      - run: awk 'BEGIN { s = sprintf("%099d", 0); for (i = 0; i < ${lines}; i++) print s }'
`,
    });
    env = { SLUICE_HOME: mkdtempSync(join(tmpdir(), "sluice-e2e-home-")) };
    // Create the embedded database first, so the run below measures the step alone.
    expect(sluice(repo, env, ["runs"]).code).toBe(0);
  }, 120_000);
  afterAll(() => {
    stopLocalServer(env.SLUICE_HOME!);
    rmSync(env.SLUICE_HOME!, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  });

  it("streams it to the log file and finishes, without holding it in memory", async () => {
    const run = startSluice(repo, env, ["run", "--json"]);
    let peakKb = 0;
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, peakRssKb(run.pid!) ?? 0);
    }, 100);
    const code = await exited(run);
    clearInterval(sampler);
    expect(code).toBe(0);
    const detail = JSON.parse(run.output.stdout);
    expect(detail.status).toBe("success");
    expect(statSync(detail.jobs[0].steps[0].logPath).size).toBe(bytes);
    // The process (PGlite included) stays far below the 1 GB it streamed.
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(700 * 1024);
    // The terminal view is capped; the file has everything.
    expect(run.output.stderr.length).toBeLessThan(64 * 1024);
  }, 180_000);
});
