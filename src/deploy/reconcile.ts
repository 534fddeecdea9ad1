import {
  assessMetric,
  effectiveCount,
  isTerminal,
  newRun,
  recordResult,
  runPhase,
} from "./analysis/assess.js";
import { effectiveSteps } from "./spec.js";
import type { MetricSpec, RolloutSpec } from "./spec.js";
import type {
  AnalysisRun,
  Observations,
  ReconcileResult,
  RolloutAction,
  RolloutCommand,
  RolloutStatus,
  TimelineEntry,
} from "./types.js";

/** A measurement that has not come back after this long counts as an Error. */
export const measurementLostAfterMs = 120_000;

/** The status of a rollout that has not started: the new release still has to be started. */
export function initialStatus(input: {
  release: string;
  stable: string | null;
  now: number;
  fastTrack?: boolean;
}): RolloutStatus {
  return {
    ...(input.fastTrack ? { fastTrack: true } : {}),
    phase: "Progressing",
    message: "starting the release",
    stepIndex: 0,
    weight: 0,
    aborted: false,
    canary: { release: input.release, state: "none" },
    stable: input.stable,
    runs: [],
    attempt: 1,
    startedAt: input.now,
    updatedAt: input.now,
    timeline: [],
  };
}

/** Whether the rollout has ended (promoted, or aborted and waiting for retry or undo). */
export function isFinished(status: RolloutStatus): boolean {
  return (
    status.phase === "Healthy" ||
    (status.phase === "Degraded" && status.aborted)
  );
}

/**
 * Why a command cannot apply to a rollout in this state, or null when it can. The CLI and the
 * API call this first so a user gets a clear error instead of a silent no-op.
 */
export function commandError(
  status: RolloutStatus,
  command: RolloutCommand,
): string | null {
  const finished = isFinished(status);
  switch (command.kind) {
    case "promote":
      if (finished) return `the rollout is ${status.phase}: nothing to promote`;
      return null;
    case "abort":
      if (finished) return `the rollout is ${status.phase}: nothing to abort`;
      return null;
    case "pause":
      if (finished) return `the rollout is ${status.phase}: nothing to pause`;
      return null;
    case "retry":
      if (!status.aborted) return "only an aborted rollout can be retried";
      return null;
    case "undo":
      if (status.aborted)
        return "the rollout was aborted: traffic is already on the previous release";
      if (status.phase === "Healthy")
        return "a promoted rollout is undone by a new deployment of the previous release";
      return null;
  }
}

/**
 * The rollout state machine, following Argo Rollouts' canary semantics. Pure: it takes the
 * spec, the last status, what the controller observed (the release on the target, measurement
 * results, user commands) and the time, and returns the next status and the actions to apply,
 * in order. Calling it again with nothing new returns no new actions.
 */
export function reconcile(
  spec: RolloutSpec,
  status: RolloutStatus,
  observations: Observations,
  now: number,
): ReconcileResult {
  const s: RolloutStatus = structuredClone(status);
  const actions: RolloutAction[] = [];
  const steps = effectiveSteps(spec);
  const note = (entry: Omit<TimelineEntry, "at">) =>
    s.timeline.push({ at: now, ...entry });
  const ctx: Ctx = { spec, s, actions, now, note };

  for (const command of observations.commands ?? []) {
    if (commandError(s, command) === null)
      applyCommand(ctx, command, steps.length);
  }

  if (isFinished(s)) return done(ctx);

  if (observations.canary && s.canary.state !== "stopped") {
    const before = s.canary.state;
    s.canary.state = observations.canary.state;
    if (observations.canary.error) s.canary.error = observations.canary.error;
    if (before === "starting" && s.canary.state === "ready")
      note({ event: "release ready", detail: s.canary.release });
  }
  if (s.canary.state === "none") {
    actions.push({ kind: "startRelease", release: s.canary.release });
    s.canary.state = "starting";
    s.phase = "Progressing";
    s.message = `starting release ${s.canary.release}`;
    note({ event: "release starting", detail: s.canary.release });
    return done(ctx);
  }
  if (s.canary.state === "starting") {
    s.message = `waiting for release ${s.canary.release} to be ready`;
    return done(ctx);
  }
  if (s.canary.state === "failed" || s.canary.state === "stopped") {
    abort(
      ctx,
      `release ${s.canary.release} failed: ${s.canary.error ?? "stopped"}`,
      true,
    );
    return done(ctx);
  }

  // A first deploy has nothing to compare with, and an undo goes back to a release that was
  // stable: straight to 100% once ready (as Argo's first deploy and fast-tracked rollback).
  if ((s.stable === null || s.fastTrack) && s.stepIndex < steps.length) {
    s.stepIndex = steps.length;
  }

  if (s.run) applyResults(ctx, s.run, observations);

  for (let guard = 0; guard < 1_000; guard++) {
    if (s.pause) {
      if (s.pause.until !== undefined && now >= s.pause.until) {
        note({ event: "pause ended", step: s.stepIndex });
        delete s.pause;
        s.stepIndex++;
        continue;
      }
      s.phase = "Paused";
      break;
    }
    if (s.stepIndex >= steps.length) {
      complete(ctx);
      break;
    }
    const step = steps[s.stepIndex];
    if (!step) break;
    if (step.kind === "weight") {
      setWeight(ctx, step.weight);
      note({ event: "weight", step: s.stepIndex, weight: step.weight });
      s.stepIndex++;
      continue;
    }
    if (step.kind === "pause") {
      s.pause = {
        reason: "PauseStep",
        since: now,
        ...(step.durationMs !== undefined
          ? { until: now + step.durationMs }
          : {}),
      };
      s.message =
        step.durationMs === undefined
          ? "paused until promoted"
          : `paused for ${Math.round(step.durationMs / 1000)}s`;
      note({ event: "paused", step: s.stepIndex, detail: s.message });
      continue;
    }
    // analysis
    const template = spec.analysis[step.template];
    if (!template) {
      abort(ctx, `no analysis named "${step.template}"`, true);
      break;
    }
    if (!s.run || s.run.stepIndex !== s.stepIndex) {
      s.run = newRun(
        `${s.attempt}.${s.stepIndex}`,
        step.template,
        template.metrics,
        s.stepIndex,
        now,
      );
      note({
        event: "analysis started",
        step: s.stepIndex,
        detail: step.template,
      });
    }
    const run = s.run;
    schedule(ctx, run, template.metrics);
    if (run.phase === "Successful") {
      finishRun(ctx);
      s.stepIndex++;
      continue;
    }
    if (run.phase === "Failed" || run.phase === "Error") {
      finishRun(ctx);
      const why = `analysis ${run.template} ${run.phase}${firstMessage(run)}`;
      if (spec.failureAction === "pause") {
        s.pause = { reason: "AnalysisFailed", since: now };
        s.message = `${why}: paused (failure-action pause); promote to go on or abort`;
        note({ event: "paused", step: s.stepIndex, detail: s.message });
        continue;
      }
      abort(ctx, why, true);
      break;
    }
    if (run.phase === "Inconclusive") {
      finishRun(ctx);
      s.pause = { reason: "Inconclusive", since: now };
      s.message = `analysis ${run.template} Inconclusive${firstMessage(run)}: promote to go on or abort`;
      note({ event: "paused", step: s.stepIndex, detail: s.message });
      continue;
    }
    s.phase = "Progressing";
    s.message = `analysis ${run.template} running`;
    break;
  }
  return done(ctx);
}

/**
 * After a restart of sluice, measurements that were in flight will never come back: ask for
 * them again at once rather than waiting for them to count as lost.
 */
export function resumeStatus(
  status: RolloutStatus,
  now: number,
): RolloutStatus {
  const s = structuredClone(status);
  for (const m of s.run?.metrics ?? []) {
    if (m.inFlight) {
      delete m.inFlight;
      m.nextAt = Math.min(m.nextAt, now);
    }
  }
  // A rollout that has not begun (an empty timeline) is starting, not resuming.
  if (!isFinished(s) && s.timeline.length > 0)
    s.timeline.push({ at: now, event: "resumed after restart" });
  return s;
}

interface Ctx {
  spec: RolloutSpec;
  s: RolloutStatus;
  actions: RolloutAction[];
  now: number;
  note(entry: Omit<TimelineEntry, "at">): void;
}

function done(ctx: Ctx): ReconcileResult {
  ctx.s.updatedAt = ctx.now;
  return { status: ctx.s, actions: ctx.actions };
}

function applyCommand(
  ctx: Ctx,
  command: RolloutCommand,
  stepCount: number,
): void {
  const { s, note } = ctx;
  switch (command.kind) {
    case "promote": {
      note({
        event: command.full ? "promote --full" : "promote",
        step: s.stepIndex,
      });
      if (s.run) finishRun(ctx, true);
      if (command.full) {
        delete s.pause;
        s.stepIndex = stepCount;
      } else if (s.pause?.reason === "Manual") {
        delete s.pause;
      } else {
        delete s.pause;
        s.stepIndex = Math.min(s.stepIndex + 1, stepCount);
      }
      s.phase = "Progressing";
      return;
    }
    case "pause":
      s.pause = { reason: "Manual", since: ctx.now };
      s.phase = "Paused";
      s.message = "paused by a user";
      note({ event: "paused", step: s.stepIndex, detail: "by a user" });
      return;
    case "abort":
      abort(ctx, command.reason ?? "aborted by a user", false);
      return;
    case "undo":
      abort(ctx, "undone by a user: back to the previous release", false);
      return;
    case "retry":
      note({ event: "retry" });
      s.aborted = false;
      s.attempt++;
      s.stepIndex = 0;
      s.weight = 0;
      s.canary = { release: s.canary.release, state: "none" };
      delete s.pause;
      delete s.run;
      delete s.finishedAt;
      delete s.canaryTrafficSince;
      s.phase = "Progressing";
      s.message = "retrying";
      return;
  }
}

function setWeight(ctx: Ctx, weight: number): void {
  const { s } = ctx;
  if (s.weight !== weight) ctx.actions.push({ kind: "setWeight", weight });
  s.weight = weight;
  if (weight > 0 && s.canaryTrafficSince === undefined)
    s.canaryTrafficSince = ctx.now;
}

function complete(ctx: Ctx): void {
  const { s, actions } = ctx;
  setWeight(ctx, 100);
  actions.push({
    kind: "promoteRelease",
    release: s.canary.release,
    previous: s.stable,
  });
  actions.push({ kind: "recordDeployment", outcome: "succeeded" });
  s.stable = s.canary.release;
  s.phase = "Healthy";
  s.message = `release ${s.canary.release} is stable`;
  s.finishedAt = ctx.now;
  ctx.note({ event: "promoted", weight: 100, detail: s.canary.release });
}

/**
 * All traffic back to stable first (the recovery), then the consequences: flags off, an
 * incident spanning from the first canary request to the recovery, the canary stopped after
 * draining, the deployment recorded.
 */
function abort(ctx: Ctx, reason: string, automatic: boolean): void {
  const { s, actions, spec } = ctx;
  if (s.run) finishRun(ctx, true);
  actions.push({ kind: "setWeight", weight: 0 });
  s.weight = 0;
  if (automatic && spec.killFlags.length > 0)
    actions.push({ kind: "killFlags", flags: spec.killFlags, reason });
  if (automatic && s.canaryTrafficSince !== undefined) {
    actions.push({
      kind: "openIncident",
      startedAt: s.canaryTrafficSince,
      reason,
    });
    actions.push({ kind: "resolveIncident" });
  }
  if (s.canary.state !== "none")
    actions.push({ kind: "stopRelease", release: s.canary.release });
  actions.push({
    kind: "recordDeployment",
    outcome: automatic ? "failed" : "rolled_back",
    reason,
  });
  s.canary.state = "stopped";
  s.aborted = true;
  delete s.pause;
  s.phase = "Degraded";
  s.message = `aborted: ${reason}`;
  s.finishedAt = ctx.now;
  ctx.note({ event: "aborted", weight: 0, detail: reason });
}

function applyResults(
  ctx: Ctx,
  run: AnalysisRun,
  observations: Observations,
): void {
  const template = ctx.spec.analysis[run.template];
  if (!template) return;
  for (const result of observations.results ?? []) {
    if (result.runId !== run.id) continue;
    const i = run.metrics.findIndex((m) => m.name === result.metric);
    const metric = run.metrics[i];
    const spec = template.metrics.find((m) => m.name === result.metric);
    if (metric && spec) recordResult(spec, metric, result);
  }
  // A measurement that never came back counts as an Error (its provider hung or sluice lost it).
  for (const metric of run.metrics) {
    const spec = template.metrics.find((m) => m.name === metric.name);
    if (
      spec &&
      metric.inFlight &&
      ctx.now - metric.inFlight.since > measurementLostAfterMs
    ) {
      recordResult(spec, metric, {
        runId: run.id,
        metric: metric.name,
        seq: metric.inFlight.seq,
        phase: "Error",
        message: "the measurement never came back",
        startedAt: metric.inFlight.since,
        finishedAt: ctx.now,
      });
    }
  }
}

/** Asks for the measurements that are due, then assesses every metric and the run. */
function schedule(ctx: Ctx, run: AnalysisRun, specs: MetricSpec[]): void {
  for (const metric of run.metrics) {
    const spec = specs.find((m) => m.name === metric.name);
    if (!spec) continue;
    metric.phase = assessMetric(spec, metric, false);
    if (isTerminal(metric.phase) || metric.inFlight) continue;
    if (metric.measurements.length >= effectiveCount(spec)) continue;
    if (ctx.now < metric.nextAt) continue;
    const seq = metric.measurements.length + 1;
    const last = metric.measurements.at(-1);
    ctx.actions.push({
      kind: "measure",
      runId: run.id,
      template: run.template,
      metric: metric.name,
      seq,
      window: { from: last?.finishedAt ?? run.startedAt, to: ctx.now },
    });
    metric.inFlight = { seq, since: ctx.now };
    metric.phase = "Running";
  }
  run.phase = runPhase(run.metrics);
}

/** Moves the current run into history; `terminate` settles metrics still running (Argo). */
function finishRun(ctx: Ctx, terminate = false): void {
  const run = ctx.s.run;
  if (!run) return;
  const template = ctx.spec.analysis[run.template];
  if (terminate && template) {
    for (const metric of run.metrics) {
      const spec = template.metrics.find((m) => m.name === metric.name);
      delete metric.inFlight;
      if (spec && !isTerminal(metric.phase))
        metric.phase = assessMetric(spec, metric, true);
    }
    if (!isTerminal(run.phase)) run.phase = runPhase(run.metrics);
  }
  for (const metric of run.metrics) delete metric.inFlight;
  run.finishedAt = ctx.now;
  ctx.s.runs.push(run);
  delete ctx.s.run;
  ctx.note({
    event: "analysis finished",
    step: run.stepIndex,
    detail: `${run.template} ${run.phase}`,
  });
}

function firstMessage(run: AnalysisRun): string {
  const bad = run.metrics.find(
    (m) =>
      m.phase === "Failed" || m.phase === "Error" || m.phase === "Inconclusive",
  );
  if (!bad) return "";
  const last = bad.measurements.at(-1);
  return `: ${bad.name} ${bad.phase}${last?.message ? ` (${last.message})` : ""}`;
}
