import { hostname } from "node:os";
import { join } from "node:path";
import { newId } from "./kernel/index.js";
import type { Clock, Logger } from "./kernel/index.js";
import type { Database } from "./store/index.js";
import type { MetricsService } from "./metrics/index.js";
import type { RunStore, SecretSource, StepRegistry } from "./pipeline/index.js";
import type { PipelineRuntime } from "./pipeline/queue/runtime.js";
import type { ScanStore } from "./scan/index.js";

/** What the App's pipeline runtime is built from (`App.pipeline`). */
export interface AppPipelineDeps {
  home: string;
  database: Database;
  runs: RunStore;
  clock: Clock;
  logger: Logger;
  steps: StepRegistry;
  scan: ScanStore;
  metrics: Pick<MetricsService, "recordRun">;
  /** The values of jobs' `secrets:` (the secrets service, each read audited with the run). */
  secrets: SecretSource;
  /** The environment steps inherit (never the key that decrypts the secrets, ADR 097). */
  baseEnv: Record<string, string>;
}

/**
 * Starts the job queue and the embedded runner of an App (`sluice run`, the local server): its
 * cache and artifacts under the home, masking every credential the scanner's rules find, and
 * each run's change recorded for the metrics. Loaded on the first run only.
 */
export async function startAppPipeline(
  deps: AppPipelineDeps,
  capacity: number,
): Promise<PipelineRuntime> {
  const [
    { startPipelineRuntime },
    { Masker, createLocalCache, createLocalArtifacts },
    { recordLogFindings, secrets: scanSecrets },
  ] = await Promise.all([
    import("./pipeline/queue/runtime.js"),
    import("./pipeline/index.js"),
    import("./scan/index.js"),
  ]);
  const { home, clock, scan, metrics } = deps;
  return startPipelineRuntime({
    cache: createLocalCache({ dir: join(home, "cache"), clock }),
    artifacts: createLocalArtifacts({ home }),
    home,
    database: deps.database,
    store: deps.runs,
    clock,
    logger: deps.logger,
    steps: deps.steps,
    // Credentials nobody declared are masked too, as the scanner's provider rules find them.
    masker: new Masker({
      credentials: scanSecrets.createCredentialFinder({
        hashKey: () =>
          scanSecrets.loadHashKey(join(home, scanSecrets.hashKeyFileName)),
      }),
    }),
    // ...and each one a step printed is a finding of its run, with the step and the line.
    logFindings: {
      record: (step, found) =>
        recordLogFindings(
          scan,
          { ...step, found },
          {
            id: newId("scan", clock.now()),
            createdAt: new Date(clock.now()),
          },
        ),
    },
    secrets: deps.secrets,
    baseEnv: deps.baseEnv,
    runnerId: `embedded-${hostname()}-${process.pid}`,
    // Each run's change becomes a metrics change (idempotent per commit).
    onRunFinished: (run) =>
      metrics.recordRun({
        project: run.project,
        ...run.change,
        createdAt: run.startedAt,
      }),
    capacity,
  });
}
