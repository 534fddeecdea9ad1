import { AppError, isAppError } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import { startLocalRun, startResumeLocal } from "./local-run.js";
import type { LocalRunDeps, LocalRunOptions, StartedRun } from "./local-run.js";
import type { LiveView, StepRef } from "./logs/step-log.js";
import type { RunStatus, StepLogOutcome } from "./ports.js";
import { createKeptRepositories } from "./kept-repositories.js";
import type { KeptRepositories } from "./kept-repositories.js";
import { receiveRunTree } from "./remote-tree.js";
import type { SentTree } from "./remote-tree.js";

/**
 * What happens in a run as its client's terminal view shows it, in the order it happens: a step
 * starts, prints a line, finishes; the run ends (or fails to go on: `error`). `at` is the
 * server's time, so a client that reads the events late shows the same durations.
 */
export type RunLiveEvent =
  | { kind: "started"; at: number; job: string; position: number; step: string }
  | {
      kind: "line";
      at: number;
      job: string;
      position: number;
      step: string;
      stream: "stdout" | "stderr" | "sluice";
      text: string;
    }
  | {
      kind: "finished";
      at: number;
      job: string;
      position: number;
      step: string;
      outcome: StepLogOutcome & { logPath: string };
    }
  | { kind: "end"; status: RunStatus }
  | { kind: "error"; code: string; detail: string };

/** A client's run: its folder, its config, its choices and the environment its steps inherit. */
export type RunSubmission = Pick<
  LocalRunOptions,
  "cwd" | "config" | "job" | "maxParallel" | "workingTree"
> & {
  env: Record<string, string>;
  /** The process that submitted it and shows it (its terminal): gone, the run stops. */
  clientPid?: number | undefined;
};

/** A remote client's run: its tree as sent, where in it the run starts, and its choices. */
export type RemoteSubmission = Pick<
  RunSubmission,
  "config" | "job" | "maxParallel"
> & {
  /** The only project it may run (the caller's role is on it). */
  project: string;
  tree: SentTree;
  /** The folder the client ran `sluice run` in, relative to its repository's top level. */
  path: string;
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

export interface ServedRunsDeps {
  /** What a run here needs (the runtime, the step checks...): asked once, on the first run. */
  local(): Promise<LocalRunDeps>;
  runs: LocalRunDeps["runs"] & {
    finishRun(
      runId: string,
      status: "interrupted",
      reason: string,
    ): Promise<void>;
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

interface Served {
  events: RunLiveEvent[];
  ended: boolean;
  wake: Set<() => void>;
  cancel: AbortController;
  force: AbortController;
  settled: Promise<void>;
  clientPid: number | undefined;
}

/** Finished runs whose events are kept for a client that comes late (the newest ones). */
const keptFinished = 16;

/**
 * The runs a server drives for its clients (`sluice run` through the local server): `submit`
 * starts one (pipeline's `startLocalRun`) and answers its id and notices once it is recorded;
 * `resume` continues a held run the same way; `events` streams what its terminal view shows,
 * from the start; `cancel` is Ctrl-C (twice: `force`); `close` cancels those still going and
 * waits for them.
 */
export function createServedRuns(deps: ServedRunsDeps) {
  const served = new Map<string, Served>();
  const finished: string[] = [];
  let local: Promise<LocalRunDeps> | undefined;
  const localDeps = () => (local ??= deps.local());
  // The commits remote clients sent, one repository per project (ADR 107).
  let kept: KeptRepositories | undefined;
  const keptRepositories = async () =>
    (kept ??= createKeptRepositories((await localDeps()).home));
  const busyListeners = new Set<(busy: boolean) => void>();
  const busy = (going: boolean) => {
    for (const listener of busyListeners) listener(going);
  };

  function push(entry: Served, event: RunLiveEvent): void {
    entry.events.push(event);
    for (const wake of entry.wake) wake();
  }

  function liveView(entry: Served): LiveView {
    const ref = (step: StepRef) => ({
      at: deps.clock.now(),
      job: step.jobKey,
      position: step.position,
      step: step.name,
    });
    return {
      stepStarted: (step) => push(entry, { kind: "started", ...ref(step) }),
      line: (step, stream, text) =>
        push(entry, { kind: "line", ...ref(step), stream, text }),
      stepFinished: (step, outcome) =>
        push(entry, {
          kind: "finished",
          ...ref(step),
          outcome: {
            status: outcome.status,
            logPath: outcome.logPath,
            ...(outcome.cache ? { cache: outcome.cache } : {}),
            ...(outcome.error ? { error: outcome.error } : {}),
          },
        }),
    };
  }

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

  /**
   * Starts a run (`start` gets its view and signals) and keeps its events for its clients;
   * answers its id and notices once it is recorded, while it goes on.
   */
  async function serve(
    clientPid: number | undefined,
    start: (
      run: Pick<LocalRunOptions, "live" | "signal" | "forceSignal" | "notice">,
    ) => Promise<StartedRun>,
    /** Removes what the run needed once it has ended, or failed to start (a received tree). */
    release?: () => Promise<void>,
  ): Promise<{ runId: string; notices: string[] }> {
    const notices: string[] = [];
    const entry: Served = {
      events: [],
      ended: false,
      wake: new Set(),
      cancel: new AbortController(),
      force: new AbortController(),
      settled: Promise.resolve(),
      clientPid,
    };
    busy(true);
    let started;
    try {
      started = await start({
        live: liveView(entry),
        signal: entry.cancel.signal,
        forceSignal: entry.force.signal,
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
    const last = (event: RunLiveEvent) => {
      busy(false);
      push(entry, event);
    };
    entry.settled = started.done.then(
      ({ status }) => last({ kind: "end", status }),
      (error: unknown) => {
        const code = isAppError(error) ? error.code : "INTERNAL";
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
  }

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

    /**
     * A remote client's run (ADR 099): its commits kept in the project's repository (ADR 107),
     * its tree unpacked under `$SLUICE_HOME/received`, run as a checkout of its commit (with a
     * diff: a working tree), on the one project the caller may run, with the server's narrowed
     * environment, and removed at its end.
     */
    async submitRemote(
      request: RemoteSubmission,
    ): Promise<{ runId: string; notices: string[] }> {
      const local = await localDeps();
      const { cwd, release } = await receiveRunTree(
        local.home,
        await keptRepositories(),
        request,
      );
      return serve(
        undefined,
        async (run) =>
          startLocalRun(local, {
            cwd,
            config: request.config,
            job: request.job,
            maxParallel: request.maxParallel,
            workingTree: request.tree.diff !== undefined,
            env: deps.remoteEnv ?? {},
            project: request.project,
            ...run,
            owner: deps.owner,
          }),
        release,
      );
    },

    /**
     * Which of the commits a remote client offers this server has of `project`, history and
     * all: its next bundle leaves them out (ADR 107).
     */
    async knownCommits(project: string, commits: string[]): Promise<string[]> {
      return (await keptRepositories()).known(project, commits);
    },

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
      let next = 0;
      while (!signal.aborted) {
        while (next < entry.events.length) yield entry.events[next++]!;
        if (entry.ended) return;
        await new Promise<void>((resolve) => {
          const wake = () => {
            entry.wake.delete(wake);
            signal.removeEventListener("abort", wake);
            resolve();
          };
          entry.wake.add(wake);
          signal.addEventListener("abort", wake);
        });
      }
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

    /** Cancels the runs still going and waits until each has ended (a stopping server). */
    async close(): Promise<void> {
      const going = [...served.values()].filter((entry) => !entry.ended);
      for (const entry of going) entry.cancel.abort();
      await Promise.all(going.map((entry) => entry.settled));
    },
  };
}

export type ServedRuns = ReturnType<typeof createServedRuns>;
