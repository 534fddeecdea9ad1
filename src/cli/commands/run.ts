import { realpathSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import { dirname, relative, resolve } from "node:path";
import type { Command } from "commander";
import { AppError, isAlive } from "../../kernel/index.js";
import type { PipelineConfig } from "../../config/index.js";
import type { GitFacts, RunSource } from "../../pipeline/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import { exitCodes } from "../exit-codes.js";

interface RunOptions {
  file: string;
  job?: string;
  maxParallel?: string;
  json?: boolean;
  workingTree?: boolean;
}

export function registerRun(program: Command, ctx: CliContext): void {
  const run = program
    .command("run")
    .description(
      "run the pipeline of sluice.yml in this repository (embedded store and runner); `run show ID` shows a run",
    )
    .option(
      "-f, --file <path>",
      "the config file, or a folder holding sluice.yml",
      ".",
    )
    .option("--job <job>", "run only this job and the jobs it needs")
    .option(
      "--max-parallel <n>",
      "jobs at most this many at once (default: number of CPUs)",
    )
    .option(
      "--working-tree",
      "run the working tree as it is, uncommitted changes included (recorded as dirty), instead of a clean checkout of HEAD",
    )
    .option("--json", "print the finished run as JSON (logs go to stderr)")
    .addHelpText(
      "after",
      "\nA run runs a clean checkout of HEAD (a git worktree under $SLUICE_HOME/checkouts, removed\n" +
        "after the run), so it writes nothing into this folder and runs what it records; the\n" +
        "pipeline is this folder's sluice.yml. --working-tree runs the folder itself instead.\n" +
        "\nExit status: 0 success, 1 failed run, 130 cancelled (Ctrl-C), 2 error.\n" +
        "SLUICE_SERVER (submit the run to a server and stream its logs back) is a later issue:\n" +
        "with it set, `sluice run` refuses to run rather than silently running locally.",
    )
    .action(async (options: RunOptions) => runPipeline(ctx, options));

  run
    .command("show")
    .description(
      "show a run: its change, jobs, steps, durations, exit codes, cache hits and scan findings",
    )
    .argument("<id>", "run id, unique prefix, or `last`")
    .option("--json", "print the run as JSON")
    .action(
      async (id: string, options: { json?: boolean }, command: Command) => {
        const app = await ctx.app();
        const detail = await app.runs.getRun(id);
        // What `uses: sluice/scan` steps of the run found (secrets, dependencies, imported SARIF).
        const findings = await app.scan.findingsForRun(detail.id);
        // `run` has a --json of its own, which commander fills when the flag comes after `show`.
        if (options.json || command.parent?.opts().json) {
          ctx.json({ ...detail, findings });
          return;
        }
        const { formatRunDetail } = await import("../progress.js");
        ctx.stdout(formatRunDetail(detail, findings));
      },
    );
}

function parseMaxParallel(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 256) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `--max-parallel must be an integer from 1 to 256, got ${text}`,
    );
  }
  return n;
}

async function runPipeline(
  ctx: CliContext,
  options: RunOptions,
): Promise<void> {
  if (ctx.env.SLUICE_SERVER) {
    throw new AppError(
      "INVALID_ARGUMENT",
      "SLUICE_SERVER is set, but submitting runs to a server is not supported yet; unset it to run here",
    );
  }
  const maxParallel = parseMaxParallel(options.maxParallel);
  const path = resolve(ctx.cwd, options.file);
  const shown = relative(ctx.cwd, path);
  const { detail, status } = await runLocal(ctx, {
    config: shown === "" ? "." : shown.startsWith("..") ? path : shown,
    job: options.job,
    maxParallel,
    json: options.json === true,
    workingTree: options.workingTree === true,
  });
  if (options.json) {
    const app = await ctx.app();
    ctx.json({ ...detail, findings: await app.scan.findingsForRun(detail.id) });
  }
  process.exitCode =
    status === "success"
      ? exitCodes.ok
      : status === "cancelled"
        ? exitCodes.interrupted
        : exitCodes.failed;
}

/** What `runLocal` runs. */
export interface LocalRunOptions {
  /** sluice.yml, or the folder holding it (relative paths are shown as given in errors). */
  config: string;
  job?: string | undefined;
  maxParallel: number;
  /** Progress to stderr (stdout is kept for a JSON document). */
  json: boolean;
  /** Run the working tree instead of a clean checkout of HEAD. */
  workingTree?: boolean | undefined;
}

/**
 * Runs a pipeline here, as `sluice run` does: loads the config (built-in steps from the registry),
 * reads the change from git, records and drives the run with the embedded runner, shows live
 * progress, and turns Ctrl-C into a cancel. Returns the recorded run. `sluice demo` uses it too.
 */
export async function runLocal(ctx: CliContext, options: LocalRunOptions) {
  const { loadConfig } = await import("../../config/index.js");
  const { readGitFacts } = await import("../../pipeline/index.js");
  const { loadBuiltinStepChecks } = await import("../../builtin-steps.js");
  const app = await ctx.app();
  const loaded = loadConfig(options.config, {
    knownSteps: new Set(app.steps.names()),
    checkWith: await loadBuiltinStepChecks(),
  });
  const workdir = dirname(resolve(ctx.cwd, loaded.file));
  // The name in the config given (which may not be ./sluice.yml), else the rule of every command.
  const project = resolveProject(workdir, loaded.config.name || undefined).name;
  // The run's change is attributed with the project's own rules too (`metrics.attribution`).
  app.metrics.useAttributionRules(
    project,
    loaded.source.metrics?.attribution ?? [],
  );
  const git = await readGitFacts(workdir);
  const { openRunSource } = await import("../../pipeline/index.js");
  const source = await openRunSource({
    home: app.home,
    projectDir: workdir,
    git,
    workingTree: options.workingTree === true,
    owner: { pid: process.pid, host: hostname() },
    isAlive,
  });
  try {
    for (const notice of sourceNotices(
      source,
      git,
      resolve(ctx.cwd, loaded.file),
    ))
      ctx.stderr(`sluice: ${notice}`);
    return await runIn(ctx, options, {
      app,
      loaded,
      project,
      workdir,
      git,
      source,
    });
  } finally {
    await source.release();
  }
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

async function runIn(
  ctx: CliContext,
  options: LocalRunOptions,
  prepared: {
    app: Awaited<ReturnType<CliContext["app"]>>;
    loaded: { config: PipelineConfig };
    project: string;
    workdir: string;
    git: GitFacts;
    source: RunSource;
  },
) {
  const { app, loaded, project, workdir, git, source } = prepared;
  const live = await liveView(ctx, options.json, app.clock);
  const runtime = await app.pipeline({ capacity: options.maxParallel, live });
  const dirty = source.dirty
    ? `-dirty (uncommitted changes ${source.diffHash?.slice(0, 19)}…)`
    : "";

  const cancel = new AbortController();
  const force = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      ctx.stderr(
        "sluice: stopping the run (its processes get SIGINT, then SIGTERM, then SIGKILL); Ctrl-C again to stop at once",
      );
      cancel.abort();
    } else {
      force.abort();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // The reader of the output went away (`sluice run | head`): stop the run as Ctrl-C does, as a
  // Unix producer stops on SIGPIPE, instead of dying on EPIPE with the run left interrupted.
  // The listeners stay: a later write to the broken stream must not crash either.
  const onOutputError = () => {
    if (!cancel.signal.aborted) cancel.abort();
  };
  process.stdout.on("error", onOutputError);
  process.stderr.on("error", onOutputError);
  try {
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
      signal: cancel.signal,
      forceSignal: force.signal,
      owner: { pid: process.pid, host: hostname() },
      onRecorded: (runId, plan) =>
        ctx.stderr(
          `sluice: run ${runId}: ${plan.jobs.length} job${plan.jobs.length === 1 ? "" : "s"} of ${plan.name}${
            git.commit
              ? ` at ${git.branch ?? "HEAD"}@${git.commit.slice(0, 8)}${dirty}`
              : source.dirty
                ? " (no commit yet: the working tree)"
                : ""
          }`,
        ),
    });
    const detail = await app.runs.getRun(outcome.runId);
    const counts = new Map<string, number>();
    for (const job of detail.jobs) {
      counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
    }
    const { duration, runWarnings } = await import("../progress.js");
    for (const warning of runWarnings(detail))
      ctx.stderr(`sluice: warning: ${warning}`);
    ctx.stderr(
      `sluice: run ${detail.id} ${detail.status} in ${duration(detail.startedAt, detail.finishedAt)} (${[
        ...counts,
      ]
        .map(([status, n]) => `${n} ${status}`)
        .join(", ")}); details: sluice run show ${detail.id}`,
    );
    return { detail, status: outcome.result.status };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function liveView(
  ctx: CliContext,
  json: boolean,
  clock: { now(): number },
) {
  const { createPrefixedView, createProgressView } =
    await import("../../pipeline/index.js");
  // With --json, stdout holds only the JSON document; progress goes to stderr.
  const write = (text: string) =>
    void (json ? process.stderr : process.stdout).write(text);
  return ctx.isTty && !json
    ? createPrefixedView(write, { color: !ctx.env.NO_COLOR, clock })
    : createProgressView(write, { clock });
}
