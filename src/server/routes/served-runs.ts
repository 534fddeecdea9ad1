import { availableParallelism, hostname } from "node:os";
import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { localRunDeps, remoteRunEnv } from "../../local-runs.js";
import { createServedRuns } from "../../pipeline/index.js";
import type { RunLiveEvent, ServedRuns } from "../../pipeline/index.js";
import type { ServerDeps } from "../types.js";
import type { App } from "../../app.js";

/** The machine-wide limit: jobs of all the runs this server executes at once. */
const machineCapacity = Math.max(8, 2 * availableParallelism());

/** The App services a server's runs use. */
export type RunHostServices =
  "runs" | "pipeline" | "steps" | "metrics" | "home" | "clock" | "logger";

type RunHostDeps = ServerDeps<Pick<App, RunHostServices>>;

const hosts = new WeakMap<object, Promise<ServedRuns>>();

/**
 * The one `ServedRuns` of a server (pipeline's `createServedRuns` over `localRunDeps`), made on
 * first use and shared by the route modules that submit and follow runs (the local socket's
 * `sluice run`, a remote client's), so a run submitted by one is followed and cancelled by the
 * other's routes. Keyed by the server's deps: one server, one set of runs.
 */
export function servedRuns(deps: RunHostDeps): Promise<ServedRuns> {
  let runs = hosts.get(deps);
  if (runs === undefined) {
    const { app } = deps;
    runs = localRunDeps(app, { capacity: machineCapacity }).then((local) =>
      createServedRuns({
        ...local,
        runs: app.runs,
        clock: app.clock,
        owner: { pid: process.pid, host: hostname() },
        logger: app.logger,
        remoteEnv: remoteRunEnv(),
        onBusy: (busy) => deps.control?.busy?.(busy),
      }),
    );
    hosts.set(deps, runs);
  }
  return runs;
}

/** A stopping server cancels the runs it drives and waits until they are recorded. */
export async function closeServedRuns(deps: RunHostDeps): Promise<void> {
  const runs = hosts.get(deps);
  if (runs) await (await runs).close();
}

/**
 * Answers a run's live events (`ServedRuns.events`) as application/x-ndjson, from its start
 * until it ends or the client goes away. The first event resolves the run, so NOT_FOUND and
 * CONFLICT are problem answers; a stream is sent as it is, never through the serializer.
 */
export async function sendEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  runs: ServedRuns,
  id: string,
  options: {
    owner: boolean;
    /** A client on another machine: the server's own paths (the step log files) are left out. */
    remote?: boolean;
  },
): Promise<FastifyReply> {
  const stop = new AbortController();
  request.raw.on("close", () => stop.abort());
  const events = runs.events(id, stop.signal, options);
  const first = await events.next();
  const lines = Readable.from(ndjson(first, events, options.remote === true));
  return reply.type("application/x-ndjson").send(lines as unknown as string);
}

async function* ndjson(
  first: IteratorResult<RunLiveEvent>,
  rest: AsyncGenerator<RunLiveEvent>,
  remote: boolean,
): AsyncGenerator<string> {
  const line = (event: RunLiveEvent) =>
    `${JSON.stringify(
      remote && event.kind === "finished"
        ? { ...event, outcome: { ...event.outcome, logPath: "" } }
        : event,
    )}\n`;
  if (first.done) return;
  yield line(first.value);
  for await (const event of rest) yield line(event);
}
