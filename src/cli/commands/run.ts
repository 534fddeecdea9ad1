import { availableParallelism } from "node:os";
import { relative, resolve } from "node:path";
import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

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
    .description(summaryOf("run"))
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
        "\nAfter `sluice login URL` (or with SLUICE_SERVER and SLUICE_TOKEN set), the run runs on that\n" +
        "server instead: HEAD is sent as a git bundle of the commits the server lacks (with\n" +
        "--working-tree, the uncommitted changes as a diff too), the run is filed under this folder's\n" +
        "project (you need the developer role on it), and its logs stream back here. `sluice logout`\n" +
        "runs here again.\n" +
        "\nExit status: 0 success, 1 failed run, 3 held at the gate, 130 cancelled (Ctrl-C), 2 error.",
    )
    .action(async (options: RunOptions) => runPipeline(ctx, options));

  run
    .command("resume")
    .description(
      "continue a held run whose gate was approved (when its approval did not continue it), from the gate on, in a clean checkout of its recorded commit, in the local server",
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
      const maxParallel = parseMaxParallel(options.maxParallel);
      // In the local server, which checks the hold is approved first; shown here.
      const { resumeThroughServer } = await import("./run-client.js");
      await resumeThroughServer(ctx, { runId: id, maxParallel, json });
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
        // Through the local server. With the run: what `uses: sluice/scan` steps found (secrets,
        // dependencies, imported SARIF) and the credentials nobody declared that step logs
        // masked (kind "secret in log"). `run` has a --json of its own, which commander fills
        // when the flag comes after `show`.
        const { showThroughServer } = await import("./run-client.js");
        await showThroughServer(
          ctx,
          id,
          options.json === true || command.parent?.opts().json === true,
        );
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
  const maxParallel = parseMaxParallel(options.maxParallel);
  const path = resolve(ctx.cwd, options.file);
  const shown = relative(ctx.cwd, path);
  // On the server of `sluice login` (or SLUICE_SERVER), else in the local server of the home
  // (started on demand, from here on: its start overlaps the loading of what follows the run).
  const { remoteTarget } = await import("../client/remote-server.js");
  const remote = remoteTarget(ctx.home, ctx.env);
  if (!remote)
    (await import("../client/local-server.js")).startServerEarly(ctx);
  const [{ runThroughServer }, { runOnRemote }] = await Promise.all([
    import("./run-client.js"),
    import("./run-remote.js"),
  ]);
  const runOptions = {
    config: shown === "" ? "." : shown.startsWith("..") ? path : shown,
    job: options.job,
    maxParallel,
    json: options.json === true,
    workingTree: options.workingTree === true,
  };
  // Shown here wherever it runs.
  if (remote) await runOnRemote(ctx, remote, runOptions);
  else await runThroughServer(ctx, runOptions);
}
