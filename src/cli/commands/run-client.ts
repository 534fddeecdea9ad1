import { AppError } from "../../kernel/index.js";
import type { ErrorCode } from "../../kernel/index.js";
import type {
  RunDetail,
  RunLiveEvent,
  RunStatus,
} from "../../pipeline/index.js";
import type { Finding } from "../../scan/finding.js";
import type { LocalClient } from "../client/local-server.js";
import type { CliContext } from "../context.js";
import { finishCommand, inTerminal } from "./run-terminal.js";
import type { RunHereOptions } from "./run-terminal.js";

/**
 * `sluice run` as a client of the local server (DESIGN.md, process model): the run is submitted
 * (`POST /api/v1/runs`) with this folder and this environment, runs in the server, and shows here
 * as it would in process: its events drive the same terminal view, Ctrl-C cancels it through the
 * server (twice: at once), and the summary and exit status are the same.
 */
export async function runThroughServer(
  ctx: CliContext,
  options: RunHereOptions,
): Promise<void> {
  const { localClient } = await import("../client/local-server.js");
  const client = localClient(ctx);
  const body = {
    cwd: ctx.cwd,
    config: options.config,
    ...(options.job !== undefined ? { job: options.job } : {}),
    maxParallel: options.maxParallel,
    workingTree: options.workingTree === true,
    // The steps see this terminal's environment, as they did in process; never the key that
    // decrypts the secrets (ADR 097).
    env: Object.fromEntries(
      Object.entries(ctx.env).filter(
        (entry): entry is [string, string] =>
          entry[1] !== undefined && entry[0] !== "SLUICE_AGE_IDENTITY",
      ),
    ),
    clientPid: process.pid,
  };
  // The view's durations are the server's: an event carries the time it happened.
  let now = Date.now();
  // Ctrl-C is handled from the start: one before the run is recorded cancels it once it is.
  const outcome = await inTerminal(
    ctx,
    options.json,
    { now: () => now },
    async (live, cancel, force) => {
      const submitted = await client.json<{
        runId: string;
        notices: string[];
      }>("POST", "/api/v1/runs", body);
      const { runId } = submitted;
      for (const notice of submitted.notices) ctx.stderr(`sluice: ${notice}`);
      const ask = (force: boolean) =>
        void client
          .json("POST", `/api/v1/runs/${runId}/cancel`, { force })
          .catch(() => undefined); // it has ended meanwhile: its end comes on the stream
      if (force.aborted) ask(true);
      else if (cancel.aborted) ask(false);
      cancel.addEventListener("abort", () => ask(false));
      force.addEventListener("abort", () => ask(true));
      const status = await follow(client, runId, (event) => {
        now = event.at;
        const step = {
          runId,
          jobKey: event.job,
          position: event.position,
          name: event.step,
        };
        if (event.kind === "started") live.stepStarted(step);
        else if (event.kind === "line")
          live.line(step, event.stream, event.text);
        else live.stepFinished(step, event.outcome);
      });
      const detail = await client.json<RunDetail>(
        "GET",
        `/api/v1/runs/${runId}`,
      );
      return { detail, status };
    },
  );
  await finishCommand(ctx, outcome, options.json, (id) =>
    client.json<unknown[]>("GET", `/api/v1/runs/${id}/findings`),
  );
}

/** The run's events until its end; its status. A server gone meanwhile is a one-line error. */
async function follow(
  client: LocalClient,
  runId: string,
  onEvent: (event: Extract<RunLiveEvent, { at: number }>) => void,
): Promise<RunStatus> {
  let status: RunStatus | undefined;
  const gone = () =>
    new AppError(
      "STORE_UNAVAILABLE",
      `the local server stopped during run ${runId}; \`sluice run show ${runId}\` shows how it ended`,
    );
  try {
    await client.lines(`/api/v1/runs/${runId}/events?owner=true`, (text) => {
      const event = JSON.parse(text) as RunLiveEvent;
      if (event.kind === "error")
        throw new AppError(event.code as ErrorCode, event.detail);
      if (event.kind === "end") status = event.status;
      else onEvent(event);
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw gone();
  }
  if (status === undefined) throw gone();
  return status;
}

/** `sluice run show` through the local server: the run and its findings. */
export async function showThroughServer(
  ctx: CliContext,
  id: string,
  json: boolean,
): Promise<void> {
  const { localClient } = await import("../client/local-server.js");
  const client = localClient(ctx);
  const detail = await client.json<RunDetail>(
    "GET",
    `/api/v1/runs/${encodeURIComponent(id)}`,
  );
  const findings = await client.json<Finding[]>(
    "GET",
    `/api/v1/runs/${detail.id}/findings`,
  );
  if (json) {
    ctx.json({ ...detail, findings });
    return;
  }
  const { formatRunDetail } = await import("../progress.js");
  ctx.stdout(formatRunDetail(detail, findings));
}
