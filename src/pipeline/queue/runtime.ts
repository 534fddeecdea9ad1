import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Clock, Logger } from "../../kernel/index.js";
import { ConcurrencyGroups } from "../concurrency.js";
import { StepSpawner } from "../executors/spawner.js";
import { runJob } from "../job-runner.js";
import type { Masker } from "../logs/masker.js";
import { createLogSinkFactory } from "../logs/step-log.js";
import type { LiveView, LogFindingSink } from "../logs/step-log.js";
import type {
  ArtifactStore,
  CacheStore,
  KillGrace,
  SecretSource,
  StepRegistry,
} from "../ports.js";
import { RunService } from "../run-service.js";
import type { RunServiceDeps } from "../run-service.js";
import type { RunLedger } from "../run-service.js";
import { EmbeddedRunner } from "./embedded-runner.js";
import { JobQueue } from "./job-queue.js";
import type { SqlRunner } from "./job-queue.js";
import type { LeaseStore } from "./ports.js";
import { RunnerService } from "./runner-service.js";
import type { RunnerServiceOptions } from "./runner-service.js";

export interface PipelineRuntimeDeps {
  /** `$SLUICE_HOME`: step logs under `runs/`, step scripts under `tmp/`. */
  home: string;
  database: SqlRunner;
  store: RunLedger & LeaseStore;
  clock: Clock;
  logger: Logger;
  steps: Pick<StepRegistry, "get">;
  masker: Masker;
  /** Told of the credentials nobody declared that a step log masked (the run's findings). */
  logFindings?: LogFindingSink | undefined;
  /** The values of jobs' `secrets:` (registered with `masker` before a job's first step). */
  secrets?: SecretSource | undefined;
  cache?: CacheStore | undefined;
  artifacts?: ArtifactStore | undefined;
  /** The environment steps inherit (under the pipeline's env). */
  baseEnv: Record<string, string>;
  /** The runner's name, e.g. `embedded-<pid>`. */
  runnerId: string;
  /** Jobs the embedded runner runs at once. */
  capacity: number;
  grace?: KillGrace | undefined;
  /** Lease and heartbeat periods (tests shorten them). */
  leases?: Pick<RunnerServiceOptions, "leaseMs" | "heartbeatMs" | "sweepMs">;
  /**
   * `helper` (default): step processes are started by a small helper process, because forking
   * this one (the embedded database included) costs ~11 ms of CPU per step (ADR 032); `here`
   * spawns them from this process.
   */
  spawnFrom?: "helper" | "here";
  /** Passed to the run service: told of each run that ended. */
  onRunFinished?: RunServiceDeps["onRunFinished"];
}

/** What `sluice run` (and later `sluice serve`) drives runs with. */
export interface PipelineRuntime {
  runs: RunService;
  runners: RunnerService;
  /** Shows step output live (set before a run starts). */
  setLiveView(view: LiveView | undefined): void;
  /**
   * What one run's steps see apart from the others (a server runs many at once): its own live
   * view (instead of the one `setLiveView` set) and the environment its steps inherit (instead of
   * `baseEnv`): the client's. Set when the run is recorded, before any job starts; `forget` at its end.
   */
  watchRun(
    runId: string,
    own: { live?: LiveView; env?: Record<string, string> },
  ): void;
  forgetRun(runId: string): void;
  /** Stops the embedded runner (aborting its jobs), the janitor and the queue. */
  close(): Promise<void>;
}

/**
 * Starts the job queue on the sluice database, the server side of the runner protocol (with its
 * lease janitor) and an embedded runner that claims jobs through that protocol and runs them
 * with `runJob`.
 */
export async function startPipelineRuntime(
  deps: PipelineRuntimeDeps,
): Promise<PipelineRuntime> {
  // The helper starts while the queue does.
  const spawner = deps.spawnFrom === "here" ? undefined : StepSpawner.start();
  const queue = await JobQueue.start(deps.database).catch(async (error) => {
    await (await spawner)?.close();
    throw error;
  });
  const stepSpawner = await spawner;
  const runners = new RunnerService(queue, deps.store, {
    clock: deps.clock,
    logger: deps.logger,
    ...deps.leases,
  });
  runners.start();
  let live: LiveView | undefined;
  const perRun = new Map<
    string,
    { live?: LiveView; env?: Record<string, string> }
  >();
  const viewOf = (runId: string) => perRun.get(runId)?.live ?? live;
  const liveView: LiveView = {
    stepStarted: (step) => viewOf(step.runId)?.stepStarted(step),
    line: (step, stream, text) => viewOf(step.runId)?.line(step, stream, text),
    stepFinished: (step, outcome) =>
      viewOf(step.runId)?.stepFinished(step, outcome),
  };
  const logs = createLogSinkFactory({
    home: deps.home,
    masker: deps.masker,
    findings: deps.logFindings,
    live: liveView,
  });
  const tempDir = join(deps.home, "tmp");
  // Step scripts and output files: private to the user, whatever the umask.
  mkdirSync(tempDir, { recursive: true, mode: 0o700 });
  const runner = new EmbeddedRunner(
    runners,
    (lease, { recorder, signal }) =>
      runJob(
        lease.job,
        lease.input,
        {
          clock: deps.clock,
          logs,
          cache: deps.cache,
          artifacts: deps.artifacts,
          steps: deps.steps,
          recorder,
          grace: deps.grace,
          tempDir,
          baseEnv: perRun.get(lease.input.runId)?.env ?? deps.baseEnv,
          secrets: deps.secrets,
          masker: deps.masker,
          spawn: stepSpawner?.spawn,
        },
        signal,
      ),
    {
      identity: { id: deps.runnerId, labels: [process.platform] },
      capacity: deps.capacity,
      logger: deps.logger,
      clock: deps.clock,
    },
  );
  const offWork = runners.onWork(() => runner.wake());
  const offCancel = runners.onCancel((leaseId) => runner.cancel(leaseId));
  runner.start();
  const runs = new RunService({
    ledger: deps.store,
    runners,
    clock: deps.clock,
    logger: deps.logger,
    groups: new ConcurrencyGroups(),
    onRunFinished: deps.onRunFinished,
  });
  return {
    runs,
    runners,
    setLiveView(view) {
      live = view;
    },
    watchRun(runId, own) {
      perRun.set(runId, own);
    },
    forgetRun(runId) {
      perRun.delete(runId);
    },
    async close() {
      offWork();
      offCancel();
      await runner.stop();
      await runners.stop();
      await queue.stop();
      await stepSpawner?.close();
    },
  };
}
