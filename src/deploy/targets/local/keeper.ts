import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface KeeperOptions {
  /** The daemon's folder (its `daemon.json` tells whether a daemon got as far as serving). */
  dir: string;
  /** How to start one daemon: the command and its arguments. */
  command: string[];
  env: NodeJS.ProcessEnv;
  /** stdout and stderr of every daemon (the folder's `daemon.log`). */
  logFd: number;
  /** Written to the log when the daemon is restarted. */
  log(line: string): void;
  /** First delay after a daemon that dies within `quickMs` of its start, doubling to 10 s. */
  backoffMs?: number;
  /** A daemon that dies this soon after its start counts towards a crash loop (1 s). */
  quickMs?: number;
}

/**
 * The local target's supervisor: a small process that only starts the daemon and starts it
 * again, at once, whenever it dies (the daemon re-adopts the releases from its state file).
 * A daemon that exits 0 was asked to stop: the keeper stops too. A first daemon that never
 * served ends the keeper with its exit code, so the sluice command that started it can say why.
 * Crash loops back off (immediately, then from `backoffMs` doubling to 10 s).
 * `done` resolves with the keeper's exit code; `stop()` (on SIGTERM) stops the daemon, then it.
 */
export function keepDaemon(options: KeeperOptions): {
  done: Promise<number>;
  stop(): void;
} {
  let stop = () => {};
  const done = new Promise<number>((resolve) => {
    let child: ChildProcess | undefined;
    let stopping = false;
    let servedOnce = false;
    let quickDeaths = 0;
    const launch = () => {
      const startedAt = Date.now();
      const [command, ...args] = options.command;
      const current = spawn(command!, args, {
        env: options.env,
        stdio: ["ignore", options.logFd, options.logFd],
      });
      child = current;
      current.once("error", () => {
        // reported by "exit" (code null); nothing else to do
      });
      current.once("exit", (code, signal) => {
        const served = daemonServed(options.dir, current.pid);
        servedOnce ||= served;
        if (stopping || code === 0) return resolve(0);
        if (!servedOnce) return resolve(code ?? 1);
        quickDeaths =
          Date.now() - startedAt < (options.quickMs ?? 1_000)
            ? quickDeaths + 1
            : 0;
        const delay =
          quickDeaths <= 1
            ? 0
            : Math.min(
                10_000,
                (options.backoffMs ?? 250) * 2 ** (quickDeaths - 2),
              );
        options.log(
          `sluice deploy keeper ${process.pid}: daemon ${current.pid} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; starting it again${delay ? ` in ${delay} ms` : ""}`,
        );
        setTimeout(() => {
          if (!stopping) launch();
        }, delay);
      });
    };
    stop = () => {
      stopping = true;
      // The daemon stops its releases and exits; then so does the keeper.
      if (child && child.exitCode === null && child.signalCode === null)
        child.kill("SIGTERM");
      else resolve(0);
    };
    launch();
  });
  return { done, stop: () => stop() };
}

/** Whether the daemon with this pid wrote `daemon.json` (it listened and served). */
function daemonServed(dir: string, pid: number | undefined): boolean {
  const file = join(dir, "daemon.json");
  if (pid === undefined || !existsSync(file)) return false;
  try {
    return (
      (JSON.parse(readFileSync(file, "utf8")) as { pid: number }).pid === pid
    );
  } catch {
    return false;
  }
}
