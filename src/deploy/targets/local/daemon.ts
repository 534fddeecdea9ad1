import { createServer } from "node:http";
import type { Server } from "node:http";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError, messageOf } from "../../../kernel/index.js";
import { handleAdmin } from "./daemon-admin.js";
import { WeightedProxy } from "./proxy.js";
import type { Backend } from "./proxy.js";
import {
  readSavedState,
  removeSavedState,
  writeSavedState,
} from "./daemon-state.js";
import type { RouteRequest, SavedRelease } from "./daemon-state.js";
import {
  ManagedRelease,
  defaultProbes,
  freePort,
  groupAlive,
  probe,
} from "./supervisor.js";
import type {
  ProbeOptions,
  ReleaseProcessSpec,
  ReleaseProcessStatus,
} from "./supervisor.js";

/** What the daemon writes to `daemon.json` so sluice processes can find and talk to it. */
export interface DaemonInfo {
  pid: number;
  adminPort: number;
  proxyPort: number;
  token: string;
  /** The process that restarts the daemon when it dies (see keeper.ts), when there is one. */
  supervisorPid?: number;
}

export type { RouteRequest };

/** A release as the admin API takes it: the daemon picks a port when none is given. */
export type ReleaseRequest = Omit<ReleaseProcessSpec, "logFile" | "port"> & {
  port?: number;
};

export interface DaemonState {
  pid: number;
  proxyPort: number;
  routes: RouteRequest;
  releases: ReleaseProcessStatus[];
}

export interface DaemonOptions {
  /** Folder of `daemon.json` and release logs. */
  dir: string;
  proxyPort: number;
  token: string;
  env: NodeJS.ProcessEnv;
  probes?: Partial<ProbeOptions>;
  /** Longest wait for in-flight requests before a release stops. */
  drainMs?: number;
  supervisorPid?: number;
}

/**
 * The local target's data plane, in its own detached process so that traffic keeps flowing
 * when sluice stops or crashes: the weighted proxy, the release supervisor and a small admin
 * API on 127.0.0.1 (bearer token) through which sluice drives it.
 */
export class LocalTargetDaemon {
  readonly proxy = new WeightedProxy();
  private readonly releases = new Map<string, ManagedRelease>();
  private readonly admin: Server;
  private readonly probes: ProbeOptions;
  private routes: RouteRequest = { stable: null, canary: null, weight: 0 };
  /** Routes of an earlier daemon, put back as their releases get ready again. */
  private restoring: RouteRequest | null = null;
  private proxyPort = 0;
  private started = false;
  private closing: Promise<void> | undefined;
  /** Resolves when the daemon has been asked to shut down. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(private readonly options: DaemonOptions) {
    this.probes = { ...defaultProbes, ...options.probes };
    this.admin = createServer(
      (req, res) => void handleAdmin(this, options.token, req, res),
    );
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  /**
   * Takes over what an earlier daemon of this folder left (its `state.json`: releases, routes,
   * proxy port), listens (proxy on its port, admin on a free one) and writes `daemon.json`.
   */
  async start(): Promise<DaemonInfo> {
    mkdirSync(join(this.options.dir, "logs"), { recursive: true, mode: 0o700 });
    const saved = readSavedState(this.options.dir);
    if (saved) await this.restore(saved.releases, saved.routes);
    const port = saved?.proxyPort ?? this.options.proxyPort;
    try {
      this.proxyPort = await this.proxy.listen(port, "0.0.0.0");
    } catch (error) {
      throw new AppError(
        "CONFLICT",
        `the proxy cannot listen on port ${port}: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    this.started = true;
    this.persist();
    const adminPort = await new Promise<number>((resolve) =>
      this.admin.listen(0, "127.0.0.1", () => {
        const a = this.admin.address();
        resolve(typeof a === "object" && a ? a.port : 0);
      }),
    );
    const info: DaemonInfo = {
      pid: process.pid,
      adminPort,
      proxyPort: this.proxyPort,
      token: this.options.token,
      ...(this.options.supervisorPid
        ? { supervisorPid: this.options.supervisorPid }
        : {}),
    };
    const file = join(this.options.dir, "daemon.json");
    writeFileSync(`${file}.tmp`, JSON.stringify(info), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return info;
  }

  /**
   * Re-adopts the releases an earlier daemon ran: a live process that is the same one (pid and
   * start time) and answers its probe is taken over at once; one that is still starting is
   * waited for; one that is gone starts again on its port. Routes come back as releases are ready.
   */
  private async restore(
    releases: SavedRelease[],
    routes: RouteRequest,
  ): Promise<void> {
    this.restoring = routes;
    const slow: SavedRelease[] = [];
    await Promise.all(
      releases.map(async (r) => {
        const release = this.managed(r, r.port);
        this.releases.set(r.id, release);
        const healthy =
          r.pid !== null &&
          groupAlive(r.pid) &&
          (await probe(r.port, r.health, this.probes.probeTimeoutMs));
        if (!healthy || !(await release.adopt(r.pid!, r.startTime)))
          slow.push(r);
      }),
    );
    this.restoreRoutes();
    for (const r of slow) {
      const release = this.releases.get(r.id)!;
      void (async () => {
        if (r.pid !== null && (await release.adopt(r.pid, r.startTime))) return;
        await release.start();
      })().catch(() => {
        // the failure is in the release's state
      });
    }
  }

  /** Puts back the routes of an earlier daemon, as far as their releases are ready. */
  private restoreRoutes(): void {
    const want = this.restoring;
    if (!want) return;
    const ready = (id: string | null) =>
      id !== null && this.releases.get(id)?.state === "ready" ? id : null;
    const stable = ready(want.stable);
    const canary = ready(want.canary);
    this.applyRoutes({
      stable,
      canary,
      weight: canary ? want.weight : 0,
    });
    if (stable === want.stable && canary === want.canary) this.restoring = null;
  }

  private managed(
    request: Omit<ReleaseRequest, "port">,
    port: number,
  ): ManagedRelease {
    return new ManagedRelease(
      {
        id: request.id,
        command: request.command,
        env: request.env,
        health: request.health,
        ...(request.cwd ? { cwd: request.cwd } : {}),
        port,
        logFile: join(this.options.dir, "logs", `${request.id}.log`),
      },
      this.probes,
      this.options.env,
      () => {
        this.restoreRoutes();
        this.persist();
      },
    );
  }

  /** Writes what a successor needs to carry on (see daemon-state.ts). */
  private persist(): void {
    if (!this.started || this.closing) return;
    const releases: SavedRelease[] = [];
    for (const r of this.releases.values()) {
      if (
        r.state === "stopped" ||
        r.state === "stopping" ||
        r.state === "failed"
      )
        continue;
      releases.push({
        id: r.spec.id,
        command: r.spec.command,
        env: r.spec.env,
        health: r.spec.health,
        ...(r.spec.cwd ? { cwd: r.spec.cwd } : {}),
        port: r.spec.port,
        pid: r.pid,
        startTime: r.startTime,
      });
    }
    try {
      writeSavedState(this.options.dir, {
        proxyPort: this.proxyPort,
        routes: this.restoring ?? this.routes,
        releases,
      });
    } catch {
      // a full disk must not stop the data plane; the next change writes again
    }
  }

  state(): DaemonState {
    return {
      pid: process.pid,
      proxyPort: this.proxyPort,
      routes: this.routes,
      releases: [...this.releases.values()].map((r) => r.status()),
    };
  }

  /** Starts a release in the background; the caller polls its state. Idempotent per id. */
  async startRelease(request: ReleaseRequest): Promise<ReleaseProcessStatus> {
    const existing = this.releases.get(request.id);
    if (existing && existing.state !== "stopped" && existing.state !== "failed")
      return existing.status();
    const port = request.port ?? (await freePort());
    const release = this.managed(request, port);
    this.releases.set(request.id, release);
    this.persist();
    release.start().catch(() => {
      // the failure is in the release's state for the controller to read
    });
    return release.status();
  }

  /** Takes over a release process left running by an earlier daemon. */
  async adopt(
    request: ReleaseRequest & { pid: number; port: number },
  ): Promise<boolean> {
    const release = this.managed(request, request.port);
    if (!(await release.adopt(request.pid))) return false;
    this.releases.set(request.id, release);
    this.persist();
    return true;
  }

  /** Points the proxy at ready releases; a release that is not ready cannot take traffic. */
  setRoutes(routes: RouteRequest): void {
    for (const id of [routes.stable, routes.canary]) {
      if (id !== null && this.releases.get(id)?.state !== "ready")
        throw new AppError(
          "CONFLICT",
          `release ${id} is not ready to take traffic`,
        );
    }
    // Whoever drives the rollout now decides; what an earlier daemon had is no longer wanted.
    this.restoring = null;
    this.applyRoutes(routes);
    this.persist();
  }

  private applyRoutes(routes: RouteRequest): void {
    const backend = (id: string | null): Backend | null => {
      const r = id === null ? undefined : this.releases.get(id);
      return r ? { release: r.spec.id, port: r.spec.port } : null;
    };
    this.proxy.setRoutes({
      stable: backend(routes.stable),
      canary: backend(routes.canary),
      weight: routes.weight,
    });
    this.routes = { ...routes };
  }

  /** Takes a release out of the routes if needed, drains it, then stops its process group. */
  async stopRelease(id: string, graceMs?: number): Promise<void> {
    const release = this.releases.get(id);
    if (!release) return;
    if (this.routes.stable === id)
      throw new AppError(
        "CONFLICT",
        `release ${id} is stable: promote another first`,
      );
    if (this.routes.canary === id)
      this.setRoutes({ ...this.routes, canary: null, weight: 0 });
    const deadline = Date.now() + (this.options.drainMs ?? 5_000);
    while (this.proxy.inFlightTo(id) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    await release.stop(graceMs);
    this.persist();
  }

  /** Stops every release and closes the listeners. */
  async shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.routes = { stable: null, canary: null, weight: 0 };
      this.proxy.setRoutes({ stable: null, canary: null, weight: 0 });
      await Promise.all([...this.releases.values()].map((r) => r.stop(2_000)));
      // Nothing to carry on: a later daemon starts empty.
      removeSavedState(this.options.dir);
      await this.proxy.close();
      this.admin.closeAllConnections();
      await new Promise<void>((r) => this.admin.close(() => r()));
      this.resolveClosed();
    })();
    return this.closing;
  }
}
