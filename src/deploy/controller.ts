import type { Clock, Logger } from "../kernel/index.js";
import { messageOf, sleep } from "../kernel/index.js";
import { takeMeasurement } from "./analysis/measure.js";
import type { ProviderDeps } from "./analysis/providers.js";
import type {
  DeliveryEvents,
  DeployStore,
  DeployTarget,
  FlagKillSwitch,
  RolloutRecord,
  TargetRoutes,
} from "./ports.js";
import { reconcile, resumeStatus } from "./reconcile.js";
import { isFinished } from "./status.js";
import type {
  MeasurementResult,
  Observations,
  RolloutAction,
  RolloutCommand,
  RolloutStatus,
  TimelineEntry,
} from "./types.js";

export interface ControllerDeps {
  store: DeployStore;
  target: DeployTarget;
  clock: Clock;
  logger: Logger;
  killSwitch?: FlagKillSwitch | undefined;
  events?: DeliveryEvents | undefined;
  /** Working directory and environment of command measurements. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface DriveOptions {
  /** Between reconciles, on the controller's Clock (a test moves a ManualClock on). */
  tickMs?: number;
  /** Return when the rollout waits for a person (a pause without an end). */
  stopWhenPaused?: boolean;
  /** New timeline entries, as they happen. */
  onProgress?: (entry: TimelineEntry, status: RolloutStatus) => void;
  signal?: AbortSignal;
}

/**
 * The thin service around `reconcile` (argo-rollouts' controller loop): it observes the target,
 * reconciles, applies the actions in order through the target and the ports, then persists.
 * Actions are applied before the status is saved, so a crash in between repeats idempotent
 * actions rather than losing them.
 */
export class RolloutController {
  private readonly results: MeasurementResult[] = [];
  private readonly pending = new Set<Promise<void>>();
  private routes: TargetRoutes = { stable: null, canary: null, weight: 0 };

  constructor(
    private readonly deps: ControllerDeps,
    private record: RolloutRecord,
  ) {
    const s = record.status;
    this.routes = { stable: s.stable, canary: null, weight: 0 };
  }

  get rollout(): RolloutRecord {
    return this.record;
  }

  /**
   * After a restart of sluice: re-adopts or restarts the releases the rollout had running and
   * puts the routes back, then asks again for measurements that were in flight.
   */
  async resume(): Promise<void> {
    const { store, target } = this.deps;
    const s = this.record.status;
    const recover = async (releaseId: string) => {
      const release = await store.getRelease(releaseId);
      if (!release) return;
      const how = await target.recover(
        release,
        this.record.processes[releaseId] ?? { pid: null, port: null },
      );
      this.deps.logger.info("release recovered", {
        release: release.version,
        how,
      });
    };
    if (s.stable) await recover(s.stable);
    let canaryReady = false;
    if (
      !isFinished(s) &&
      (s.canary.state === "ready" || s.canary.state === "starting")
    ) {
      try {
        await recover(s.canary.release);
        canaryReady =
          (await target.releaseState(s.canary.release)).state === "ready";
      } catch (error) {
        this.deps.logger.warn("canary could not be recovered", {
          error: messageOf(error),
        });
      }
    }
    if (s.stable || canaryReady) {
      const weight = canaryReady ? s.weight : 0;
      this.routes = {
        stable: s.stable,
        canary: canaryReady ? s.canary.release : null,
        weight,
      };
      // A first deploy has no stable: only the canary can serve, at any weight.
      if (this.routes.stable || this.routes.canary)
        await target.setRoutes(this.routes);
    }
    this.record = {
      ...this.record,
      status: resumeStatus(s, this.deps.clock.now()),
    };
  }

  /** One reconcile: observe, decide, act, persist. */
  async tick(commands: RolloutCommand[] = []): Promise<RolloutStatus> {
    const { clock, target } = this.deps;
    const before = this.record.status;
    const observations: Observations = {
      commands,
      results: this.results.splice(0),
    };
    if (
      !isFinished(before) &&
      (before.canary.state === "starting" || before.canary.state === "ready")
    ) {
      const state = await target.releaseState(before.canary.release);
      observations.canary = {
        state: state.state === "none" ? "starting" : state.state,
        ...(state.error ? { error: state.error } : {}),
      };
    }
    const { status, actions } = reconcile(
      this.record.spec,
      before,
      observations,
      clock.now(),
    );
    if (
      before.canary.state === "starting" &&
      status.canary.state === "ready" &&
      this.routes.canary === null &&
      (this.routes.stable !== null || status.weight > 0)
    ) {
      // The new release is ready: reachable at once through the header override (the
      // blue-green preview), still without weighted traffic.
      this.routes = { ...this.routes, canary: status.canary.release };
      await target.setRoutes(this.routes);
    }
    for (const action of actions) {
      await this.apply(action, status);
      // The moment the target applied it, not when it was decided: the recovery time.
      if (
        action.kind === "setWeight" &&
        action.weight === 0 &&
        status.aborted
      ) {
        status.timeline.push({
          at: clock.now(),
          event: "all traffic on stable",
          weight: 0,
        });
      }
    }
    const processes = await this.processes(status);
    await this.deps.store.saveRollout(
      this.record.id,
      status,
      processes,
      clock.now(),
    );
    this.record = { ...this.record, status, processes, updatedAt: clock.now() };
    return status;
  }

  /** Reconciles until the rollout ends (or waits for a person, with `stopWhenPaused`). */
  async drive(options: DriveOptions = {}): Promise<RolloutRecord> {
    const tickMs = options.tickMs ?? 200;
    let seen = this.record.status.timeline.length;
    for (;;) {
      const status = await this.tick();
      for (const entry of status.timeline.slice(seen))
        options.onProgress?.(entry, status);
      seen = status.timeline.length;
      if (isFinished(status)) break;
      if (
        options.stopWhenPaused &&
        status.phase === "Paused" &&
        status.pause?.until === undefined
      )
        break;
      if (options.signal?.aborted) break;
      // Cut short by the signal: the driver lets go at once, after one last reconcile.
      await sleep(this.deps.clock, tickMs, options.signal);
    }
    await Promise.allSettled([...this.pending]);
    return this.record;
  }

  private async apply(
    action: RolloutAction,
    status: RolloutStatus,
  ): Promise<void> {
    const { target, store, clock, logger } = this.deps;
    const r = this.record;
    switch (action.kind) {
      case "startRelease":
        await target.startRelease(await this.release(action.release));
        return;
      case "setWeight": {
        // A canary that failed or was stopped takes no traffic, even pinned by the header.
        const serving = action.weight > 0 || status.canary.state === "ready";
        this.routes = {
          ...this.routes,
          canary: serving ? status.canary.release : null,
          weight: serving ? action.weight : 0,
        };
        await target.setRoutes(this.routes);
        return;
      }
      case "promoteRelease":
        this.routes = { stable: action.release, canary: null, weight: 0 };
        await target.setRoutes(this.routes);
        if (action.previous && action.previous !== action.release)
          await target.stopRelease(action.previous);
        return;
      case "stopRelease":
        if (this.routes.canary === action.release)
          this.routes = { ...this.routes, canary: null, weight: 0 };
        await target.stopRelease(action.release);
        return;
      case "measure": {
        const metric = r.spec.analysis[action.template]?.metrics.find(
          (m) => m.name === action.metric,
        );
        if (!metric) return;
        // A command measurement runs where the release runs (the folder `sluice deploy` ran in).
        const { cwd } = await this.release(status.canary.release);
        const deps: ProviderDeps = {
          traffic: target,
          cwd: cwd ?? this.deps.cwd,
          env: this.deps.env,
        };
        const p = takeMeasurement(
          action,
          metric,
          { release: status.canary.release, stable: status.stable },
          deps,
          clock,
        )
          .then((result) => void this.results.push(result))
          .finally(() => this.pending.delete(p));
        this.pending.add(p);
        return;
      }
      case "killFlags":
        if (!this.deps.killSwitch) {
          logger.warn("no flag kill switch is wired: flags stay on", {
            flags: action.flags,
          });
          return;
        }
        try {
          await this.deps.killSwitch.kill(action.flags, {
            reason: action.reason,
            actor: "sluice rollout",
            environment: r.environment,
            project: r.project,
          });
        } catch (error) {
          logger.error("killing flags failed", {
            flags: action.flags,
            error: messageOf(error),
          });
        }
        return;
      case "openIncident": {
        const id = await store.openIncident({
          id: `inc_${r.deploymentId.replace(/^dep_/, "")}`,
          deploymentId: r.deploymentId,
          project: r.project,
          environment: r.environment,
          reason: action.reason,
          startedAt: action.startedAt,
        });
        await this.emit({
          kind: "incident.opened",
          at: action.startedAt,
          incidentId: id,
          deploymentId: r.deploymentId,
          project: r.project,
          environment: r.environment,
          reason: action.reason,
        });
        return;
      }
      case "resolveIncident": {
        const id = `inc_${r.deploymentId.replace(/^dep_/, "")}`;
        const at = clock.now();
        await store.resolveIncident(id, at);
        await this.emit({
          kind: "incident.resolved",
          at,
          incidentId: id,
          deploymentId: r.deploymentId,
          project: r.project,
          environment: r.environment,
        });
        return;
      }
      case "recordDeployment": {
        const at = clock.now();
        await store.finishDeployment(
          r.deploymentId,
          action.outcome,
          action.reason ?? null,
          at,
        );
        const release = await this.release(status.canary.release);
        // For the metrics (ADR 080), a canary that took traffic went live: when it fails and
        // is rolled back it is `rolled_back` (a change failure), not `failed` (never live). A
        // superseded one never finished going live and failed nothing: `failed` (never live)
        // counts it neither as a deployment nor as a change failure (ADR 076).
        const wentLive =
          action.outcome === "failed" &&
          status.canaryTrafficSince !== undefined;
        await this.emit({
          kind: wentLive
            ? "deployment.rolled_back"
            : action.outcome === "superseded"
              ? "deployment.failed"
              : `deployment.${action.outcome}`,
          at,
          deploymentId: r.deploymentId,
          project: r.project,
          environment: r.environment,
          release: release.id,
          version: release.version,
          ...(release.commit ? { commit: release.commit } : {}),
          ...(action.reason ? { reason: action.reason } : {}),
        });
        return;
      }
    }
  }

  private async release(id: string) {
    const release = await this.deps.store.getRelease(id);
    if (!release) throw new Error(`release ${id} is not in the store`);
    return release;
  }

  private async emit(
    event: Parameters<DeliveryEvents["emit"]>[0],
  ): Promise<void> {
    try {
      await this.deps.events?.emit(event);
    } catch (error) {
      this.deps.logger.error("delivery event lost", {
        kind: event.kind,
        error: messageOf(error),
      });
    }
  }

  /** pid and port of the rollout's releases, to find them again after a restart. */
  private async processes(
    status: RolloutStatus,
  ): Promise<RolloutRecord["processes"]> {
    const out = { ...this.record.processes };
    for (const id of [status.stable, status.canary.release]) {
      if (!id) continue;
      const s = await this.deps.target.releaseState(id);
      if (s.pid !== null) out[id] = { pid: s.pid, port: s.port };
    }
    return out;
  }
}
