/**
 * The pipeline engine's contracts: the plan it runs, the ports it calls (recorder, dispatcher,
 * logs, cache, artifacts, built-in steps) and the results it returns. The runs helper implements
 * `RunRecorder` on the store and adds a queue-backed `JobDispatcher`; both call `runJob`.
 */
import type { Clock } from "../kernel/index.js";
import type { SpawnStep } from "./executors/spawner.js";

/** What started a run. Expressions see these as `event`, `branch`, `commit`, `inputs`. */
export interface TriggerFacts {
  event: "push" | "pull_request" | "manual" | "schedule";
  branch?: string | undefined;
  /** The repository's default branch (`origin/HEAD`), whose cache every branch may read. */
  defaultBranch?: string | undefined;
  commit?: string | undefined;
  /** Paths changed by the change, relative to the repository root (for `paths` filters). */
  changedPaths?: string[] | undefined;
  /** Typed inputs of a manual run, as strings. */
  inputs?: Record<string, string> | undefined;
}

/** A scalar from a matrix axis. */
export type MatrixValue = string | number | boolean;

/** `retry: n | {max, delay}` normalised: extra attempts after the first, and the pause between. */
export interface RetryPolicy {
  max: number;
  delayMs: number;
}

/** A step's cache declaration, with its key still unevaluated (`${{ hashFiles(...) }}`). */
interface PlannedCache {
  key: string;
  restoreKeys: string[];
  paths: string[];
  /** Skip the step when the key hits exactly (the cache holds everything the step makes). */
  skipIfHit: boolean;
}

/** One step as the executor runs it. */
export interface PlannedStep {
  /** 0-based position inside its job; log files and recorder calls use it. */
  position: number;
  id?: string | undefined;
  /** Display name: `name`, else the first line of `run`, else `uses`. */
  name: string;
  run?: string | undefined;
  uses?: string | undefined;
  with: Record<string, unknown>;
  /** The step's own env (pipeline and job env are merged by the executor, step wins). */
  env: Record<string, string>;
  if?: string | undefined;
  shell?: string | undefined;
  workingDirectory?: string | undefined;
  timeoutMs?: number | undefined;
  retry: RetryPolicy;
  continueOnError: boolean;
  cache?: PlannedCache | undefined;
}

/** A concurrency group: the key is evaluated at plan time (it may use branch, matrix, inputs). */
interface ConcurrencySpec {
  group: string;
  cancelInProgress: boolean;
}

/** One node of the run's DAG: a config job, or one cell of its matrix. */
export interface PlannedJob {
  /** Unique in the run: `build`, or `test (node: 20, os: linux)` for a matrix cell. */
  key: string;
  /** The job id in sluice.yml (shared by every cell of a matrix). */
  id: string;
  name: string;
  /** Keys of the planned jobs this one waits for (matrix needs expanded to every cell). */
  needs: string[];
  /** Job ids named in `needs` (for the `needs.<id>` context). */
  needIds: string[];
  /** The job's `if`, evaluated at run time; absent means `success()`. */
  if?: string | undefined;
  matrix?: Record<string, MatrixValue> | undefined;
  /** Pipeline env merged with the job env (job wins). Matrix values are not injected here. */
  env: Record<string, string>;
  workingDirectory?: string | undefined;
  environment?: string | undefined;
  /** The secrets its steps receive (`secrets:`), by name; values come from `JobDeps.secrets`. */
  secrets?: JobSecretRef[] | undefined;
  timeoutMs?: number | undefined;
  continueOnError: boolean;
  /** For matrix cells: a failed cell cancels its pending and running siblings. */
  failFast: boolean;
  /** For matrix cells: at most this many cells of the matrix run at once. */
  maxParallel?: number | undefined;
  concurrency?: ConcurrencySpec | undefined;
  /** Files published for dependent jobs after a success. */
  artifacts?: { name: string; paths: string[] } | undefined;
  /** `name: expression` over `steps.<id>.outputs.<key>`, evaluated when the job ends. */
  outputs: Record<string, string>;
  steps: PlannedStep[];
}

/** A secret a job names: given as an environment variable, or as a file whose path is in it. */
export interface JobSecretRef {
  name: string;
  file: boolean;
}

/**
 * Gives a job the values of the secrets it names, for the run's project and the job's
 * environment (an audited read). Throws, naming them, when some are not set.
 */
export interface SecretSource {
  values(request: {
    runId: string;
    jobKey: string;
    environment: string | undefined;
    names: string[];
  }): Promise<Map<string, string>>;
}

/** A pipeline planned for one trigger: jobs in a topological order. */
export interface Plan {
  name: string;
  facts: TriggerFacts;
  /** Pipeline-level `max-parallel`, if set. */
  maxParallel?: number | undefined;
  jobs: PlannedJob[];
}

/**
 * Final state of a step. `skipped` covers an `if` that was false and a skip on a cache hit;
 * `held` is a built-in step (the gate) that waits for people: its job and run are held too.
 */
export type StepStatus =
  "success" | "failure" | "skipped" | "cancelled" | "held";
/** Final state of a job (`held`: a step is held; the jobs that need it wait, unstarted). */
export type JobStatus =
  "success" | "failure" | "skipped" | "cancelled" | "held";
/** How a run ended; `held` waits at a gate for approvals (no process waits with it). */
export type RunStatus = "success" | "failure" | "cancelled" | "held";
/** How a step's cache answered: exact key, a restore-key prefix, or nothing. */
export type CacheStatus = "exact" | "partial" | "miss";

export type { RecordedRunStatus } from "./run-status.js";
/** A job's status in the run's record; `pending` waits for its needs. */
export type RecordedJobStatus =
  "pending" | "queued" | "running" | JobStatus | "interrupted";
/** A step's status in the run's record. */
export type RecordedStepStatus =
  "pending" | "running" | StepStatus | "interrupted";

export interface StepResult {
  status: StepStatus;
  /** Exit code of the last attempt (absent for built-ins, skipped steps and killed processes). */
  exitCode?: number | undefined;
  cache?: CacheStatus | undefined;
  /** Attempts made (0 when skipped). */
  attempts: number;
  logPath?: string | undefined;
  outputs: Record<string, string>;
  /** Why it failed, in one line (timeout, missing shell, exit code). Never a secret value. */
  error?: string | undefined;
  /** True when `continue-on-error` let the job go on despite a failure. */
  continuedOnError?: boolean | undefined;
  /** Warnings a built-in step recorded (shown in the run's summary), one line each. */
  warnings?: string[] | undefined;
}

export interface JobResult {
  status: JobStatus;
  outputs: Record<string, string>;
  steps: StepResult[];
  error?: string | undefined;
  /** Artifacts the job published (handed to the jobs that need it). */
  artifacts?: ArtifactRef[] | undefined;
}

export interface RunResult {
  status: RunStatus;
  jobs: Record<string, JobResult>;
}

/** The store side of a run. The scheduler and runJob await each call. */
export interface RunRecorder {
  jobStarted(jobKey: string): Promise<void>;
  stepStarted(jobKey: string, position: number, name: string): Promise<void>;
  stepFinished(
    jobKey: string,
    position: number,
    result: {
      status: StepStatus;
      exitCode?: number | undefined;
      cache?: CacheStatus | undefined;
      attempts: number;
      logPath?: string | undefined;
      warnings?: string[] | undefined;
    },
  ): Promise<void>;
  jobFinished(
    jobKey: string,
    result: { status: JobStatus; outputs: Record<string, string> },
  ): Promise<void>;
}

/** An artifact to bring into a job's workdir before its steps. */
export interface ArtifactRef {
  name: string;
  /** The archive written by `ArtifactStore.publish` (a path on this machine, or a URL an agent fetches). */
  location: string;
}

/** Everything needed to run one job anywhere (in-process, the embedded runner, a remote agent). */
export interface JobInput {
  runId: string;
  /** Absolute directory the job runs in (the checkout). */
  workdir: string;
  /**
   * Pipeline ∪ job env (portable). The machine's own environment (PATH, HOME) comes from
   * `JobDeps.baseEnv` where the job runs; sluice adds its `SLUICE_*` variables on top.
   */
  env: Record<string, string>;
  facts: TriggerFacts;
  /** `needs.<jobId>.outputs` and `.result` for the job's expressions. */
  needs: Record<string, { result: JobStatus; outputs: Record<string, string> }>;
  artifacts: ArtifactRef[];
}

/** Sends a job somewhere to run and resolves with its result. */
export interface JobDispatcher {
  dispatch(
    job: PlannedJob,
    input: JobInput,
    signal: AbortSignal,
  ): Promise<JobResult>;
}

/** Where a step's masked output goes. One per step attempt series. */
export interface StepLog {
  /** Absolute path of the step's log file. */
  readonly path: string;
  write(stream: "stdout" | "stderr", chunk: Buffer | string): void;
  /** A line sluice itself writes (retry notices, cache status); masked too. */
  note(text: string): void;
  /** Flushes the masker's tail, closes the file and tells the live view how the step ended. */
  close(outcome: StepLogOutcome): Promise<void>;
}

/** How a step ended, for the live view. */
export interface StepLogOutcome {
  status: StepStatus;
  cache?: CacheStatus | undefined;
  /** One line (a timeout, a missing shell); never a secret value. */
  error?: string | undefined;
}

/** Opens step logs for a run; the live terminal view hangs off it. */
export interface LogSinkFactory {
  open(step: {
    runId: string;
    jobKey: string;
    position: number;
    name: string;
  }): StepLog;
}

/** Outcome of restoring a cache before a step. */
export interface CacheRestore {
  status: CacheStatus;
  /** The key of the entry restored (for exact and partial). */
  matchedKey?: string | undefined;
}

/**
 * The cache port (a local folder of tar.gz entries by default). Entries are scoped by branch, as
 * GitHub's and GitLab's are: a run saves into its branch's scope and restores from its own scope,
 * then from the default branch's, so a branch never reads, or poisons, another branch's cache.
 */
export interface CacheStore {
  restore(
    spec: {
      key: string;
      restoreKeys: string[];
      paths: string[];
      /** Scopes searched in order: the run's branch, then the default branch. */
      scopes: string[];
      /**
       * The key holds a `hashFiles()` over no files, so it names no content: an entry found by it
       * is restored as `partial`, never `exact` (a step with skip-if-hit still runs).
       */
      unhashed?: boolean | undefined;
    },
    where: { workdir: string; env: Record<string, string> },
  ): Promise<CacheRestore>;
  /**
   * Saves an entry unless the key exists (entries are immutable; an `unhashed` key's entry is
   * replaced, since its key says nothing of its content), then evicts old entries (their
   * keys are returned): `saved`, `exists`, or `empty`
   * when no declared path exists (saved anyway, as an empty entry, with `allowEmpty`: a
   * skip-if-hit step that makes nothing is still skipped next time).
   */
  save(
    spec: {
      key: string;
      paths: string[];
      allowEmpty?: boolean | undefined;
      /** The key holds a `hashFiles()` over no files (see `restore`). */
      unhashed?: boolean | undefined;
      /** The run's branch. */
      scope: string;
    },
    where: { workdir: string; env: Record<string, string> },
  ): Promise<{ outcome: "saved" | "exists" | "empty"; evicted: string[] }>;
}

/** The artifacts port: archives of a job's paths, named per run. */
export interface ArtifactStore {
  publish(
    runId: string,
    name: string,
    paths: string[],
    workdir: string,
  ): Promise<ArtifactRef>;
  fetch(ref: ArtifactRef, workdir: string): Promise<void>;
}

/** What a built-in step (`uses: sluice/...`) gets. */
export interface BuiltinStepContext {
  with: Record<string, unknown>;
  env: Record<string, string>;
  workdir: string;
  runId: string;
  jobKey: string;
  facts: TriggerFacts;
  /** Writes a line to the step's (masked) log. */
  log(line: string): void;
  signal: AbortSignal;
  clock: Clock;
}

/**
 * What a built-in step returns: an expected outcome, not an exception. `held` stops the run at
 * this step until people decide (the gate): the jobs that need this one do not start.
 */
export interface BuiltinStepResult {
  status: "success" | "failure" | "held";
  outputs?: Record<string, string> | undefined;
  /** One line shown when it fails. */
  message?: string | undefined;
  /**
   * What passed but should not pass unnoticed (a scan that scanned nothing): stored with the
   * step and shown in the run's summary. One line each, never a secret value.
   */
  warnings?: string[] | undefined;
}

export type BuiltinStepHandler = (
  ctx: BuiltinStepContext,
) => Promise<BuiltinStepResult>;

/** Built-in steps by name (`sluice/scan`, `sluice/gate`, ...). */
export interface StepRegistry {
  register(name: string, handler: BuiltinStepHandler): void;
  get(name: string): BuiltinStepHandler | undefined;
  /** The names a config may `uses:`; the loader rejects any other. */
  names(): string[];
}

/** Grace periods of the stop sequence SIGINT → SIGTERM → SIGKILL (defaults 7.5 s and 2.5 s). */
export interface KillGrace {
  interruptMs: number;
  terminateMs: number;
}

/** Ports `runJob` needs. */
export interface JobDeps {
  clock: Clock;
  logs: LogSinkFactory;
  cache?: CacheStore | undefined;
  artifacts?: ArtifactStore | undefined;
  steps: Pick<StepRegistry, "get">;
  recorder: RunRecorder;
  grace?: KillGrace | undefined;
  /** Directory for step scripts and output files. */
  tempDir: string;
  /** The environment of this machine under the job's env (the embedded runner passes its own). */
  baseEnv: Record<string, string>;
  /** Aborts even the `always()` steps that run after a cancel (a second Ctrl-C). */
  forceSignal?: AbortSignal | undefined;
  /** The values of a job's `secrets:`; a job that names some fails without it. */
  secrets?: SecretSource | undefined;
  /** Where secret values are registered before the first step (the log sink's masker). */
  masker?: { add(secret: string): void } | undefined;
  /** Extra expression contexts, e.g. `secrets` (never serialised with the job). */
  context?: Record<string, unknown> | undefined;
  /** Starts step processes (default: from this process; the runtime uses a small helper, ADR 032). */
  spawn?: SpawnStep | undefined;
}
