import type { CliContext } from "../context.js";
import { exitCodes } from "../exit-codes.js";
import type { LiveView, RunDetail, RunStatus } from "../../pipeline/index.js";

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

/** The end of `run`, `run resume` and `approve`: the JSON document, and the run's exit status. */
export async function finishCommand(
  ctx: CliContext,
  { detail, status }: { detail: RunDetail; status: RunStatus },
  json: boolean,
  /** The run's findings (read through the server), printed with it by `--json`. */
  findings: (runId: string) => Promise<unknown[]>,
): Promise<void> {
  if (json) ctx.json({ ...detail, findings: await findings(detail.id) });
  process.exitCode =
    status === "success"
      ? exitCodes.ok
      : status === "cancelled"
        ? exitCodes.interrupted
        : status === "held"
          ? exitCodes.held
          : exitCodes.failed;
}

/**
 * The terminal around a run: live progress, Ctrl-C (and a closed output) turned into a cancel,
 * and the closing summary on stderr (with how to approve a held run).
 */
export async function inTerminal(
  ctx: CliContext,
  json: boolean,
  clock: { now(): number },
  drive: (
    live: LiveView,
    cancel: AbortSignal,
    force: AbortSignal,
  ) => Promise<{ detail: RunDetail; status: RunStatus }>,
): Promise<{ detail: RunDetail; status: RunStatus }> {
  const live = await liveView(ctx, json, clock);
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
    await printSummary(ctx, detail, status);
    return { detail, status };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The closing lines of a run on stderr: warnings, the summary, how to approve a held run. */
async function printSummary(
  ctx: CliContext,
  detail: RunDetail,
  status: RunStatus,
): Promise<void> {
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
}

async function liveView(
  ctx: CliContext,
  json: boolean,
  clock: { now(): number },
) {
  // The views only: the pipeline's index loads the engine, its store and config (a third of a
  // second before the run is even asked for).
  const { createPrefixedView, createProgressView } =
    await import("../../pipeline/logs/terminal.js");
  // With --json, stdout holds only the JSON document; progress goes to stderr.
  const write = (text: string) =>
    void (json ? process.stderr : process.stdout).write(text);
  return ctx.isTty && !json
    ? createPrefixedView(write, { color: !ctx.env.NO_COLOR, clock })
    : createProgressView(write, { clock });
}
