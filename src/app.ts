import { hostname } from "node:os";
import { join } from "node:path";
import {
  embeddedDataDir,
  ensureHome,
  isAlive,
  messageOf,
  systemClock,
} from "./kernel/index.js";
import type { Clock, Logger } from "./kernel/index.js";
import { openDatabase } from "./store/index.js";
import { createLogger } from "./app-logger.js";
import type { Database } from "./store/index.js";
import { createStepRegistry } from "./pipeline/registry.js";
import { createRunStore } from "./pipeline/store.js";
import type { RunStore } from "./pipeline/index.js";
import { createScanStore } from "./scan/index.js";
import type { ScanStore } from "./scan/index.js";
import type { PipelineRuntime } from "./pipeline/queue/runtime.js";
import type {
  LiveView,
  SecretSource,
  ServedRuns,
  StepRegistry,
} from "./pipeline/index.js";
import { createMetricsService, createMetricsStore } from "./metrics/index.js";
import type { MetricsService } from "./metrics/index.js";
import { createFlagStore, FlagService } from "./flags/index.js";
import { newId } from "./kernel/index.js";
import { fileURLToPath } from "node:url";
import {
  createDeployService,
  createDeployStep,
  createDeployStore,
  deliveryEventsTo,
  killSwitchFrom,
} from "./deploy/index.js";
import type { DeployService } from "./deploy/index.js";
import {
  createSecretsService,
  createSecretStore,
  keySourceFrom,
} from "./secrets/index.js";
import type { SecretsService } from "./secrets/index.js";
import type { GateApprovals, GateDeps } from "./policy/index.js";
import { sluiceVersion } from "./server/local/address.js";
import { createAccountsService, createAccountStore } from "./accounts/index.js";
import type { AccountsService } from "./accounts/index.js";

export interface AppOptions {
  /** `$SLUICE_HOME`: the embedded database, logs, cache and artifacts live under it. */
  home: string;
  /** Postgres instead of the embedded database. */
  databaseUrl?: string | undefined;
  clock?: Clock;
  logger?: Logger;
}

/** The composition root: one database, the stores and the services built on it. */
export interface App {
  home: string;
  clock: Clock;
  logger: Logger;
  database: Database;
  /** DORA metrics: event ingestion (the deploy capability's DeliveryEvents go to `metrics.events`). */
  metrics: MetricsService;
  /** Webhook secrets of the metrics sources, from the environment; absent means refused. */
  metricsWebhooks: {
    githubSecret?: string | undefined;
    pagerDutySecret?: string | undefined;
    token?: string | undefined;
  };
  /** Feature flags: flag sets, OFREP evaluation, audit, API keys, the kill switch (`flags.killFlags`). */
  flags: FlagService;
  /** The OSV advisory store (`sluice advisories`) and the findings kept with runs. */
  scan: ScanStore;
  /** Runs, jobs and steps (also the queue's lease store). */
  runs: RunStore;
  /** Built-in steps (`uses: sluice/...`); capabilities register theirs here. */
  steps: StepRegistry;
  /** Deployments and rollouts on the local target (`sluice deploy`, `sluice rollout`). */
  deploy: DeployService;
  /** Secrets: the age vault per project and environment, every read audited (`sluice secrets`). */
  secrets: SecretsService;
  /** Users, their roles per project, browser sessions and API tokens (ADR 093). */
  accounts: AccountsService;
  /**
   * The gate's holds (`sluice approvals|approve|reject`, `sluice run resume`): loaded on first use.
   * Evidence is signed with `$SLUICE_EVIDENCE_KEY`, else the home's own key (made on first use).
   */
  gate(): Promise<GateApprovals>;
  /**
   * The runs this process executes for its clients, as the local server does (ADR 098, 099):
   * `sluice run`, `sluice run resume`, and the run an approval continues. Made on first use;
   * closed (its runs cancelled and recorded) with the app.
   */
  served(): Promise<ServedRuns>;
  /**
   * A stopping server (ADR 106): the runs it executes for clients take no new one, those going
   * may end until `grace` aborts (at once without one), and the rest are handed back to the
   * next server. `close()` does it at once.
   */
  stopRuns(grace?: AbortSignal): Promise<void>;
  /** A starting server continues the runs a stopped one handed back on this host (ADR 106). */
  continueRuns(): Promise<void>;
  /** Starts the job queue and the embedded runner (`sluice run`); closed with the app. */
  pipeline(options?: {
    capacity?: number;
    live?: LiveView;
  }): Promise<PipelineRuntime>;
  /**
   * Starts the background work of a long-running process (`sluice serve`): rollouts left
   * unfinished are resumed (each driven until it ends or waits for a person), flag evaluation
   * times written every 30 s and, on Postgres, other processes' flag set versions picked up
   * every second. Idempotent; `close()` stops it.
   */
  startBackground(): void;
  close(): Promise<void>;
}

export async function openApp(options: AppOptions): Promise<App> {
  const clock = options.clock ?? systemClock;
  ensureHome(options.home);
  const logger = options.logger ?? createLogger(options.home);
  const database = await openDatabase(
    options.databaseUrl
      ? { kind: "postgres", url: options.databaseUrl }
      : { kind: "pglite", dataDir: embeddedDataDir(options.home) },
  );
  const runs = createRunStore(database, { clock });
  // A run left running by a process that is gone is recorded as interrupted, never left open.
  await runs.markInterrupted(hostname(), isAlive);
  // Every name registered here is also listed in ./builtin-steps.ts.
  const steps = createStepRegistry();
  const scan = createScanStore(database, { clock });
  // Loaded on first use: the secret rules and scanners stay out of every other command's startup.
  steps.register("sluice/scan", async (ctx) => {
    const { createScanStep, hashKeyFileName } = await import("./scan/step.js");
    return createScanStep({
      advisories: scan,
      findings: scan,
      hashKeyFile: join(options.home, hashKeyFileName),
      artifactsDir: (runId) => join(options.home, "runs", runId, "artifacts"),
      newId: (prefix) => newId(prefix, clock.now()),
    })(ctx);
  });
  const policy = () => import("./policy/index.js");
  // The home's evidence log, signed with $SLUICE_EVIDENCE_KEY or the home's key (made on first
  // use); the key is loaded when a record is written.
  const evidenceLog = async () => {
    const { EvidenceLog, evidenceLogFile, loadSigningKey } = await policy();
    const keyPath = process.env.SLUICE_EVIDENCE_KEY || undefined;
    return () =>
      new EvidenceLog({
        path: join(options.home, evidenceLogFile),
        privateKey: loadSigningKey({
          home: options.home,
          ...(keyPath ? { path: keyPath } : {}),
        }).privateKey,
        clock,
      });
  };
  const metrics = createMetricsService({
    store: createMetricsStore(database, { clock }),
    clock,
  });
  const deploy = createDeployService({
    home: options.home,
    store: createDeployStore(database),
    clock,
    logger,
    daemonCommand: [
      process.execPath,
      fileURLToPath(
        new URL("./deploy/targets/local/daemon-main.js", import.meta.url),
      ),
    ],
    env: process.env,
    cwd: process.cwd(),
    events: deliveryEventsTo(metrics.events),
    // `flags` is declared below; the kill switch is only called once a rollout fails.
    killSwitch: killSwitchFrom((scope, keys, reason, actor) =>
      flags.killFlags(scope, keys, reason, actor),
    ),
    // Every deployment is signed into the evidence log (SLSA Provenance v1) before it starts.
    evidence: {
      deploying: async (deployment) => {
        const { createDeploymentEvidence } = await policy();
        return createDeploymentEvidence({
          runs,
          evidence: await evidenceLog(),
          clock,
          builderVersion: sluiceVersion,
        }).deploying(deployment);
      },
    },
  });
  const deployStep = createDeployStep(() => deploy);
  steps.register("sluice/deploy", async (ctx) => {
    // A run's checkout is removed when the run ends; the release it deploys lives on in a copy.
    const { keepRelease } = await import("./pipeline/index.js");
    const workdir = await keepRelease(
      options.home,
      ctx.workdir,
      `${ctx.runId}-${ctx.jobKey}`,
    );
    return deployStep({ ...ctx, workdir });
  });
  // The gate: its decisions and holds, signed into the home's evidence log (ADR 102).
  const gateDeps = async (): Promise<GateDeps> => {
    const { createGateStore } = await policy();
    return {
      store: createGateStore(database),
      runs,
      findings: (runId) => scan.findingsForRun(runId),
      evidence: await evidenceLog(),
      clock,
      newId: (prefix) => newId(prefix, clock.now()),
    };
  };
  steps.register("sluice/gate", async (ctx) => {
    const { createGateStep } = await policy();
    return createGateStep(await gateDeps())(ctx);
  });
  let runtime: Promise<PipelineRuntime> | undefined;
  let served: Promise<ServedRuns> | undefined;
  const timers: NodeJS.Timeout[] = [];
  /** Stops the rollouts `startBackground` resumed; `close` waits for them to let go. */
  const resuming = new AbortController();
  let resumed: Promise<void> | undefined;
  const flags = new FlagService({
    store: createFlagStore(database),
    clock,
    logger,
  });
  // The identity: SLUICE_AGE_IDENTITY (a key or a key file), else a key file made on first use.
  const secrets = createSecretsService({
    store: createSecretStore(database, { clock }),
    keys: keySourceFrom(
      process.env.SLUICE_AGE_IDENTITY || undefined,
      join(options.home, "age-identity.txt"),
      clock,
    ),
    clock,
  });
  // A job's `secrets:` come from the run's project as recorded (not as a step's env says) and the
  // job's environment; each value given is a read audited with the run.
  const jobSecrets: SecretSource = {
    values: async ({ runId, jobKey, environment, names }) =>
      secrets.values(
        { project: (await runs.getRun(runId)).project, environment },
        names,
        { actor: `job ${jobKey}`, runId },
      ),
  };
  const accounts = createAccountsService({
    store: createAccountStore(database),
    clock,
  });
  const app: App = {
    home: options.home,
    clock,
    logger,
    database,
    flags,
    secrets,
    accounts,
    runs,
    steps,
    deploy,
    pipeline(pipelineOptions = {}) {
      runtime ??= import("./app-pipeline.js").then(({ startAppPipeline }) =>
        startAppPipeline(
          {
            home: options.home,
            database,
            runs,
            clock,
            logger,
            steps,
            scan,
            metrics,
            secrets: jobSecrets,
            // Steps never inherit the key that decrypts the secrets (ADR 097).
            baseEnv: Object.fromEntries(
              Object.entries(process.env).filter(
                (entry): entry is [string, string] =>
                  entry[1] !== undefined && entry[0] !== "SLUICE_AGE_IDENTITY",
              ),
            ),
          },
          pipelineOptions.capacity ?? 4,
        ),
      );
      return runtime.then((started) => {
        started.setLiveView(pipelineOptions.live);
        return started;
      });
    },
    async gate() {
      const { createApprovals } = await policy();
      return createApprovals({
        ...(await gateDeps()),
        runs: {
          getRun: (id) => runs.getRun(id),
          finishRun: (runId, status, reason) =>
            runs.finishRun(runId, status, reason),
        },
        // The approval that completes a hold continues the run here, in the process that owns
        // the store (the local server, `sluice serve`), however the approval came (ADR 104).
        continueRun: async (runId, how) =>
          (await app.served()).resume({ runId, ...how }).then((r) => r.notices),
      });
    },
    served() {
      served ??= import("./local-runs.js").then(({ createLocalServedRuns }) =>
        createLocalServedRuns(app),
      );
      return served;
    },
    async stopRuns(grace) {
      await (await served?.catch(() => undefined))?.close(grace);
    },
    async continueRuns() {
      // Asked first: a server with nothing handed back loads no pipeline code.
      if ((await runs.handedBackRuns(hostname())).length > 0)
        await (await app.served()).continueHandedBack();
    },
    metrics,
    metricsWebhooks: {
      githubSecret: process.env.SLUICE_GITHUB_WEBHOOK_SECRET || undefined,
      pagerDutySecret: process.env.SLUICE_PAGERDUTY_WEBHOOK_SECRET || undefined,
      token: process.env.SLUICE_METRICS_TOKEN || undefined,
    },
    scan,
    startBackground() {
      if (resumed) return;
      // In the background: a rollout in a timed pause must not hold the server's start. The
      // App's deploy service is looked up here, not captured: a test may swap it.
      resumed = app.deploy
        .resumeUnfinished({ stopWhenPaused: true, signal: resuming.signal })
        .catch((error: unknown) =>
          logger.error("unfinished rollouts could not be listed", {
            error: messageOf(error),
          }),
        );
      // Evaluation times (for the stale-flag report) are written in batches, not per request.
      timers.push(
        every(30_000, logger, "cannot record flag evaluation times", () =>
          flags.flushEvaluations(),
        ),
      );
      // On Postgres other processes write flag sets too (replicas, CLIs): pick their versions
      // up every second, so a kill switch pulled anywhere reaches every replica's clients
      // (ADR 061). An embedded store has one writer, this process.
      if (database.kind === "postgres")
        timers.push(
          every(1_000, logger, "cannot poll flag set versions", () =>
            flags.syncVersions(),
          ),
          // ...and runs another replica on this host handed back when it stopped (ADR 106).
          every(10_000, logger, "cannot continue handed-back runs", () =>
            app.continueRuns(),
          ),
        );
    },
    async close() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      // A resumed rollout stops at its next tick and stays unfinished in the store: the next
      // start resumes it. Its last write lands before the database closes.
      resuming.abort();
      await resumed;
      // Evaluation times are batched in memory; write them before the database closes.
      await flags.flushEvaluations().catch(() => {});
      // The runs it executes for clients are handed back before the runtime stops.
      await app.stopRuns();
      const started = await runtime?.catch(() => undefined);
      await started?.close();
      await database.close();
    },
  };
  return app;
}

/** Runs `work` every `ms` in the background (never keeping the process alive); failures are logged. */
function every(
  ms: number,
  logger: Logger,
  failure: string,
  work: () => Promise<unknown>,
): NodeJS.Timeout {
  const timer = setInterval(() => {
    work().catch((error: unknown) =>
      logger.warn(failure, { error: messageOf(error) }),
    );
  }, ms);
  timer.unref();
  return timer;
}
