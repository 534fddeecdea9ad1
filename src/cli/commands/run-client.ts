import { AppError } from "../../kernel/index.js";
import type { ErrorCode } from "../../kernel/index.js";
import type {
  RunDetail,
  RunLiveEvent,
  RunStatus,
} from "../../pipeline/index.js";
import type { HoldView } from "../../policy/index.js";
import type { Finding } from "../../scan/finding.js";
import type { LocalClient } from "../client/local-server.js";
import type { ServerClient } from "../client/server-client.js";
import type { CliContext } from "../context.js";
import { finishCommand, inTerminal } from "./run-terminal.js";
import type { RunHereOptions } from "./run-terminal.js";

/**
 * Where a run is followed and cancelled: the local server's `/api/v1/runs` (`owner`: the server
 * stops the run when this terminal's stream closes, it was killed), or a remote server's
 * `/api/v1/projects/:project/runs` (a dropped connection is not a kill).
 */
export interface RunEndpoint {
  /** A run's routes are `${base}/${id}`, `/events`, `/cancel`, `/findings`. */
  base: string;
  owner: boolean;
  /** Who ran it, in the line that says it stopped meanwhile. */
  server: string;
}

const localRuns: RunEndpoint = {
  base: "/api/v1/runs",
  owner: true,
  server: "the local server",
};

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
  const client = await clientOf(ctx);
  await finishCommand(
    ctx,
    await submitAndFollow(ctx, client, options),
    options.json,
    findingsOf(client),
  );
}

/** `sluice run` without its exit status: the run submitted and shown here; how it ended. */
export async function submitAndFollow(
  ctx: CliContext,
  client: LocalClient,
  options: RunHereOptions,
): Promise<RunOutcome> {
  const body = {
    cwd: ctx.cwd,
    config: options.config,
    ...(options.job !== undefined ? { job: options.job } : {}),
    maxParallel: options.maxParallel,
    workingTree: options.workingTree === true,
    env: clientEnv(ctx),
    clientPid: process.pid,
  };
  return followInTerminal(ctx, client, options.json, () =>
    client.json<Started>("POST", "/api/v1/runs", body),
  );
}

/**
 * `sluice run resume` through the local server: the held run (its hold approved) continues in
 * the server with this terminal's environment, and shows here as `sluice run` does.
 */
export async function resumeThroughServer(
  ctx: CliContext,
  options: { runId: string; maxParallel: number; json: boolean },
): Promise<void> {
  const client = await clientOf(ctx);
  const outcome = await followInTerminal(ctx, client, options.json, () =>
    client.json<Started>(
      "POST",
      `/api/v1/runs/${encodeURIComponent(options.runId)}/resume`,
      {
        maxParallel: options.maxParallel,
        env: clientEnv(ctx),
        clientPid: process.pid,
      },
    ),
  );
  await finishCommand(ctx, outcome, options.json, findingsOf(client));
}

/** What `POST /api/v1/runs/:id/approve` answers (`Approval` in server/routes/gate.ts). */
export interface ApprovalAnswer {
  approved: boolean;
  continued: boolean;
  notices: string[];
  hold: HoldView;
}

/**
 * An approval through the local server as the git identity `as` (`sluice approve`, the demo);
 * when it completes the hold, the run continues in the server with this terminal's environment
 * (`followContinued` shows it here).
 */
export async function approveThroughServer(
  ctx: CliContext,
  client: LocalClient,
  run: string,
  answer: { as: string; comment?: string | undefined; maxParallel: number },
): Promise<ApprovalAnswer> {
  return client.json<ApprovalAnswer>(
    "POST",
    `/api/v1/runs/${encodeURIComponent(run)}/approve`,
    {
      as: answer.as,
      ...(answer.comment !== undefined ? { comment: answer.comment } : {}),
      maxParallel: answer.maxParallel,
      env: clientEnv(ctx),
      clientPid: process.pid,
    },
  );
}

/** Follows here a run the server already continued (an approval that completed its hold). */
export function followContinued(
  ctx: CliContext,
  client: LocalClient,
  runId: string,
  json: boolean,
): Promise<RunOutcome> {
  return followInTerminal(ctx, client, json, async () => ({
    runId,
    notices: [],
  }));
}

export type Started = { runId: string; notices: string[] };
type RunOutcome = { detail: RunDetail; status: RunStatus };

export async function clientOf(ctx: CliContext): Promise<LocalClient> {
  const { localClient } = await import("../client/local-server.js");
  return localClient(ctx);
}

/** The findings of a run, read through the server (`--json` prints them with the run). */
export const findingsOf =
  (client: ServerClient, base = localRuns.base) =>
  (id: string) =>
    client.json<unknown[]>("GET", `${base}/${id}/findings`);

/**
 * What a run's steps inherit from the client: this terminal's environment, as they did in
 * process; never the key that decrypts the secrets (ADR 097).
 */
function clientEnv(ctx: CliContext): Record<string, string> {
  return Object.fromEntries(
    Object.entries(ctx.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && entry[0] !== "SLUICE_AGE_IDENTITY",
    ),
  );
}

/**
 * A run in the server shown here (`start` submits or resumes it): its events drive this
 * terminal's view, Ctrl-C cancels it through the server (twice: at once), and the summary is
 * printed; answers the recorded run and how it ended.
 */
export async function followInTerminal(
  ctx: CliContext,
  client: ServerClient,
  json: boolean,
  start: () => Promise<Started>,
  endpoint: RunEndpoint = localRuns,
): Promise<RunOutcome> {
  const { base } = endpoint;
  // The view's durations are the server's: an event carries the time it happened.
  let now = Date.now();
  // Ctrl-C is handled from the start: one before the run is recorded cancels it once it is.
  return inTerminal(
    ctx,
    json,
    { now: () => now },
    async (live, cancel, force) => {
      const { runId, notices } = await start();
      for (const notice of notices) ctx.stderr(`sluice: ${notice}`);
      const ask = (force: boolean) =>
        void client
          .json("POST", `${base}/${runId}/cancel`, { force })
          .catch(() => undefined); // it has ended meanwhile: its end comes on the stream
      if (force.aborted) ask(true);
      else if (cancel.aborted) ask(false);
      cancel.addEventListener("abort", () => ask(false));
      force.addEventListener("abort", () => ask(true));
      const status = await follow(client, endpoint, runId, (event) => {
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
      const detail = await client.json<RunDetail>("GET", `${base}/${runId}`);
      return { detail, status };
    },
  );
}

/** The run's events until its end; its status. A server gone meanwhile is a one-line error. */
async function follow(
  client: ServerClient,
  { base, owner, server }: RunEndpoint,
  runId: string,
  onEvent: (event: Extract<RunLiveEvent, { at: number }>) => void,
): Promise<RunStatus> {
  let status: RunStatus | undefined;
  const gone = () =>
    new AppError(
      "STORE_UNAVAILABLE",
      `${server} stopped during run ${runId}; \`sluice run show ${runId}\` shows how it ended`,
    );
  const events = `${base}/${runId}/events${owner ? "?owner=true" : ""}`;
  try {
    await client.lines(events, (text) => {
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

/**
 * `sluice run show` through the local server, or through the remote server of `sluice login`
 * (the run of this folder's project there): the run and its findings.
 */
export async function showThroughServer(
  ctx: CliContext,
  id: string,
  json: boolean,
): Promise<void> {
  const { runsEndpoint } = await import("../client/runs-endpoint.js");
  const { client, base } = await runsEndpoint(ctx);
  const detail = await client.json<RunDetail>(
    "GET",
    `${base}/${encodeURIComponent(id)}`,
  );
  const findings = await client.json<Finding[]>(
    "GET",
    `${base}/${detail.id}/findings`,
  );
  if (json) {
    ctx.json({ ...detail, findings });
    return;
  }
  const { formatRunDetail } = await import("../progress.js");
  ctx.stdout(formatRunDetail(detail, findings));
}
