import type { ReleaseRecord, RolloutRecord } from "./ports.js";
import { effectiveSteps } from "./spec.js";
import type { AnalysisRun } from "./types.js";

const iso = (ms: number | undefined) =>
  ms === undefined ? null : new Date(ms).toISOString();

/**
 * A rollout as `sluice deploy --json` and `sluice rollout status --json` print it: steps with
 * their state, weights, analysis runs with measurements, the phase and the timeline, with
 * ISO timestamps. Others rely on this shape.
 */
export function rolloutView(
  record: RolloutRecord,
  releases: Record<string, ReleaseRecord | null>,
  endpoint?: string,
) {
  const s = record.status;
  const version = (id: string | null) =>
    id ? (releases[id]?.version ?? id) : null;
  const runs: AnalysisRun[] = [
    ...s.analysisRuns,
    ...(s.analysisRun ? [s.analysisRun] : []),
  ];
  return {
    rollout: record.id,
    deployment: record.deploymentId,
    project: record.project,
    environment: record.environment,
    strategy: record.spec.strategy,
    release: version(s.canary.release),
    stable: version(s.stable),
    phase: s.phase,
    aborted: s.aborted,
    message: s.message,
    weight: s.weight,
    ...(endpoint ? { endpoint } : {}),
    steps: effectiveSteps(record.spec).map((step, i) => ({
      index: i,
      ...(step.kind === "weight"
        ? { weight: step.weight }
        : step.kind === "pause"
          ? {
              pause:
                step.durationMs === undefined
                  ? "until promoted"
                  : `${step.durationMs}ms`,
            }
          : { analysis: step.template }),
      state:
        i < s.stepIndex
          ? "done"
          : i === s.stepIndex && !(s.phase === "Healthy" || s.aborted)
            ? "current"
            : "pending",
    })),
    analysisRuns: runs.map((run) => ({
      id: run.id,
      template: run.template,
      step: run.stepIndex,
      phase: run.phase,
      startedAt: iso(run.startedAt),
      finishedAt: iso(run.finishedAt),
      metrics: run.metrics.map((m) => ({
        name: m.name,
        phase: m.phase,
        successful: m.successful,
        failed: m.failed,
        inconclusive: m.inconclusive,
        error: m.error,
        measurements: m.measurements.map((x) => ({
          phase: x.phase,
          value: x.value,
          ...(x.message ? { message: x.message } : {}),
          at: iso(x.finishedAt),
        })),
      })),
    })),
    timeline: s.timeline.map((t) => ({ ...t, at: iso(t.at) })),
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
  };
}
