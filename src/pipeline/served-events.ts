import type { Clock } from "../kernel/index.js";
import type { LiveView, StepRef } from "./logs/step-log.js";
import type { RunStatus, StepLogOutcome } from "./ports.js";

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

/** A served run's events so far, whether it ended, and the readers waiting for more. */
export interface ServedEvents {
  events: RunLiveEvent[];
  ended: boolean;
  wake: Set<() => void>;
}

function push(entry: ServedEvents, event: RunLiveEvent): void {
  entry.events.push(event);
  for (const wake of entry.wake) wake();
}

/** The live view a served run's steps report to: each report becomes an event, timed now. */
export function liveViewOf(
  entry: ServedEvents,
  clock: Pick<Clock, "now">,
): LiveView {
  const ref = (step: StepRef) => ({
    at: clock.now(),
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

/** The run's events from its start, then as they come, until it ends (or `signal`). */
export async function* followEvents(
  entry: ServedEvents,
  signal: AbortSignal,
): AsyncGenerator<RunLiveEvent> {
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
}
