import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
} from "node:fs";
import { join } from "node:path";
import { AppError, isAlive, messageOf } from "../../../kernel/index.js";
import type { TrafficWindow } from "../../analysis/providers.js";
import type {
  DeployTarget,
  ReleaseRecord,
  TargetReleaseState,
  TargetRoutes,
  TargetServing,
} from "../../ports.js";
import type { ReleaseState } from "../../types.js";
import type { DaemonInfo, DaemonState, ReleaseRequest } from "./daemon.js";
import { readSavedState } from "./daemon-state.js";
import type { ProcessState } from "./supervisor.js";

export interface LocalTargetOptions {
  /** The daemon's folder: `daemon.json`, its log, release logs. One per project and environment. */
  dir: string;
  proxyPort: number;
  /** How to run the daemon entry, e.g. `[node, dist/deploy/targets/local/daemon-main.js]`. */
  daemonCommand: string[];
  env: NodeJS.ProcessEnv;
  /** Between SIGTERM and SIGKILL when a release stops. */
  graceMs?: number;
}

const stateOf: Record<ProcessState, ReleaseState> = {
  starting: "starting",
  ready: "ready",
  // A release that crashed is a failed canary: restarts are a health signal.
  restarting: "failed",
  failed: "failed",
  stopping: "stopped",
  stopped: "stopped",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The `local` deploy target as sluice sees it: a client of the daemon that holds the proxy and
 * the release processes. It starts the daemon when none is running (or the recorded one died)
 * and talks to it over its admin API.
 */
export class LocalTarget implements DeployTarget {
  private info: DaemonInfo | undefined;

  constructor(private readonly options: LocalTargetOptions) {}

  /**
   * The running daemon, started if needed. When the daemon died and its supervisor lives, the
   * supervisor is already starting a new one: wait for it rather than start a second. A new
   * daemon re-adopts the releases and routes of the dead one from its state file.
   */
  async daemon(): Promise<DaemonInfo> {
    if (this.info && (await this.reachable(this.info))) return this.info;
    const info = this.recorded();
    if (info) {
      if (isAlive(info.pid) && (await this.reachable(info)))
        return (this.info = info);
      const keeper = info.supervisorPid;
      if (keeper !== undefined && isAlive(keeper)) {
        for (let i = 0; i < 200 && isAlive(keeper); i++) {
          const next = this.recorded();
          if (next && isAlive(next.pid) && (await this.reachable(next)))
            return (this.info = next);
          await sleep(50);
        }
        // A supervisor that cannot bring its daemon back is stopped; a new one starts below.
        try {
          process.kill(-keeper, "SIGTERM");
        } catch {
          // gone already
        }
      }
    }
    this.info = await this.spawnDaemon();
    return this.info;
  }

  /** Whether a daemon is running for this folder (without starting one). */
  async running(): Promise<DaemonInfo | null> {
    const info = this.recorded();
    if (!info) return null;
    return isAlive(info.pid) && (await this.reachable(info)) ? info : null;
  }

  /** What `daemon.json` says, or null. */
  private recorded(): DaemonInfo | null {
    const file = join(this.options.dir, "daemon.json");
    if (!existsSync(file)) return null;
    try {
      return JSON.parse(readFileSync(file, "utf8")) as DaemonInfo;
    } catch {
      return null;
    }
  }

  async state(): Promise<DaemonState> {
    return (await this.call("GET", "/state")) as DaemonState;
  }

  async startRelease(release: ReleaseRecord): Promise<void> {
    const request: ReleaseRequest = {
      id: release.id,
      command: release.command,
      env: release.env,
      health: release.health,
      ...(release.port !== undefined ? { port: release.port } : {}),
      ...(release.cwd ? { cwd: release.cwd } : {}),
    };
    await this.call("POST", "/releases", request);
  }

  async releaseState(releaseId: string): Promise<TargetReleaseState> {
    const state = await this.state();
    const r = state.releases.find((x) => x.id === releaseId);
    if (!r) return { state: "none", pid: null, port: null, restarts: 0 };
    return {
      state: stateOf[r.state],
      pid: r.pid,
      port: r.port,
      restarts: r.restarts,
      ...(r.error ? { error: r.error } : {}),
    };
  }

  async setRoutes(routes: TargetRoutes): Promise<void> {
    await this.call("PUT", "/routes", routes);
  }

  async stopRelease(releaseId: string): Promise<void> {
    const grace =
      this.options.graceMs !== undefined
        ? `?grace=${this.options.graceMs}`
        : "";
    await this.call(
      "DELETE",
      `/releases/${encodeURIComponent(releaseId)}${grace}`,
    );
  }

  async recover(
    release: ReleaseRecord,
    recorded: { pid: number | null; port: number | null },
  ): Promise<"running" | "adopted" | "restarted"> {
    const now = await this.releaseState(release.id);
    if (now.state === "ready" || now.state === "starting") return "running";
    if (recorded.pid !== null && recorded.port !== null) {
      const { adopted } = (await this.call(
        "POST",
        `/releases/${encodeURIComponent(release.id)}/adopt`,
        {
          id: release.id,
          command: release.command,
          env: release.env,
          health: release.health,
          pid: recorded.pid,
          port: recorded.port,
          ...(release.cwd ? { cwd: release.cwd } : {}),
        },
      )) as { adopted: boolean };
      if (adopted) return "adopted";
    }
    await this.startRelease(
      recorded.port !== null ? { ...release, port: recorded.port } : release,
    );
    for (;;) {
      const s = await this.releaseState(release.id);
      if (s.state === "ready") return "restarted";
      if (s.state === "failed" || s.state === "stopped")
        throw new AppError(
          "EXTERNAL",
          s.error ?? `release ${release.version} could not be restarted`,
        );
      await sleep(50);
    }
  }

  async window(
    release: string,
    from: number,
    to: number,
  ): Promise<TrafficWindow> {
    return (await this.call(
      "GET",
      `/metrics/${encodeURIComponent(release)}?from=${Math.floor(from)}&to=${Math.ceil(to)}`,
    )) as TrafficWindow;
  }

  async endpoint(): Promise<string> {
    return `http://127.0.0.1:${(await this.daemon()).proxyPort}`;
  }

  /**
   * What the proxy serves. A daemon that died is brought back first (it re-adopts its
   * releases); an environment that was stopped, or never started, is reported as not running
   * rather than started empty.
   */
  async serving(): Promise<TargetServing> {
    const info = await this.existing();
    if (!info)
      return {
        running: false,
        endpoint: "",
        routes: { stable: null, canary: null, weight: 0 },
        states: {},
      };
    const state = await this.state();
    return {
      running: true,
      endpoint: `http://127.0.0.1:${(await this.daemon()).proxyPort}`,
      routes: state.routes,
      states: Object.fromEntries(
        state.releases.map((r) => [r.id, stateOf[r.state]]),
      ),
    };
  }

  /**
   * The daemon of this folder if one runs or should: a dead daemon may have left releases (its
   * state file) or a supervisor bringing it back, so it is restored; null when nothing runs.
   */
  private async existing(): Promise<DaemonInfo | null> {
    const info = await this.running();
    if (info) return info;
    const keeper = this.recorded()?.supervisorPid;
    if (
      this.options.daemonCommand.length > 0 &&
      (readSavedState(this.options.dir) ||
        (keeper !== undefined && isAlive(keeper)))
    )
      return this.daemon();
    return null;
  }

  /** Stops the daemon and every release it runs (taking over a dead daemon's releases first). */
  async shutdown(): Promise<boolean> {
    const info = await this.existing();
    if (!info) return false;
    await this.call("POST", "/shutdown").catch(() => {});
    // The supervisor exits once its daemon stopped on request.
    const last = info.supervisorPid ?? info.pid;
    for (let i = 0; i < 400 && (isAlive(info.pid) || isAlive(last)); i++)
      await sleep(25);
    return true;
  }

  async close(): Promise<void> {
    this.info = undefined;
  }

  private async reachable(info: DaemonInfo): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${info.adminPort}/state`, {
        headers: { authorization: `Bearer ${info.token}` },
        signal: AbortSignal.timeout(2_000),
      });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  private async spawnDaemon(): Promise<DaemonInfo> {
    const { dir, proxyPort, daemonCommand, env } = this.options;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const token = randomBytes(24).toString("base64url");
    const log = openSync(join(dir, "daemon.log"), "a", 0o600);
    const [command, ...args] = daemonCommand;
    if (!command) throw new AppError("INTERNAL", "no daemon command");
    const child = spawn(
      command,
      [
        ...args,
        "--dir",
        dir,
        "--proxy-port",
        String(proxyPort),
        "--keeper",
        ...(this.options.graceMs !== undefined
          ? ["--grace-ms", String(this.options.graceMs)]
          : []),
      ],
      {
        detached: true,
        stdio: ["ignore", log, log],
        env: { ...env, SLUICE_DAEMON_TOKEN: token },
      },
    );
    closeSync(log);
    child.unref();
    let exited: number | null | undefined;
    child.once("exit", (code) => (exited = code));
    const file = join(dir, "daemon.json");
    for (let i = 0; i < 600; i++) {
      if (existsSync(file)) {
        const info = JSON.parse(readFileSync(file, "utf8")) as DaemonInfo;
        if (info.supervisorPid === child.pid && info.token === token)
          return info;
      }
      if (exited !== undefined) {
        const tail =
          readFileSync(join(dir, "daemon.log"), "utf8")
            .trim()
            .split("\n")
            .at(-1) ?? "";
        throw new AppError(
          "EXTERNAL",
          `the local deploy target did not start: ${tail.replace(/^sluice deploy daemon: /, "")}`,
        );
      }
      await sleep(25);
    }
    throw new AppError(
      "TIMEOUT",
      "the local deploy target did not start within 15s",
    );
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    retried = false,
  ): Promise<unknown> {
    const info = await this.daemon();
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${info.adminPort}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${info.token}`,
          "content-type": "application/json",
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      // The daemon died under the request: its successor (the keeper's, or one started here)
      // has re-adopted the releases; every admin request is safe to repeat once.
      if (!retried && !isAlive(info.pid)) {
        this.info = undefined;
        return this.call(method, path, body, true);
      }
      throw new AppError(
        "EXTERNAL",
        `the local deploy target does not answer: ${messageOf(error)}`,
        { cause: error },
      );
    }
    const answer = (await res.json().catch(() => ({}))) as {
      error?: string;
      code?: string;
    };
    if (!res.ok) {
      throw new AppError(
        res.status === 409 ? "CONFLICT" : "EXTERNAL",
        answer.error ?? `local target answered ${res.status}`,
      );
    }
    return answer;
  }
}
