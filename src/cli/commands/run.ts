import { availableParallelism, hostname } from "node:os";
import { relative, resolve } from "node:path";
import type { Command } from "commander";
import { AppError, isAlive } from "../../kernel/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import { exitCodes } from "../exit-codes.js";
import type { LiveView, RunDetail, RunStatus } from "../../pipeline/index.js";

interface ResumeOptions {
  maxParallel?: string;
  json?: boolean;
}

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
        "\nA run whose gate holds it (`uses: sluice/gate`) is recorded held, and sluice exits: nothing\n" +
        "waits. `sluice approve RUN` (by someone other than the change's author) continues it;\n" +
        "`sluice run resume RUN` continues an approved one.\n" +
        "\nExit status: 0 success, 1 failed run, 3 held at the gate, 130 cancelled (Ctrl-C), 2 error.\n" +
        "SLUICE_SERVER (submit the run to a server and stream its logs back) is a later issue:\n" +
        "with it set, `sluice run` refuses to run rather than silently running locally.",
    )
    .action(async (options: RunOptions) => runPipeline(ctx, options));

  run
    .command("resume")
    .description(
      "continue a held run whose gate was approved, from the gate on, in a clean checkout of its recorded commit",
    )
    .argument("<id>", "run id, unique prefix, or `last`")
    .option(
      "--max-parallel <n>",
      "jobs at most this many at once (default: number of CPUs)",
    )
    .option("--json", "print the finished run as JSON (logs go to stderr)")
    .addHelpText(
      "after",
      "\nExit status as `sluice run`: 0 success, 1 failed run, 3 held, 130 cancelled, 2 error\n" +
        "(a run that is not held, or whose hold waits for approvals).",
    )
    .action(async (id: string, options: ResumeOptions, command: Command) => {
      const json = options.json || command.parent?.opts().json === true;
      const gate = await (await ctx.app()).gate();
      await gate.readyToResume(id);
      await finishCommand(
        ctx,
        await resumeHere(ctx, {
          runId: id,
          maxParallel: parseMaxParallel(options.maxParallel),
          json,
        }),
        json,
      );
    });

  run
    .command("show")
    .description(
      "show a run: its change, jobs, steps, durations, exit codes, cache hits and findings (of sluice/scan steps, and credentials masked in step logs)",
    )
    .argument("<id>", "run id, unique prefix, or `last`")
    .option("--json", "print the run as JSON")
    .action(
      async (id: string, options: { json?: boolean }, command: Command) => {
        const app = await ctx.app();
        const detail = await app.runs.getRun(id);
        // What `uses: sluice/scan` steps of the run found (secrets, dependencies, imported SARIF),
        // and the credentials nobody declared that step logs masked (kind "secret in log").
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

export function parseMaxParallel(text: string | undefined): number {
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
  const outcome = await runHere(ctx, {
    config: shown === "" ? "." : shown.startsWith("..") ? path : shown,
    job: options.job,
    maxParallel,
    json: options.json === true,
    workingTree: options.workingTree === true,
  });
  await finishCommand(ctx, outcome, options.json === true);
}

/** The end of `run` and `run resume`: the JSON document, and the exit status of the run. */
export async function finishCommand(
  ctx: CliContext,
  { detail, status }: { detail: RunDetail; status: RunStatus },
  json: boolean,
): Promise<void> {
  if (json) {
    const app = await ctx.app();
    ctx.json({ ...detail, findings: await app.scan.findingsForRun(detail.id) });
  }
  process.exitCode =
    status === "success"
      ? exitCodes.ok
      : status === "cancelled"
        ? exitCodes.interrupted
        : status === "held"
          ? exitCodes.held
          : exitCodes.failed;
}

/** What `sluice run` and `sluice demo` ask of a run here. */
export interface RunHereOptions {
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
 * The terminal around pipeline's `runLocal`: live progress, Ctrl-C (and a closed output) turned
 * into a cancel, notices and the closing summary on stderr. Returns the recorded run.
 */
export async function runHere(ctx: CliContext, options: RunHereOptions) {
  const [{ runLocal }, { loadBuiltinStepChecks }] = await Promise.all([
    import("../../pipeline/index.js"),
    import("../../builtin-steps.js"),
  ]);
  const app = await ctx.app();
  const checkWith = await loadBuiltinStepChecks();
  return inTerminal(ctx, options.json, (live, cancel, force) =>
    runLocal(
      {
        home: app.home,
        steps: app.steps,
        runs: app.runs,
        pipeline: (pipelineOptions) => app.pipeline(pipelineOptions),
        checkWith,
        resolveProject: (dir, name) => resolveProject(dir, name).name,
        // The run's change is attributed with the project's own rules too (`metrics.attribution`).
        onConfig: (project, source) =>
          app.metrics.useAttributionRules(
            project,
            source.metrics?.attribution ?? [],
          ),
        isAlive,
      },
      {
        cwd: ctx.cwd,
        config: options.config,
        job: options.job,
        maxParallel: options.maxParallel,
        workingTree: options.workingTree,
        live,
        signal: cancel,
        forceSignal: force,
        owner: { pid: process.pid, host: hostname() },
        notice: (line) => ctx.stderr(`sluice: ${line}`),
      },
    ),
  );
}

/**
 * Continues a held run here (its hold approved: the caller checked), as `sluice run resume` and
 * the approval that completes a hold do, with the same progress and summary as `sluice run`.
 */
export async function resumeHere(
  ctx: CliContext,
  options: { runId: string; maxParallel: number; json: boolean },
) {
  const { resumeLocal } = await import("../../pipeline/index.js");
  const app = await ctx.app();
  return inTerminal(ctx, options.json, (live, cancel, force) =>
    resumeLocal(
      {
        home: app.home,
        runs: app.runs,
        pipeline: (pipelineOptions) => app.pipeline(pipelineOptions),
        isAlive,
      },
      {
        runId: options.runId,
        maxParallel: options.maxParallel,
        live,
        signal: cancel,
        forceSignal: force,
        owner: { pid: process.pid, host: hostname() },
        notice: (line) => ctx.stderr(`sluice: ${line}`),
      },
    ),
  );
}

/**
 * The terminal around a run: live progress, Ctrl-C (and a closed output) turned into a cancel,
 * and the closing summary on stderr (with how to approve a held run).
 */
async function inTerminal(
  ctx: CliContext,
  json: boolean,
  drive: (
    live: LiveView,
    cancel: AbortSignal,
    force: AbortSignal,
  ) => Promise<{ detail: RunDetail; status: RunStatus }>,
): Promise<{ detail: RunDetail; status: RunStatus }> {
  const app = await ctx.app();
  const live = await liveView(ctx, json, app.clock);
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
    const { detail, status } = await drive(live, cancel.signal, force.signal);
    const counts = new Map<string, number>();
    for (const job of detail.jobs) {
      counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
    }
    const { duration, runWarnings } = await import("../progress.js");
    for (const warning of runWarnings(detail))
      ctx.stderr(`sluice: warning: ${warning}`);
    ctx.stderr(
      `sluice: run ${detail.id} ${detail.status}${status === "held" ? "" : ` in ${duration(detail.startedAt, detail.finishedAt)}`} (${[
        ...counts,
      ]
        .map(([s, n]) => `${n} ${s}`)
        .join(", ")}); details: sluice run show ${detail.id}`,
    );
    if (status === "held") {
      const { approveCommand } = await import("../../policy/index.js");
      ctx.stderr(`sluice: ${detail.reason ?? "held at the gate"}`);
      ctx.stderr(
        `sluice: nothing waits; to approve (someone other than the change's author): ${approveCommand(detail.id)}`,
      );
    }
    return { detail, status };
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
