import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "../../kernel/index.js";
import { runProcess } from "./local.js";
import type { ProcessSpec } from "./local.js";

const tempDir = mkdtempSync(join(tmpdir(), "sluice-local-"));
const grace = { interruptMs: 300, terminateMs: 300 };

async function run(
  script: string,
  extra: Partial<ProcessSpec> = {},
): Promise<{ outcome: Awaited<ReturnType<typeof runProcess>>; out: string }> {
  let out = "";
  const outcome = await runProcess({
    script,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    cwd: tempDir,
    signal: new AbortController().signal,
    grace,
    tempDir,
    clock: systemClock,
    onOutput: (_stream, chunk) => (out += chunk.toString()),
    ...extra,
  });
  return { outcome, out };
}

/** Live processes whose command line holds the marker (zombies do not count). */
function survivors(marker: string): string[] {
  return execFileSync("ps", ["-eo", "pid,pgid,stat,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(marker) && !/\sZ\S*\s/.test(line));
}

function marker(): string {
  return `600.${Math.floor(Math.random() * 1e6)}`;
}

describe("runProcess", () => {
  it.each([
    ["exit 0", 0],
    ["exit 3", 3],
    ["false | true", 1], // pipefail
    ["false\necho not reached", 1], // -e
  ])("%j ends with exit code %i", async (script, code) => {
    const { outcome, out } = await run(script);
    expect(outcome.reason).toBe("exited");
    expect(outcome.exitCode).toBe(code);
    expect(out).not.toContain("not reached");
  });

  it("passes the environment and the working directory", async () => {
    const { out } = await run('echo "$GREETING from $(pwd)"', {
      env: { PATH: process.env.PATH ?? "", GREETING: "hello" },
    });
    expect(out.trim()).toBe(`hello from ${tempDir}`);
  });

  it("runs another shell and keeps stdout and stderr apart", async () => {
    const streams: string[] = [];
    const outcome = await runProcess({
      script: "import sys\nprint('out')\nprint('err', file=sys.stderr)\n",
      shell: "python3",
      env: { PATH: process.env.PATH ?? "" },
      cwd: tempDir,
      signal: new AbortController().signal,
      tempDir,
      clock: systemClock,
      onOutput: (stream, chunk) =>
        streams.push(`${stream}:${chunk.toString().trim()}`),
    });
    expect(outcome.exitCode).toBe(0);
    expect(streams.sort()).toEqual(["stderr:err", "stdout:out"]);
  });

  it("a timeout stops the whole process tree, grandchildren included", async () => {
    const m = marker();
    const { outcome } = await run(`sh -c 'sleep ${m} & sleep ${m}'`, {
      timeoutMs: 300,
    });
    expect(outcome.reason).toBe("timeout");
    expect(outcome.pgid).toBeGreaterThan(0);
    expect(survivors(m)).toEqual([]);
  });

  it("a cancel sends SIGINT first, then ends what ignores it", async () => {
    const m = marker();
    const controller = new AbortController();
    let out = "";
    const running = runProcess({
      // The trap answers SIGINT; the background sleep ignores SIGINT (async job) and needs SIGTERM.
      script: `trap 'echo got-int; exit 7' INT\nsleep ${m} &\necho started\nwait`,
      env: { PATH: process.env.PATH ?? "" },
      cwd: tempDir,
      signal: controller.signal,
      grace,
      tempDir,
      clock: systemClock,
      onOutput: (_s, chunk) => {
        out += chunk.toString();
        if (out.includes("started")) controller.abort();
      },
    });
    const outcome = await running;
    expect(outcome.reason).toBe("cancelled");
    expect(out).toContain("got-int");
    expect(survivors(m)).toEqual([]);
  });

  it("a step timeout of 10 minutes stops the process group when the clock reaches it", async () => {
    const m = marker();
    const clock = new ManualClock(0);
    let out = "";
    const outcome = await runProcess({
      script: `sleep ${m} &\necho started\nwait`,
      env: { PATH: process.env.PATH ?? "" },
      cwd: tempDir,
      timeoutMs: 600_000,
      clock,
      signal: new AbortController().signal,
      grace,
      tempDir,
      onOutput: (_s, chunk) => {
        out += chunk.toString();
        // The process runs: only now does the (manual) time pass, all of it at once.
        if (out.includes("started")) clock.advance(600_000);
      },
    });
    expect(outcome.reason).toBe("timeout");
    expect(clock.pending()).toBe(0);
    expect(survivors(m)).toEqual([]);
  });

  it("a log sink that throws stops the step instead of crashing", async () => {
    const m = marker();
    const outcome = await runProcess({
      script: `echo hello; sleep ${m}`,
      env: { PATH: process.env.PATH ?? "" },
      cwd: tempDir,
      signal: new AbortController().signal,
      grace,
      tempDir,
      clock: systemClock,
      onOutput: () => {
        throw new Error("ENOSPC: no space left on device");
      },
    });
    expect(outcome.reason).toBe("sink-failed");
    expect(outcome.error).toBe(
      "cannot write the step log: ENOSPC: no space left on device",
    );
    expect(survivors(m)).toEqual([]);
  });

  it("a missing shell is a spawn failure, not a crash", async () => {
    const { outcome } = await run("echo hi", { shell: "no-such-shell-xyz" });
    expect(outcome).toEqual({
      reason: "spawn-failed",
      error: "shell no-such-shell-xyz not found",
    });
  });

  it("a missing working directory is a spawn failure, not a crash", async () => {
    const cwd = join(tempDir, "nope");
    const { outcome } = await run("echo hi", { cwd });
    expect(outcome).toEqual({
      reason: "spawn-failed",
      error: `working directory ${cwd} does not exist`,
    });
  });

  it("an already aborted signal starts nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const { outcome, out } = await run("echo hi", {
      signal: controller.signal,
    });
    expect(outcome.reason).toBe("cancelled");
    expect(out).toBe("");
  });
});
