import type { Clock, Logger } from "../kernel/index.js";
import { AppError, messageOf } from "../kernel/index.js";
import { RolloutController } from "./controller.js";
import type { DriveOptions } from "./controller.js";
import { deliverPendingEvents } from "./delivery.js";
import { inspectRollout } from "./inspect.js";
import { releasesView } from "./view-releases.js";
import type { ReleasesView } from "./view-releases.js";
import { RolloutDrivers } from "./drivers.js";
import { undoPlan } from "./undo-release.js";
import type { RolloutReport } from "./inspect.js";
import { deploymentRecords, releaseRecord } from "./records.js";
import type { DeploymentStart } from "./records.js";
import { supersededReason, supersedeRefusal } from "./supersede.js";
import { rolloutView } from "./view.js";
import type {
  DeliveryEvents,
  DeploymentEvidence,
  DeploymentRecord,
  DeployStore,
  DeployTarget,
  FlagKillSwitch,
  ReleaseRecord,
  RolloutRecord,
} from "./ports.js";
import { commandError, isFinished } from "./status.js";
import type { ReleaseSpec, RolloutSpec } from "./spec.js";
import type { RolloutCommand } from "./types.js";

export interface DeployServiceDeps {
  store: DeployStore;
  /** The target of a project's environment (the local target's daemon for it). */
  targetFor(
    project: string,
    environment: string,
    spec: RolloutSpec,
  ): DeployTarget;
  clock: Clock;
  logger: Logger;
  killSwitch?: FlagKillSwitch | undefined;
  events?: DeliveryEvents | undefined;
  /** Signs every deployment before it is recorded (the policy capability's evidence log). */
  evidence?: DeploymentEvidence | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface DeployRequest {
  project: string;
  environment: string;
  spec: RolloutSpec;
  /** The release's name; a new one from the time when omitted. */
  version?: string;
  /** The commit the release was built from (HEAD of the checkout, or `--commit`). */
  commit?: string;
  /** The run whose deploy step asks (its checks and gate decision go into the evidence). */
  runId?: string;
  release: ReleaseSpec;
  /** Told the rollout this deployment superseded (aborted), once it is aborted. */
  onSuperseded?: (aborted: RolloutRecord) => void;
}

/** What a user asks of the latest rollout of an environment (`sluice rollout <verb>`, the API). */
export type RolloutVerb = "promote" | "abort" | "retry" | "undo" | "resume";

export type SteerOptions = DriveOptions & {
  /** promote: skip every remaining step. */
  full?: boolean;
  /** undo: deploy this earlier release again. */
  toRelease?: string;
};

/** Deployments and rollouts: start one, drive it, apply user commands, undo. */
export class DeployService {
  /** Rollouts this process drives now: one driver per rollout at a time. */
  private readonly drivers = new RolloutDrivers();

  constructor(private readonly deps: DeployServiceDeps) {}

  /**
   * Applies a verb to the latest rollout of an environment and drives it on until it ends or
   * waits again. Refused while this process drives that rollout already.
   */
  async steer(
    project: string,
    environment: string,
    verb: RolloutVerb,
    options: SteerOptions = {},
  ): Promise<RolloutRecord> {
    const { full, toRelease, ...drive } = options;
    const latest = await this.latest(project, environment);
    return this.drivers.run(latest.id, drive.signal, () => {
      switch (verb) {
        case "undo":
          return this.undo(project, environment, {
            ...drive,
            ...(toRelease !== undefined ? { toRelease } : {}),
          });
        case "resume":
          return this.resume(latest.id, drive);
        case "promote":
          return this.command(
            latest.id,
            { kind: "promote", ...(full ? { full: true } : {}) },
            drive,
          );
        default:
          return this.command(latest.id, { kind: verb }, drive);
      }
    });
  }

  /**
   * Carries on every rollout left unfinished when sluice stopped (the target re-adopts or
   * restarts its processes), after handing over delivery events still in the outbox. A rollout
   * this process drives already is left alone; one that cannot be resumed is logged.
   */
  async resumeUnfinished(options: DriveOptions = {}): Promise<void> {
    const { store, logger } = this.deps;
    await this.deliverEvents();
    const unfinished = await store.unfinishedRollouts();
    await Promise.all(
      unfinished.map(async (record) => {
        if (this.drivers.busy(record.id)) return;
        logger.info("resuming rollout", {
          rollout: record.id,
          environment: record.environment,
        });
        try {
          await this.drivers.run(record.id, options.signal, () =>
            this.resume(record.id, options),
          );
        } catch (error) {
          logger.error("rollout could not be resumed", {
            rollout: record.id,
            error: messageOf(error),
          });
        }
      }),
    );
  }

  /** The releases a rollout names (canary and stable), by id, for its view. */
  async releasesOf(
    record: RolloutRecord,
  ): Promise<Record<string, ReleaseRecord | null>> {
    const ids = [record.status.canary.release, record.status.stable].filter(
      (x): x is string => Boolean(x),
    );
    return Object.fromEntries(
      await Promise.all(
        ids.map(async (id) => [id, await this.deps.store.getRelease(id)]),
      ),
    );
  }

  /** The rollout as `rollout status --json` prints it, without asking the target. */
  async view(record: RolloutRecord) {
    return rolloutView(record, await this.releasesOf(record));
  }

  /** The rollout's view, outcome and what the target really serves. */
  inspect(record: RolloutRecord): Promise<RolloutReport> {
    return inspectRollout(this, record);
  }

  /** A project's releases and deployments, newest first (`sluice releases`). */
  async history(project: string): Promise<ReleasesView> {
    const { store } = this.deps;
    const [releases, deployments] = await Promise.all([
      store.listReleases(project),
      store.listDeployments(project),
    ]);
    return releasesView(project, releases, deployments);
  }

  /**
   * Hands delivery events still in the outbox to the metrics capability (after a failed
   * hand-over); a failure is logged and the event kept for the next pass. Returns how many
   * were delivered.
   */
  async deliverEvents(): Promise<number> {
    const { store, events, logger } = this.deps;
    return events ? deliverPendingEvents(store, events, logger) : 0;
  }

  /**
   * Records the release and a new deployment with its rollout; `drive` carries it out. It
   * supersedes a rollout that waits for a person; one being driven is refused (ADR 076).
   */
  async deploy(request: DeployRequest): Promise<RolloutRecord> {
    const { store, clock } = this.deps;
    const { project, environment, spec } = request;
    const latest = await store.latestRollout(project, environment);
    const unfinished = latest && !isFinished(latest.status) ? latest : null;
    if (unfinished) {
      const why = supersedeRefusal(
        unfinished,
        this.drivers.busy(unfinished.id),
      );
      if (why) throw new AppError("CONFLICT", why);
    }
    const release = await store.saveRelease(
      releaseRecord(request, clock.now()),
    );
    const stable = latest?.status.stable ?? null;
    if (stable === release.id) {
      throw new AppError(
        "CONFLICT",
        `release ${release.version} is already stable in ${environment}`,
      );
    }
    return this.start(
      { project, environment, spec, release, stable, fastTrack: false },
      request.runId,
      unfinished
        ? (by) => this.supersede(unfinished.id, by, release, request)
        : undefined,
    );
  }

  /** Aborts a paused rollout for a new one, under the one-driver rule, as a user's abort. */
  private supersede(
    id: string,
    by: RolloutRecord,
    release: ReleaseRecord,
    { onSuperseded }: DeployRequest,
  ): Promise<void> {
    return this.drivers.run(id, undefined, async () => {
      // Looked at again under the lock: a command may have moved it on meanwhile.
      const why = supersedeRefusal(await this.get(id), false);
      if (why) throw new AppError("CONFLICT", why);
      const reason = supersededReason(by.id, release.version);
      const aborted = await this.command(id, {
        kind: "abort",
        reason,
        superseded: true,
      });
      this.deps.logger.info("rollout superseded", { rollout: id, by: by.id });
      onSuperseded?.(aborted);
    });
  }

  /**
   * Undo: an unfinished rollout is aborted back to stable; a promoted one is followed by a new,
   * fast-tracked deployment of the release that was stable before it, or of `toRelease` (a
   * release name, as Argo's `undo --to-revision`).
   */
  async undo(
    project: string,
    environment: string,
    options: DriveOptions & { toRelease?: string } = {},
  ): Promise<RolloutRecord> {
    const { toRelease, ...drive } = options;
    const latest = await this.latest(project, environment);
    const previous = await undoPlan(this.deps.store, latest, toRelease);
    if (previous === "abort")
      return this.command(latest.id, { kind: "undo" }, drive);
    const record = await this.start({
      project,
      environment,
      spec: latest.spec,
      release: previous,
      stable: latest.status.stable,
      fastTrack: true,
    });
    return this.controller(record).drive(drive);
  }

  /** Applies a user command, then drives the rollout on (until it ends or waits again). */
  async command(
    rolloutId: string,
    command: RolloutCommand,
    options: DriveOptions = {},
  ): Promise<RolloutRecord> {
    const record = await this.get(rolloutId);
    const why = commandError(record.status, command);
    if (why) throw new AppError("CONFLICT", `rollout ${rolloutId}: ${why}`);
    const controller = this.controller(record);
    await controller.resume();
    // The command's own step (a promote can finish the rollout here) is progress too.
    const status = await controller.tick([command]);
    for (const entry of status.timeline.slice(record.status.timeline.length))
      options.onProgress?.(entry, status);
    return controller.drive(options);
  }

  /** Continues a rollout after sluice stopped (re-adopting its processes). */
  async resume(
    rolloutId: string,
    options: DriveOptions = {},
  ): Promise<RolloutRecord> {
    await this.deliverEvents();
    const controller = this.controller(await this.get(rolloutId));
    await controller.resume();
    return controller.drive(options);
  }

  /** Carries out a new rollout, as its only driver (refused while another one drives it). */
  async drive(
    rolloutId: string,
    options: DriveOptions = {},
  ): Promise<RolloutRecord> {
    await this.deliverEvents();
    return this.drivers.run(rolloutId, options.signal, async () => {
      const record = await this.get(rolloutId);
      const controller = this.controller(record);
      if (record.status.stable) await controller.resume();
      return controller.drive(options);
    });
  }

  /**
   * Stops what serves an environment: every release and the proxy. A rollout that has not ended
   * is refused (promote or abort it first), so no deployment is left half-recorded.
   * Returns whether anything was running.
   */
  async stop(project: string, environment: string): Promise<boolean> {
    const latest = await this.deps.store.latestRollout(project, environment);
    // Never deployed: nothing runs (stop is safe to repeat in a teardown script).
    if (!latest) return false;
    if (!isFinished(latest.status))
      throw new AppError(
        "CONFLICT",
        `rollout ${latest.id} in ${environment} is still ${latest.status.phase}: promote or abort it first`,
      );
    return this.target(latest).shutdown();
  }

  /** The deployment a rollout carries out. */
  async deployment(record: RolloutRecord): Promise<DeploymentRecord | null> {
    const all = await this.deps.store.listDeployments(
      record.project,
      record.environment,
    );
    return all.find((d) => d.id === record.deploymentId) ?? null;
  }

  async get(rolloutId: string): Promise<RolloutRecord> {
    const record = await this.deps.store.getRollout(rolloutId);
    if (!record) throw new AppError("NOT_FOUND", `no rollout ${rolloutId}`);
    return record;
  }

  async latest(project: string, environment: string): Promise<RolloutRecord> {
    const record = await this.deps.store.latestRollout(project, environment);
    if (!record)
      throw new AppError(
        "NOT_FOUND",
        `no rollout in ${environment} for ${project}`,
      );
    return record;
  }

  target(
    record: Pick<RolloutRecord, "project" | "environment" | "spec">,
  ): DeployTarget {
    return this.deps.targetFor(record.project, record.environment, record.spec);
  }

  private controller(record: RolloutRecord): RolloutController {
    return new RolloutController(
      { ...this.deps, target: this.target(record) },
      record,
    );
  }

  /** Signs, then records a new deployment; `before` runs in between (ADR 076: supersede). */
  private async start(
    start: Omit<DeploymentStart, "now" | "withEvent">,
    runId?: string,
    before?: (rollout: RolloutRecord) => Promise<void>,
  ): Promise<RolloutRecord> {
    const { store, clock, evidence } = this.deps;
    const { deployment, rollout, event } = deploymentRecords({
      ...start,
      now: clock.now(),
      withEvent: Boolean(this.deps.events),
    });
    const { release } = start;
    // Signed first: a deployment the evidence log cannot take is not recorded, nor carried out.
    await evidence?.deploying({ deployment, release, runId });
    await before?.(rollout);
    // The event is recorded with the deployment, then handed over: a failed hand-over stays
    // in the outbox for the next pass instead of being lost.
    await store.startDeployment(deployment, rollout, event);
    await this.deliverEvents();
    return rollout;
  }
}
