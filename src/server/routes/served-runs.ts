import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RunLiveEvent, ServedRuns } from "../../pipeline/index.js";

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
