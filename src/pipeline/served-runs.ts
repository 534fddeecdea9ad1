import { AppError, isAppError, messageOf } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import { startLocalRun, startResumeLocal } from "./local-run.js";
import type { LocalRunDeps, LocalRunOptions, StartedRun } from "./local-run.js";
import { receivedTreeOf } from "./remote-tree.js";
import { isHandedBack } from "./run-hand-back.js";
import { followEvents, liveViewOf } from "./served-events.js";
import type { RunLiveEvent, ServedEvents } from "./served-events.js";
import { servedRemoteRuns } from "./served-remote.js";

export type { RunLiveEvent } from "./served-events.js";

/** A client's run: its folder, its config, its choices and the environment its steps inherit. */
export type RunSubmission = Pick<
  LocalRunOptions,
  "cwd" | "config" | "job" | "maxParallel" | "workingTree"
> & {
  env: Record<string, string>;
  /** The process that submitted it and shows it (its terminal): gone, the run stops. */
  clientPid?: number | undefined;
};

/**
 * A held run to continue (`sluice run resume`, the approval that completes a hold): how many jobs
 * at once (default: the server's), the environment its steps inherit (default: the server's) and
 * the process that shows it.
 */
export interface RunResume {
  runId: string;
  maxParallel?: number | undefined;
  env?: Record<string, string> | undefined;
  clientPid?: number | undefined;
}

/**
 * Starts a run (`start` gets its view and signals) and keeps its events for its clients; answers
 * its id and notices once it is recorded, while it goes on. `release` removes what the run
 * needed once it has ended, or failed to start (a received tree); a run handed back keeps it,
 * for the server that continues it.
 */
export type Serve = (
  clientPid: number | undefined,
  start: (
    run: Pick<
      LocalRunOptions,
      "live" | "signal" | "forceSignal" | "handBack" | "notice"
    >,
  ) => Promise<StartedRun>,
  release?: () => Promise<void>,
) => Promise<{ runId: string; notices: string[] }>;

export interface ServedRunsDeps {
  /** What a run here needs (the runtime, the step checks...): asked once, on the first run. */
  local(): Promise<LocalRunDeps>;
  runs: LocalRunDeps["runs"] & {
    finishRun(
      runId: string,
      status: "interrupted",
      reason: string,
    ): Promise<void>;
    /** The runs a stopping server handed back (ADR 106), for this one to continue. */
    handedBackRuns(host: string): Promise<string[]>;
  };
  clock: Pick<Clock, "now">;
  /** This process, the owner of the runs it drives. */
  owner: { pid: number; host: string };
  /**
   * The environment a remote client's steps inherit: the server's own, narrowed to what a
   * process needs (PATH, HOME, locale), never its credentials; a remote client sends none.
   */
  remoteEnv?: Record<string, string>;
  /** Checks that a held run may resume (its hold approved); throws, naming what is missing. */
  readyToResume?(runId: string): Promise<void>;
  /** Jobs at once of a resumed run that does not say (an approval over HTTP). */
  defaultMaxParallel?: number;
  logger: { warn(message: string, fields?: Record<string, unknown>): void };
}

interface Served extends ServedEvents {
  cancel: AbortController;
  force: AbortController;
  /** A stopping server's grace has ended: the run is handed back to the next server. */
  handBack: AbortController;
  settled: Promise<void>;
  clientPid: number | undefined;
}

/** Finished runs whose events are kept for a client that comes late (the newest ones). */
const keptFinished = 16;

/**
 * The runs a server drives for its clients (`sluice run` through the local server): `submit`
 * starts one (pipeline's `startLocalRun`) and answers its id and notices once it is recorded;
 * `resume` continues a held run the same way; `events` streams what its terminal view shows,
 * from the start; `cancel` is Ctrl-C (twice: `force`); `close` takes no more runs, lets those
 * going end until its grace ends and hands the rest back to the next server (ADR 106), which
 * continues them (`continueHandedBack`).
 */
export function createServedRuns(deps: ServedRunsDeps) {
  const served = new Map<string, Served>();
  const finished: string[] = [];
  let local: Promise<LocalRunDeps> | undefined;
  const localDeps = () => (local ??= deps.local());
  const busyListeners = new Set<(busy: boolean) => void>();
  const busy = (going: boolean) => {
    for (const listener of busyListeners) listener(going);
  };

  let stopping = false;

  async function find(id: string): Promise<[string, Served]> {
    const here = served.get(id);
    if (here) return [id, here];
    const run = await deps.runs.getRun(id);
    const entry = served.get(run.id);
    if (entry) return [run.id, entry];
    throw new AppError(
      "CONFLICT",
      `run ${run.id} is ${run.status} and not run by this server`,
    );
  }

  function abandon(runId: string, entry: Served): void {
    // A run handed back goes on in the next server: its client stops reading when told so.
    if (entry.handBack.signal.aborted) return;
    entry.cancel.abort();
    entry.force.abort();
    const who =
      entry.clientPid === undefined
        ? "the sluice process"
        : `the process ${entry.clientPid}`;
    entry.settled = entry.settled.then(() =>
      deps.runs
        .finishRun(runId, "interrupted", `${who} that ran it is gone`)
        .catch((error: unknown) =>
          deps.logger.warn("an abandoned run could not be recorded", {
            runId,
            code: isAppError(error) ? error.code : "INTERNAL",
          }),
        ),
    );
  }

  const serve: Serve = async (clientPid, start, release) => {
    if (stopping)
      throw new AppError(
        "STORE_UNAVAILABLE",
        `the server (pid ${deps.owner.pid}) is stopping and takes no new run: run the command again once it has stopped`,
      );
    const notices: string[] = [];
    const entry: Served = {
      events: [],
      ended: false,
      wake: new Set(),
      cancel: new AbortController(),
      force: new AbortController(),
      handBack: new AbortController(),
      settled: Promise.resolve(),
      clientPid,
    };
    busy(true);
    let started;
    try {
      started = await start({
        live: liveViewOf(entry, deps.clock),
        signal: entry.cancel.signal,
        forceSignal: entry.force.signal,
        handBack: entry.handBack.signal,
        notice: (line) => notices.push(line),
      });
    } catch (error) {
      busy(false);
      await release?.();
      throw error;
    }
    const runId = started.runId;
    served.set(runId, entry);
    // The server is no longer busy with the run before its end is told: a client that reads
    // the end and then asks the idle server for the store is not refused.
    let handedBack = false;
    const last = (event: RunLiveEvent) => {
      busy(false);
      entry.events.push(event);
      for (const wake of entry.wake) wake();
    };
    entry.settled = started.done.then(
      ({ status }) => last({ kind: "end", status }),
      (error: unknown) => {
        const code = isAppError(error) ? error.code : "INTERNAL";
        handedBack = isHandedBack(error);
        if (!handedBack)
          deps.logger.warn("a served run ended with an error", { runId, code });
        last({
          kind: "error",
          code,
          detail: isAppError(error)
            ? error.message
            : "the run failed in the server; its log has the details",
        });
      },
    );
    void entry.settled.finally(async () => {
      if (!handedBack)
        await release?.().catch((error: unknown) =>
          deps.logger.warn("a received tree could not be removed", {
            runId,
            code: isAppError(error) ? error.code : "INTERNAL",
          }),
        );
      entry.ended = true;
      for (const wake of entry.wake) wake();
      finished.push(runId);
      // A resumed run comes back under its id: only an entry that ended is let go.
      for (const old of finished.splice(0, finished.length - keptFinished))
        if (served.get(old)?.ended) served.delete(old);
    });
    return { runId, notices };
  };

  return {
    /** Starts a client's run of its folder (`sluice run`). */
    submit(
      request: RunSubmission,
    ): Promise<{ runId: string; notices: string[] }> {
      const { clientPid, ...options } = request;
      return serve(clientPid, async (run) =>
        startLocalRun(await localDeps(), {
          ...options,
          ...run,
          owner: deps.owner,
        }),
      );
    },

    ...servedRemoteRuns({ ...deps, localDeps, serve }),

    /**
     * Continues a held run whose hold is approved (`sluice run resume`, an approval that
     * completes the hold), followed as a submitted run is; refused (CONFLICT) otherwise.
     */
    async resume(
      request: RunResume,
    ): Promise<{ runId: string; notices: string[] }> {
      await deps.readyToResume?.(request.runId);
      return serve(request.clientPid, async (run) =>
        startResumeLocal(await localDeps(), {
          ...run,
          runId: request.runId,
          maxParallel: request.maxParallel ?? deps.defaultMaxParallel ?? 4,
          env: request.env,
          owner: deps.owner,
        }),
      );
    },

    /** Tells `listener` when a run starts (true) and ends (false); returns how to stop telling. */
    watchBusy(listener: (busy: boolean) => void): () => void {
      busyListeners.add(listener);
      return () => busyListeners.delete(listener);
    },

    /**
     * The run's events from its start, then as they come, until it ends (or `signal`). With
     * `owner`, the reader is the terminal that started the run: when it stops reading before the
     * end, that process is gone (killed), and its run stops as it did when it ran in that
     * process: its steps are stopped and it is recorded interrupted.
     */
    async *events(
      id: string,
      signal: AbortSignal,
      options: { owner?: boolean } = {},
    ): AsyncGenerator<RunLiveEvent> {
      const [runId, entry] = await find(id);
      if (options.owner)
        signal.addEventListener("abort", () => {
          if (!entry.ended) abandon(runId, entry);
        });
      yield* followEvents(entry, signal);
    },

    /** Ctrl-C: the run stops its steps; `force` (a second Ctrl-C) stops `always()` jobs too. */
    async cancel(id: string, force: boolean): Promise<string> {
      const [runId, entry] = await find(id);
      if (entry.ended)
        throw new AppError("CONFLICT", `run ${runId} has already ended`);
      entry.cancel.abort();
      if (force) entry.force.abort();
      return runId;
    },

    /**
     * The runs a stopping server handed back (ADR 106), continued here as a resumed run is: the
     * jobs that had ended keep their results, the others run, with the parallelism its client
     * chose and this server's environment. Nobody's terminal owns them. A run another server
     * took meanwhile is left to it; one that cannot go on is recorded interrupted, saying why.
     */
    async continueHandedBack(): Promise<string[]> {
      if (stopping) return [];
      const continued: string[] = [];
      for (const runId of await deps.runs.handedBackRuns(deps.owner.host)) {
        const local = await localDeps();
        const { workdir } = await deps.runs.getRun(runId);
        try {
          await serve(
            undefined,
            async (run) =>
              startResumeLocal(local, {
                ...run,
                runId,
                from: "queued",
                maxParallel: deps.defaultMaxParallel ?? 4,
                owner: deps.owner,
              }),
            receivedTreeOf(local.home, workdir),
          );
          continued.push(runId);
        } catch (error) {
          if (isAppError(error) && error.code === "CONFLICT") continue;
          deps.logger.warn("a handed-back run could not be continued", {
            runId,
            code: isAppError(error) ? error.code : "INTERNAL",
          });
          await deps.runs.finishRun(
            runId,
            "interrupted",
            `it was handed back by a stopping server, and could not be continued: ${messageOf(error)}`,
          );
        }
      }
      return continued;
    },

    /**
     * A stopping server: takes no new run, lets the runs going end, and when `grace` aborts
     * (at once without one) hands those still going back to the next server; resolves once
     * each has ended or is recorded handed back.
     */
    async close(grace?: AbortSignal): Promise<void> {
      stopping = true;
      const going = [...served.values()].filter((entry) => !entry.ended);
      const handBack = () => {
        for (const entry of going) entry.handBack.abort();
      };
      if (!grace || grace.aborted) handBack();
      else grace.addEventListener("abort", handBack, { once: true });
      await Promise.all(going.map((entry) => entry.settled));
      grace?.removeEventListener("abort", handBack);
    },
  };
}

export type ServedRuns = ReturnType<typeof createServedRuns>;
