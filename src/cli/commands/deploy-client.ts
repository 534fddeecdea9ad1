import { AppError } from "../../kernel/index.js";
import type {
  RolloutOutcome,
  RolloutReport,
  TimelineEntry,
} from "../../deploy/index.js";
import type { LocalClient } from "../client/local-server.js";
import { problemError } from "../client/socket-http.js";
import type { CliContext } from "../context.js";
import type { RolloutLine } from "../../server/index.js";

export interface FollowHandlers {
  /** A paused rollout the deployment aborted. */
  superseded?(detail: string): void;
  /** The deployment is recorded: its rollout begins. */
  started?(line: {
    rollout: string;
    project: string;
    environment: string;
  }): void;
  /** A timeline entry as it happens (default: its line on stderr, as `sluice deploy` prints it). */
  progress?(line: Extract<RolloutLine, { kind: "progress" }>): void;
}

/**
 * POSTs a rollout command to the local server and follows its answer: each timeline entry as
 * it happens, then the report when the rollout ends or waits for a person. An error line
 * throws as the AppError it stands for (same exit code as in process).
 */
export async function followRollout(
  ctx: CliContext,
  client: LocalClient,
  path: string,
  body: unknown,
  handlers: FollowHandlers = {},
): Promise<RolloutReport> {
  let report: RolloutReport | undefined;
  await client.postLines(path, body, (text) => {
    const line = JSON.parse(text) as RolloutLine;
    switch (line.kind) {
      case "superseded":
        return handlers.superseded?.(line.detail);
      case "started":
        return handlers.started?.(line);
      case "progress":
        return handlers.progress
          ? handlers.progress(line)
          : ctx.stderr(progressLine(line, line.phase));
      case "report":
        report = line.report;
        return;
      case "error":
        throw problemError({
          status: 500,
          body: JSON.stringify({ code: line.code, detail: line.detail }),
        });
    }
  });
  if (!report)
    throw new AppError(
      "STORE_UNAVAILABLE",
      "the local server stopped while driving the rollout: `sluice rollout resume` carries it on",
    );
  return report;
}

/** `sluice deploy stop`: whether anything was running. */
export async function stopEnvironment(
  client: Pick<LocalClient, "json">,
  project: string,
  environment: string,
): Promise<boolean> {
  const { stopped } = await client.json<{ stopped: boolean }>(
    "POST",
    `/api/v1/environments/${encodeURIComponent(environment)}/stop?${new URLSearchParams({ project })}`,
  );
  return stopped;
}

/** A client of the home's local server (started on demand): the store is never opened here. */
export async function localServer(ctx: CliContext): Promise<LocalClient> {
  const { localClient } = await import("../client/local-server.js");
  return localClient(ctx);
}

/** A timeline entry (`at` in ms or ISO 8601) and the phase it left the rollout in, as one line. */
function progressLine(
  entry: Omit<TimelineEntry, "at"> & { at: number | string },
  phase: string,
): string {
  const time = new Date(entry.at).toISOString().slice(11, 23);
  const weight = entry.weight !== undefined ? ` ${entry.weight}%` : "";
  const detail = entry.detail ? ` ${entry.detail}` : "";
  return `  ${time} ${entry.event}${weight}${detail} [${phase}]`;
}

interface ReportOptions {
  json: boolean;
  /** The end state the command was asked to reach (`rollout abort`): reaching it exits 0. */
  asked?: RolloutOutcome;
}

/**
 * Prints the outcome (JSON or a line) with what the target really serves, and sets the exit
 * status of the end state (docs/deploy.md): 0 promoted or as asked, 1 failed, 3 paused,
 * 4 aborted, 5 not serving what the rollout says.
 */
export async function printReport(
  ctx: CliContext,
  view: RolloutReport,
  options: ReportOptions,
): Promise<void> {
  const { notServingExitCode, outcomeExitCode } =
    await import("../../deploy/index.js");
  const { outcome, endpoint } = view;
  const problem = view.notServing ?? null;
  if (options.json) ctx.json(view);
  else {
    ctx.stdout(`${view.phase}: ${view.message}`);
    if (view.phase === "Paused")
      ctx.stdout(
        `  continue with: sluice rollout promote ${view.environment} (or abort)`,
      );
    if (problem !== null)
      ctx.stdout(
        `  not serving: ${problem} (sluice rollout resume ${view.environment} puts it back)`,
      );
    else if (endpoint)
      ctx.stdout(`  serving at ${endpoint} (stable ${view.stable ?? "none"})`);
  }
  const code =
    problem !== null
      ? notServingExitCode
      : outcome === options.asked
        ? 0
        : outcomeExitCode[outcome];
  if (code !== 0) process.exitCode = code;
}
