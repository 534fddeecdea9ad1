import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type {
  RolloutReport,
  RolloutStatus,
  TimelineEntry,
} from "../../deploy/index.js";
import { AppError, isAppError } from "../../kernel/index.js";
import type { Logger } from "../../kernel/index.js";

/** One line of a rollout command's application/x-ndjson answer. */
export type RolloutLine =
  | { kind: "superseded"; rollout: string; detail: string }
  | {
      kind: "started";
      rollout: string;
      deployment: string;
      project: string;
      environment: string;
    }
  | {
      kind: "progress";
      at: string;
      event: string;
      step?: number;
      weight?: number;
      detail?: string;
      phase: string;
    }
  | { kind: "report"; report: RolloutReport }
  | { kind: "error"; code: string; detail: string };

/** How the OpenAPI document describes the stream (a stream is never serialized by a schema). */
export const RolloutLines = z
  .string()
  .describe(
    "application/x-ndjson, one line per event as it happens: " +
      '{"kind":"superseded","rollout","detail"} (a paused rollout this deployment aborted), ' +
      '{"kind":"started","rollout","deployment","project","environment"}, ' +
      '{"kind":"progress","at","event","step?","weight?","detail?","phase"} (a timeline entry and the phase it left), ' +
      'then {"kind":"report","report": the rollout, its outcome and what the target serves} when it ends or waits ' +
      'for a person, or {"kind":"error","code","detail"}',
  );

/** A timeline entry as a progress line. */
export function progressOf(
  entry: TimelineEntry,
  status: RolloutStatus,
): RolloutLine {
  return {
    kind: "progress",
    ...entry,
    at: new Date(entry.at).toISOString(),
    phase: status.phase,
  };
}

/** What a rollout command does: tells its lines as they happen, answers the report at the end. */
export type RolloutWork = (
  emit: (line: RolloutLine) => void,
  signal: AbortSignal,
) => Promise<RolloutReport>;

/**
 * The drives rollout commands run in this server: each stops at its next tick when its client
 * goes away (Ctrl-C; the rollout stays where it is, as when the process that drove it died, and
 * `sluice rollout resume` carries it on) or when the server closes; closing waits for them.
 */
export function rolloutDrives(fastify: FastifyInstance, logger: Logger) {
  const drives = new Map<AbortController, Promise<void>>();
  let closing = false;
  fastify.addHook("preClose", (done) => {
    closing = true;
    for (const stop of drives.keys()) stop.abort();
    done();
  });
  fastify.addHook("onClose", async () => {
    await Promise.all(drives.values());
  });

  /**
   * Runs `work` and answers its lines as application/x-ndjson. The first line is awaited before
   * answering: a refusal before anything happened (NOT_FOUND, CONFLICT, a bad spec) is a problem
   * answer; after that an error ends the stream with an error line.
   */
  return async function send(
    reply: FastifyReply,
    work: RolloutWork,
  ): Promise<FastifyReply> {
    const stop = new AbortController();
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) stop.abort();
    });
    const queue = new LineQueue();
    let failure: unknown;
    const running = work((line) => queue.push(line), stop.signal)
      .then((report) => {
        if (closing)
          throw new AppError(
            "STORE_UNAVAILABLE",
            `the server stopped while driving rollout ${report.rollout}: \`sluice rollout resume ${report.environment} --project ${report.project}\` carries it on`,
          );
        queue.push({ kind: "report", report });
      })
      .catch((error: unknown) => {
        if (queue.pushed === 0) failure = error;
        else {
          if (!isAppError(error))
            logger.error("a rollout command failed", {
              error: error instanceof Error ? error.message : String(error),
            });
          queue.push(errorLine(error));
        }
      })
      .finally(() => {
        queue.end();
        drives.delete(stop);
      });
    drives.set(stop, running);
    await queue.first();
    if (failure !== undefined) throw failure;
    const lines = Readable.from(queue.lines());
    return reply.type("application/x-ndjson").send(lines as unknown as string);
  };
}

function errorLine(error: unknown): RolloutLine {
  return isAppError(error)
    ? { kind: "error", code: error.code, detail: error.message }
    : {
        kind: "error",
        code: "INTERNAL",
        detail: "the rollout command failed; the server's log has the details",
      };
}

/** Lines told by a command, read in order by its answer (never dropped: a timeline is short). */
class LineQueue {
  private readonly texts: string[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  pushed = 0;

  push(line: RolloutLine): void {
    this.pushed++;
    this.texts.push(`${JSON.stringify(line)}\n`);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Resolves at the first line, or at the end. */
  async first(): Promise<void> {
    while (this.texts.length === 0 && !this.ended) await this.next();
  }

  async *lines(): AsyncGenerator<string> {
    for (;;) {
      while (this.texts.length > 0) yield this.texts.shift()!;
      if (this.ended) return;
      await this.next();
    }
  }

  private next(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
