import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import { AppError, formatDuration } from "../../../kernel/index.js";
import { processStartTime, sameProcess } from "./daemon-state.js";

/** Readiness and liveness probes (Kubernetes fields, shorter defaults for a laptop). */
export interface ProbeOptions {
  /** Time between readiness probes while starting. */
  readinessPeriodMs: number;
  /** A release that is not ready after this long fails to start. */
  readinessTimeoutMs: number;
  livenessPeriodMs: number;
  /** Consecutive failed liveness probes before a restart. */
  livenessFailureThreshold: number;
  probeTimeoutMs: number;
  /** Restart backoff: doubles from the first value up to the cap (CrashLoopBackOff). */
  backoffMs: number;
  backoffCapMs: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs: number;
}

export const defaultProbes: ProbeOptions = {
  readinessPeriodMs: 100,
  readinessTimeoutMs: 30_000,
  livenessPeriodMs: 1_000,
  livenessFailureThreshold: 3,
  probeTimeoutMs: 1_000,
  backoffMs: 1_000,
  backoffCapMs: 300_000,
  graceMs: 10_000,
};

/** What a release runs as: the command, its port, env and working directory. */
export interface ReleaseProcessSpec {
  id: string;
  command: string;
  port: number;
  env: Record<string, string>;
  cwd?: string;
  health: string;
  /** stdout and stderr of the process go here (a file, so the process outlives its parent). */
  logFile: string;
}

export type ProcessState =
  "starting" | "ready" | "restarting" | "failed" | "stopping" | "stopped";

/** What the target reports about a release. */
export interface ReleaseProcessStatus {
  id: string;
  state: ProcessState;
  pid: number | null;
  port: number;
  restarts: number;
  error?: string;
}

/** Whether a port on this machine is free to listen on. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    // Resolve on listening: close() waits for connections someone may have opened meanwhile.
    probe.listen(port, () => {
      probe.close();
      resolve(true);
    });
  });
}

/** A port nobody listens on, from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close();
      resolve(port);
    });
  });
}

/** One HTTP GET on the health path; true on 2xx or 3xx, false on anything else or a timeout. */
export function probe(
  port: number,
  path: string,
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    // A hard deadline of our own: a destroyed request does not always emit an error.
    const timer = setTimeout(() => {
      req.destroy(new Error("probe timed out"));
      settle(false);
    }, timeoutMs);
    const req = get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      res.resume();
      settle((res.statusCode ?? 500) < 400);
    });
    req.on("error", () => settle(false));
    req.on("close", () => settle(false));
  });
}

/** Whether a process group (or a process) is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One release as an OS process group: started detached (it leads its group and outlives the
 * daemon), probed for readiness then liveness, restarted with a doubling backoff when it dies,
 * stopped with SIGTERM then SIGKILL on the whole group. A release that cannot start leaves
 * nothing running behind.
 */
export class ManagedRelease {
  state: ProcessState = "starting";
  pid: number | null = null;
  /** When the process `pid` started (from /proc), to recognise it after a daemon restart. */
  startTime: string | null = null;
  restarts = 0;
  error: string | undefined;
  private child: ChildProcess | undefined;
  private stopping = false;
  private livenessTimer: NodeJS.Timeout | undefined;
  private restartPending = false;

  constructor(
    readonly spec: ReleaseProcessSpec,
    private readonly probes: ProbeOptions,
    private readonly baseEnv: NodeJS.ProcessEnv,
    private readonly onChange: (
      status: ReleaseProcessStatus,
    ) => void = () => {},
  ) {}

  status(): ReleaseProcessStatus {
    return {
      id: this.spec.id,
      state: this.state,
      pid: this.pid,
      port: this.spec.port,
      restarts: this.restarts,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /** Starts the release and resolves once it is ready; throws an AppError, leaving nothing running. */
  async start(): Promise<void> {
    if (!(await portFree(this.spec.port))) {
      this.fail(`port ${this.spec.port} is already in use`);
      throw new AppError(
        "CONFLICT",
        `release ${this.spec.id}: port ${this.spec.port} is already in use`,
      );
    }
    await this.launch();
  }

  /**
   * Takes over a process group left running by an earlier daemon: it must be the same process
   * (pid and start time) and pass its readiness probe (waiting, as for a start, when it was
   * still starting). False when it is gone, is another process, or never gets ready; a group of
   * ours that never gets ready is killed, so the port is free for a restart.
   */
  async adopt(pid: number, startTime: string | null = null): Promise<boolean> {
    if (!groupAlive(pid) || !sameProcess(pid, startTime)) return false;
    const deadline = Date.now() + this.probes.readinessTimeoutMs;
    for (;;) {
      if (
        await probe(
          this.spec.port,
          this.spec.health,
          this.probes.probeTimeoutMs,
        )
      )
        break;
      if (!groupAlive(pid)) return false;
      if (Date.now() >= deadline) {
        signalGroup(pid, "SIGKILL");
        while (groupAlive(pid)) await sleep(10);
        return false;
      }
      await sleep(this.probes.readinessPeriodMs);
    }
    this.pid = pid;
    this.startTime = processStartTime(pid) ?? startTime;
    this.setState("ready");
    this.watchLiveness();
    return true;
  }

  /** Drained by the caller first; SIGTERM to the group, SIGKILL after the grace period. */
  async stop(graceMs = this.probes.graceMs): Promise<void> {
    this.stopping = true;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    const pid = this.pid;
    if (pid !== null && groupAlive(pid)) {
      this.setState("stopping");
      signalGroup(pid, "SIGTERM");
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(25);
      if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
      while (groupAlive(pid)) await sleep(10);
    }
    this.setState("stopped");
  }

  private async launch(): Promise<void> {
    this.setState(this.restarts > 0 ? "restarting" : "starting");
    // A service's log is under $SLUICE_HOME: private to the user, whatever the umask.
    const log = openSync(this.spec.logFile, "a", 0o600);
    let child: ChildProcess;
    try {
      child = spawn("sh", ["-c", this.spec.command], {
        cwd: this.spec.cwd,
        env: {
          ...this.baseEnv,
          ...this.spec.env,
          PORT: String(this.spec.port),
        },
        detached: true,
        stdio: ["ignore", log, log],
      });
    } finally {
      closeSync(log);
    }
    this.child = child;
    let exited: string | undefined;
    const spawnError = new Promise<void>((resolve) => {
      child.once("error", (error) => {
        exited ??= `could not start: ${error.message}`;
        resolve();
      });
    });
    child.once("exit", (code, signal) => {
      exited ??= signal
        ? `was killed by ${signal}`
        : `exited with code ${code}`;
      this.onExit(child);
    });
    this.pid = child.pid ?? null;
    this.startTime = this.pid !== null ? processStartTime(this.pid) : null;
    // Recorded at once: a daemon that dies before the release is ready can still find it.
    this.onChange(this.status());
    child.unref();
    const deadline = Date.now() + this.probes.readinessTimeoutMs;
    for (;;) {
      if (exited !== undefined) break;
      if (
        await probe(
          this.spec.port,
          this.spec.health,
          this.probes.probeTimeoutMs,
        )
      ) {
        if (exited !== undefined) break;
        this.setState("ready");
        this.watchLiveness();
        return;
      }
      if (Date.now() >= deadline) {
        exited = `did not pass its readiness probe GET ${this.spec.health} within ${formatDuration(this.probes.readinessTimeoutMs)}`;
        break;
      }
      await Promise.race([sleep(this.probes.readinessPeriodMs), spawnError]);
    }
    // Not ready: leave nothing behind.
    if (this.pid !== null && groupAlive(this.pid)) {
      signalGroup(this.pid, "SIGKILL");
      while (groupAlive(this.pid)) await sleep(10);
    }
    const tail = lastLine(this.spec.logFile);
    const message = `release ${this.spec.id} ${exited}${tail ? ` (last output: ${tail})` : ""}`;
    this.fail(message);
    throw new AppError("EXTERNAL", message);
  }

  private onExit(child: ChildProcess): void {
    if (child !== this.child || this.stopping || this.state !== "ready") return;
    // A ready release died: kill what is left of its group, then restart after the backoff.
    if (this.pid !== null) signalGroup(this.pid, "SIGKILL");
    void this.restartLater(`exited unexpectedly`);
  }

  private watchLiveness(): void {
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    let failures = 0;
    let busy = false;
    this.livenessTimer = setInterval(async () => {
      if (busy || this.stopping || this.state !== "ready") return;
      busy = true;
      try {
        const alive = this.pid !== null && groupAlive(this.pid);
        const healthy =
          alive &&
          (await probe(
            this.spec.port,
            this.spec.health,
            this.probes.probeTimeoutMs,
          ));
        failures = healthy ? 0 : failures + 1;
        if (!alive || failures >= this.probes.livenessFailureThreshold) {
          if (this.pid !== null && alive) signalGroup(this.pid, "SIGKILL");
          await this.restartLater(
            alive ? "failed its liveness probe" : "is gone",
          );
        }
      } finally {
        busy = false;
      }
    }, this.probes.livenessPeriodMs);
    this.livenessTimer.unref();
  }

  private async restartLater(why: string): Promise<void> {
    if (this.stopping || this.restartPending) return;
    this.restartPending = true;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.error = `release ${this.spec.id} ${why}`;
    this.setState("restarting");
    const delay = Math.min(
      this.probes.backoffCapMs,
      this.probes.backoffMs * 2 ** this.restarts,
    );
    this.restarts++;
    await sleep(delay);
    this.restartPending = false;
    if (this.stopping) return;
    try {
      await this.launch();
      delete this.error;
    } catch {
      // launch() recorded the failure; try again later, as a crash loop does.
      if (!this.stopping) void this.restartLater("failed to restart");
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.setState("failed");
  }

  private setState(state: ProcessState): void {
    this.state = state;
    this.onChange(this.status());
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function lastLine(file: string): string {
  try {
    const text = readFileSync(file, "utf8");
    return text.trim().split("\n").at(-1)?.slice(0, 200) ?? "";
  } catch {
    return "";
  }
}
