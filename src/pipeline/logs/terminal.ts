import type { Clock } from "../../kernel/index.js";
import type { LiveView, StepRef } from "./step-log.js";

const colours = [36, 35, 33, 32, 34, 91, 96, 95];
const reset = "\u001b[0m";
const marks = {
  success: "✓",
  failure: "✗",
  skipped: "○",
  cancelled: "■",
  held: "⏸",
} as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function finishLine(
  step: StepRef,
  outcome: {
    status: keyof typeof marks;
    cache?: string | undefined;
    error?: string | undefined;
  },
  ms: number,
): string {
  const extras = [seconds(ms)];
  if (outcome.cache) extras.push(`cache ${outcome.cache}`);
  if (outcome.error) extras.push(outcome.error);
  return `${marks[outcome.status]} ${step.name} (${extras.join(", ")})`;
}

/**
 * The TTY view: every output line prefixed with its job, each job in its own colour (when
 * `color`), plus a line when a step starts and ends.
 */
export function createPrefixedView(
  write: (text: string) => void,
  options: { color: boolean; clock: Pick<Clock, "now"> },
): LiveView {
  const jobColour = new Map<string, number>();
  const started = new Map<string, number>();
  const prefix = (jobKey: string) => {
    if (!options.color) return `[${jobKey}]`;
    let c = jobColour.get(jobKey);
    if (c === undefined) {
      c = colours[jobColour.size % colours.length] ?? 36;
      jobColour.set(jobKey, c);
    }
    return `\u001b[${c}m[${jobKey}]${reset}`;
  };
  const id = (s: StepRef) => `${s.jobKey}\u0000${s.position}`;
  return {
    stepStarted(step) {
      started.set(id(step), options.clock.now());
      write(`${prefix(step.jobKey)} ▸ ${step.name}\n`);
    },
    line(step, stream, text) {
      const dim = options.color && stream === "sluice";
      write(
        `${prefix(step.jobKey)} ${dim ? `\u001b[2m${text}${reset}` : text}\n`,
      );
    },
    stepFinished(step, outcome) {
      const ms =
        options.clock.now() - (started.get(id(step)) ?? options.clock.now());
      started.delete(id(step));
      write(`${prefix(step.jobKey)} ${finishLine(step, outcome, ms)}\n`);
    },
  };
}

/**
 * The compact view for logs and pipes: one line per finished step, and for a failed step the
 * last `tail` lines of its output, so a CI log stays short but shows why it failed.
 */
export function createProgressView(
  write: (text: string) => void,
  options: { clock: Pick<Clock, "now">; tail?: number },
): LiveView {
  const tail = options.tail ?? 20;
  const state = new Map<string, { start: number; lines: string[] }>();
  const id = (s: StepRef) => `${s.jobKey}\u0000${s.position}`;
  return {
    stepStarted(step) {
      state.set(id(step), { start: options.clock.now(), lines: [] });
    },
    line(step, _stream, text) {
      const s = state.get(id(step));
      if (!s) return;
      s.lines.push(text);
      if (s.lines.length > tail) s.lines.shift();
    },
    stepFinished(step, outcome) {
      const s = state.get(id(step));
      state.delete(id(step));
      const ms = options.clock.now() - (s?.start ?? options.clock.now());
      write(`${step.jobKey} › ${finishLine(step, outcome, ms)}\n`);
      if (outcome.status === "failure" && s) {
        for (const line of s.lines) write(`    ${line}\n`);
        // A remote run's log is on its server: no path here to point at.
        if (outcome.logPath) write(`    (full log: ${outcome.logPath})\n`);
      }
    },
  };
}
