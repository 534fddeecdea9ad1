import { realpathSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { AppError } from "../kernel/index.js";
import { loadConfig } from "../config/index.js";
import type { LoadOptions, SluiceConfig } from "../config/index.js";
import { openRunSource } from "./checkout.js";
import type { RunSource } from "./checkout.js";
import { readGitFacts } from "./git-facts.js";
import type { GitFacts } from "./git-facts.js";
import type { LiveView } from "./logs/step-log.js";
import type { RunStatus, StepRegistry } from "./ports.js";
import type { PipelineRuntime } from "./queue/runtime.js";
import type { RunDetail } from "./store-queries.js";

/** What a local run needs of the App (and of the edge that calls it). */
export interface LocalRunDeps {
  /** `$SLUICE_HOME`: the run's clean checkout goes under it. */
  home: string;
  steps: Pick<StepRegistry, "names">;
  runs: { getRun(id: string): Promise<RunDetail> };
  /** Starts (once) the queue and the embedded runner. */
  pipeline(options: {
    capacity: number;
    live: LiveView;
  }): Promise<Pick<PipelineRuntime, "runs" | "watchRun" | "forgetRun">>;
  /** Checks a built-in step's `with` at load (each owning capability says what it takes). */
  checkWith: LoadOptions["checkWith"];
  /** The project a folder belongs to: the one rule of every command, given the config's name. */
  resolveProject(dir: string, configName: string | undefined): string;
  /** Told the project and its sluice.yml as written, before the run (metrics attribution rules). */
  onConfig?(project: string, source: SluiceConfig): void;
  isAlive(pid: number): boolean;
}

export interface LocalRunOptions {
  /** The folder relative paths are taken from. */
  cwd: string;
  /** sluice.yml, or the folder holding it (relative paths are shown as given in errors). */
  config: string;
  job?: string | undefined;
  maxParallel: number;
  /** Run the working tree instead of a clean checkout of HEAD. */
  workingTree?: boolean | undefined;
  /** Shows the steps' output as they run. */
  live: LiveView;
  /** Cancels the run (Ctrl-C); `forceSignal` stops even `always()` jobs (a second Ctrl-C). */
  signal: AbortSignal;
  forceSignal?: AbortSignal | undefined;
  /** Hands the run back to the next server (a stopping server, ADR 106). */
  handBack?: AbortSignal | undefined;
  /** The process that drives the run (a later process marks its run interrupted once it is gone). */
  owner: { pid: number; host: string };
  /** One line for the person who started the run (what the source leaves out, the run's id). */
  notice(line: string): void;
  /**
   * The environment the run's steps inherit, when not the runtime's own (a server runs the run
   * of a client in another process: the client's environment).
   */
  env?: Record<string, string> | undefined;
  /**
   * The project the caller may run (a remote run, authorized on one project): a config that
   * names another is refused before anything is recorded.
   */
  project?: string | undefined;
}

/** A run recorded and going on: `done` resolves with the recorded run once it ends. */
export interface StartedRun {
  runId: string;
  done: Promise<{ detail: RunDetail; status: RunStatus }>;
}

/**
 * Runs a pipeline here, as the local server does for `sluice run` (through `startLocalRun`):
 * loads the config (built-in steps from the registry), reads the change from git, prepares the
 * run's source (a clean checkout of HEAD, or the working tree), records and drives the run with
 * the embedded runner, and removes the checkout. Returns the recorded run and how it ended.
 */
export async function runLocal(
  deps: LocalRunDeps,
  options: LocalRunOptions,
): Promise<{ detail: RunDetail; status: RunStatus }> {
  return (await startLocalRun(deps, options)).done;
}

/**
 * `runLocal` up to the moment the run is recorded (a config or git error throws before that):
 * answers its id while the run goes on, as the server does for a client's `sluice run`.
 */
export async function startLocalRun(
  deps: LocalRunDeps,
  options: LocalRunOptions,
): Promise<StartedRun> {
  const loaded = loadConfig(options.config, {
    knownSteps: new Set(deps.steps.names()),
    checkWith: deps.checkWith,
    cwd: options.cwd,
  });
  const configFile = resolve(options.cwd, loaded.file);
  const workdir = dirname(configFile);
  // The name in the config given (which may not be ./sluice.yml), else the rule of every command.
  const project = deps.resolveProject(workdir, loaded.config.name || undefined);
  if (options.project !== undefined && project !== options.project)
    throw new AppError(
      "FORBIDDEN",
      `this tree's pipeline is of project ${project}, not ${options.project}: run it as ${project}`,
    );
  deps.onConfig?.(project, loaded.source);
  const git = await readGitFacts(workdir);
  const source = await openRunSource({
    home: deps.home,
    projectDir: workdir,
    git,
    workingTree: options.workingTree === true,
    owner: options.owner,
    isAlive: deps.isAlive,
  });
  return startedRun(async (recorded) => {
    let runId: string | undefined;
    let runtime: Awaited<ReturnType<LocalRunDeps["pipeline"]>> | undefined;
    try {
      for (const notice of sourceNotices(source, git, configFile))
        options.notice(notice);
      runtime = await deps.pipeline({
        capacity: options.maxParallel,
        live: options.live,
      });
      const watch = runtime.watchRun.bind(runtime);
      const outcome = await runtime.runs.run({
        project,
        trigger: "local",
        workdir,
        checkout: source.workdir,
        source: {
          kind: source.kind,
          dirty: source.dirty,
          diffHash: source.diffHash,
        },
        // Its jobs see the project as $SLUICE_PROJECT (the deploy step files its rollout under it).
        config: { ...loaded.config, name: project },
        facts: {
          event: "push",
          branch: git.branch,
          defaultBranch: git.defaultBranch,
          commit: git.commit,
        },
        change: git,
        onlyJob: options.job,
        maxParallel: options.maxParallel,
        signal: options.signal,
        forceSignal: options.forceSignal,
        handBack: options.handBack,
        owner: options.owner,
        onRecorded: (id, plan) => {
          runId = id;
          // Before any job starts: its steps show in this run's view, with this run's environment.
          watch(id, {
            live: options.live,
            ...(options.env ? { env: options.env } : {}),
          });
          options.notice(
            `run ${id}: ${plan.jobs.length} job${plan.jobs.length === 1 ? "" : "s"} of ${plan.name}${describeSource(source, git)}`,
          );
          recorded(id);
        },
      });
      const detail = await deps.runs.getRun(outcome.runId);
      return { detail, status: outcome.result.status };
    } finally {
      if (runId !== undefined) runtime?.forgetRun(runId);
      await source.release();
    }
  });
}

/**
 * Drives a run (`drive` calls `recorded` once the run is recorded, before any job starts) and
 * answers its id then, while it goes on. A failure before the run is recorded is the caller's
 * error; after it, `done`'s.
 */
async function startedRun(
  drive: (
    recorded: (runId: string) => void,
  ) => Promise<{ detail: RunDetail; status: RunStatus }>,
): Promise<StartedRun> {
  let recorded!: (runId: string) => void;
  const started = new Promise<string>((resolve) => (recorded = resolve));
  const done = drive(recorded);
  const runId = await Promise.race([started, done.then(() => started)]);
  return { runId, done };
}

/** ` at main@1a2b3c4d`, with the dirty mark of a working-tree run; what the run runs. */
function describeSource(source: RunSource, git: GitFacts): string {
  const dirty = source.dirty
    ? `-dirty (uncommitted changes ${source.diffHash?.slice(0, 19)}…)`
    : "";
  if (git.commit)
    return ` at ${git.branch ?? "HEAD"}@${git.commit.slice(0, 8)}${dirty}`;
  return source.dirty ? " (no commit yet: the working tree)" : "";
}

/** What a run's source leaves out or adds, said before it starts (one line each). */
function sourceNotices(
  source: RunSource,
  git: GitFacts,
  configFile: string,
): string[] {
  if (source.kind !== "checkout" || git.root === undefined) return [];
  const at = `${git.branch ?? "HEAD"}@${git.commit?.slice(0, 8)}`;
  const config = relative(realpathSync(git.root), realpathSync(configFile));
  const others = source.leftOut.filter((path) => path !== config);
  const notices: string[] = [];
  if (source.leftOut.includes(config)) {
    notices.push(
      `${config} is not committed as it is: this run uses it on a clean checkout of ${at}`,
    );
  }
  if (others.length > 0) {
    notices.push(
      `${others.length} uncommitted change${others.length === 1 ? " is" : "s are"} not in this run, which runs a clean checkout of ${at} (\`sluice run --working-tree\` runs them)`,
    );
  }
  return notices;
}

/** What resuming a held run here needs of the App: the store's run and the runtime. */
type ResumeLocalDeps = Pick<
  LocalRunDeps,
  "home" | "runs" | "pipeline" | "isAlive"
>;

/**
 * Resumes a held run here, as the local server does for `sluice run resume` and for the approval
 * that completes a hold: the run's files again as it ran them (a clean checkout of its recorded
 * commit, ADR 034, or its working tree), then the held jobs and the ones after them. Answers once
 * the run is taken back (running), while it goes on, as `startLocalRun` does. The caller checks
 * that the hold was approved; a run that is not held is refused (CONFLICT) before anything runs.
 */
export async function startResumeLocal(
  deps: ResumeLocalDeps,
  options: Pick<
    LocalRunOptions,
    | "maxParallel"
    | "live"
    | "signal"
    | "forceSignal"
    | "handBack"
    | "owner"
    | "notice"
    | "env"
  > & {
    runId: string;
    /** `queued`: a run a stopping server handed back, continued without a hold (ADR 106). */
    from?: "held" | "queued" | undefined;
  },
): Promise<StartedRun> {
  const held = await deps.runs.getRun(options.runId);
  const git = await readGitFacts(held.workdir);
  const source = await openRunSource({
    home: deps.home,
    projectDir: held.workdir,
    git: {
      repository: held.source !== "folder" && git.repository,
      root: git.root,
      ...(held.commit ? { commit: held.commit } : {}),
    },
    workingTree: held.source === "working-tree",
    owner: options.owner,
    isAlive: deps.isAlive,
  });
  return startedRun(async (recorded) => {
    let runtime: Awaited<ReturnType<LocalRunDeps["pipeline"]>> | undefined;
    let watched = false;
    try {
      runtime = await deps.pipeline({
        capacity: options.maxParallel,
        live: options.live,
      });
      const watch = runtime.watchRun.bind(runtime);
      const outcome = await runtime.runs.resume({
        runId: held.id,
        checkout: source.workdir,
        maxParallel: options.maxParallel,
        signal: options.signal,
        forceSignal: options.forceSignal,
        handBack: options.handBack,
        from: options.from,
        owner: options.owner,
        onRecorded: (runId) => {
          // As a submitted run: its steps show in its own view, with its own environment.
          watch(runId, {
            live: options.live,
            ...(options.env ? { env: options.env } : {}),
          });
          watched = true;
          options.notice(
            `run ${runId} ${options.from === "queued" ? "continued" : "resumed"}${held.commit ? ` at ${held.branch ?? "HEAD"}@${held.commit.slice(0, 8)}` : ""}`,
          );
          recorded(runId);
        },
      });
      const detail = await deps.runs.getRun(outcome.runId);
      return { detail, status: outcome.result.status };
    } finally {
      if (watched) runtime?.forgetRun(held.id);
      await source.release();
    }
  });
}
