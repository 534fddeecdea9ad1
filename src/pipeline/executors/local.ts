import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../../kernel/index.js";
import type { KillGrace } from "../ports.js";
import { defaultGrace, stopGroup } from "./process-group.js";
import { scriptExtension, shellCommand } from "./shell.js";
import { StepFileError, spawnHere } from "./spawner.js";
import type { SpawnStep, StepFile, StepProcess } from "./spawner.js";

/** One shell step attempt to run as a child process. */
export interface ProcessSpec {
  script: string;
  /** `bash` (default), `sh`, `python`, `node`, or a command line with `{0}` for the script. */
  shell?: string | undefined;
  /** The complete environment of the process. */
  env: Record<string, string>;
  cwd: string;
  timeoutMs?: number | undefined;
  /** Runs the timeout (the pipe drain and the stop grace wait on the OS in real time: ADR 025). */
  clock: Pick<Clock, "setTimeout">;
  signal: AbortSignal;
  grace?: KillGrace | undefined;
  /** Where the script file goes. */
  tempDir: string;
  /**
   * The step's output files (`$SLUICE_OUTPUT`, `$SLUICE_ENV`): created empty before it starts,
   * read once it has ended (`ProcessOutcome.outputs`), then removed, with its script.
   */
  outputFiles?: string[] | undefined;
  onOutput(stream: "stdout" | "stderr", chunk: Buffer): void;
  /** Starts the process (default: from this process; the runtime passes its `StepSpawner`). */
  spawn?: SpawnStep | undefined;
}

/** How one process ended. An expected outcome: spawn failures are values too. */
export interface ProcessOutcome {
  /**
   * `exited`: it ended by itself (see exitCode/signal); `timeout` and `cancelled`: we stopped it;
   * `spawn-failed`: it never started (missing shell or working directory); `sink-failed`: its
   * output could not be written (a full disk), so it was stopped.
   */
  reason: "exited" | "timeout" | "cancelled" | "spawn-failed" | "sink-failed";
  exitCode?: number | undefined;
  /** The signal that ended the process, if one did. */
  signal?: NodeJS.Signals | undefined;
  /** The process group id (equal to the leader's pid); the job ends leftovers in it. */
  pgid?: number | undefined;
  /** One line for a `spawn-failed` outcome. */
  error?: string | undefined;
  /** What `outputFiles` held once the process ended, in their order (absent if it never started). */
  outputs?: string[] | undefined;
}

/** After the leader exits, how long its pipes may stay open (held by a background child); real time (ADR 025). */
const drainMs = 250;

/**
 * Runs a script the way CI runners do: written to a temp file, run by the shell in its own process
 * group (`detached`), so a timeout or a cancel stops the whole tree with SIGINT → SIGTERM → SIGKILL.
 */
export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const missingDir = checkDirectory(spec.cwd);
  if (missingDir) return { reason: "spawn-failed", error: missingDir };
  if (spec.signal.aborted) return { reason: "cancelled" };

  const scriptPath = join(
    spec.tempDir,
    `sluice-step-${randomBytes(6).toString("hex")}${scriptExtension(spec.shell)}`,
  );
  // The spawner writes them (the output files first, as before), and removes them in `finish`.
  const files: StepFile[] = [
    ...(spec.outputFiles ?? []).map((path) => ({ path, content: "" })),
    { path: scriptPath, content: spec.script },
  ];
  return spawnAndWait(spec, scriptPath, files);
}

function checkDirectory(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory())
      return `working directory ${dir} is not a directory`;
  } catch {
    return `working directory ${dir} does not exist`;
  }
  return undefined;
}

async function spawnAndWait(
  spec: ProcessSpec,
  scriptPath: string,
  files: StepFile[],
): Promise<ProcessOutcome> {
  const { argv } = shellCommand(spec.shell, scriptPath);
  const [program, ...args] = argv;
  let child: StepProcess;
  try {
    child = await (spec.spawn ?? spawnHere)({
      program,
      args,
      cwd: spec.cwd,
      env: spec.env,
      files,
    });
  } catch (error) {
    // A file that could not be written fails the step with the file system's message.
    if (error instanceof StepFileError) throw error;
    // Only spawn itself fails this way (ENOENT, EACCES): the shell is missing or not runnable.
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason: "spawn-failed",
      error:
        code === "ENOENT"
          ? `shell ${program} not found`
          : `cannot start shell ${program}: ${code ?? (error as Error).message}`,
    };
  }
  const outcome = await waitFor(child, spec);
  return { ...outcome, outputs: await child.finish(spec.outputFiles ?? []) };
}

/** Forwards the output, applies the timeout and the cancel, and waits for the end of the group. */
function waitFor(
  child: StepProcess,
  spec: ProcessSpec,
): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    let stopping: "timeout" | "cancelled" | undefined;
    let stopped: Promise<unknown> = Promise.resolve();
    const pgid = child.pid;

    const stop = (why: "timeout" | "cancelled") => {
      if (stopping) return;
      stopping = why;
      stopped = stopGroup(pgid, spec.grace ?? defaultGrace);
    };
    const onAbort = () => stop("cancelled");
    spec.signal.addEventListener("abort", onAbort, { once: true });
    // Aborted while the process was starting.
    if (spec.signal.aborted) onAbort();
    const timer =
      spec.timeoutMs !== undefined
        ? spec.clock.setTimeout(() => stop("timeout"), spec.timeoutMs)
        : undefined;

    // A sink that throws (a full disk) must not crash the process: stop the step instead.
    let sinkError: string | undefined;
    const forward = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      if (sinkError !== undefined) return;
      try {
        spec.onOutput(stream, chunk);
      } catch (error) {
        sinkError = `cannot write the step log: ${error instanceof Error ? error.message : String(error)}`;
        stop("cancelled");
      }
    };
    child.stdout.on("data", forward("stdout"));
    child.stderr.on("data", forward("stderr"));

    void child.exited.then(async ({ code, signal }) => {
      await Promise.race([
        Promise.all([closed(child.stdout), closed(child.stderr)]),
        new Promise((r) => setTimeout(r, drainMs)),
      ]);
      child.stdout.destroy();
      child.stderr.destroy();
      // A cancel or timeout goes on until the whole group is gone, not just the leader.
      await stopped;
      timer?.cancel();
      spec.signal.removeEventListener("abort", onAbort);
      if (sinkError !== undefined) {
        resolve({ reason: "sink-failed", error: sinkError, pgid });
        return;
      }
      resolve({
        reason: stopping ?? "exited",
        exitCode: code ?? undefined,
        signal: signal ?? undefined,
        pgid,
      });
    });
  });
}

function closed(
  stream: NodeJS.ReadableStream & { closed?: boolean },
): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once("close", () => resolve()));
}
