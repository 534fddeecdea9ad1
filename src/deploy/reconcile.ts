import {
  failureDetail,
  newAnalysisRun,
  recordResults,
  scheduleMeasurements,
  settleAnalysisRun,
} from "./analysis/run.js";
import { effectiveSteps } from "./spec.js";
import type { RolloutSpec } from "./spec.js";
import { commandError, isFinished } from "./status.js";
import type {
  Observations,
  ReconcileResult,
  RolloutAction,
  RolloutCommand,
  RolloutStatus,
  TimelineEntry,
} from "./types.js";

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

  const running = s.analysisRun && spec.analysis[s.analysisRun.template];
  if (s.analysisRun && running)
    recordResults(s.analysisRun, running, observations.results ?? [], now);

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
    if (!s.analysisRun || s.analysisRun.stepIndex !== s.stepIndex) {
      s.analysisRun = newAnalysisRun(
        `${s.attempt}.${s.stepIndex}`,
        step.template,
        template.metrics,
        s.stepIndex,
        now,
      );
      note({
        event: "analysis run started",
        step: s.stepIndex,
        detail: step.template,
      });
    }
    const analysisRun = s.analysisRun;
    actions.push(...scheduleMeasurements(analysisRun, template.metrics, now));
    if (analysisRun.phase === "Successful") {
      finishAnalysisRun(ctx);
      s.stepIndex++;
      continue;
    }
    if (analysisRun.phase === "Failed" || analysisRun.phase === "Error") {
      finishAnalysisRun(ctx);
      const why = `analysis ${analysisRun.template} ${analysisRun.phase}${failureDetail(analysisRun)}`;
      if (spec.failureAction === "pause") {
        s.pause = { reason: "AnalysisFailed", since: now };
        s.message = `${why}: paused (failure-action pause); promote to go on or abort`;
        note({ event: "paused", step: s.stepIndex, detail: s.message });
        continue;
      }
      abort(ctx, why, true);
      break;
    }
    if (analysisRun.phase === "Inconclusive") {
      finishAnalysisRun(ctx);
      s.pause = { reason: "Inconclusive", since: now };
      s.message = `analysis ${analysisRun.template} Inconclusive${failureDetail(analysisRun)}: promote to go on or abort`;
      note({ event: "paused", step: s.stepIndex, detail: s.message });
      continue;
    }
    s.phase = "Progressing";
    s.message = `analysis ${analysisRun.template} running`;
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
  for (const m of s.analysisRun?.metrics ?? []) {
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
      if (s.analysisRun) finishAnalysisRun(ctx, true);
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
      abort(
        ctx,
        command.reason ?? "aborted by a user",
        false,
        command.superseded ?? false,
      );
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
      delete s.analysisRun;
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
function abort(
  ctx: Ctx,
  reason: string,
  automatic: boolean,
  superseded = false,
): void {
  const { s, actions, spec } = ctx;
  if (s.analysisRun) finishAnalysisRun(ctx, true);
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
    // Replaced by a newer release while it waited for a person: not a failure of the change.
    outcome: automatic ? "failed" : superseded ? "superseded" : "rolled_back",
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

/** Moves the current analysis run into history; `terminate` settles metrics still running. */
function finishAnalysisRun(ctx: Ctx, terminate = false): void {
  const analysisRun = ctx.s.analysisRun;
  if (!analysisRun) return;
  settleAnalysisRun(
    analysisRun,
    ctx.spec.analysis[analysisRun.template],
    ctx.now,
    terminate,
  );
  ctx.s.analysisRuns.push(analysisRun);
  delete ctx.s.analysisRun;
  ctx.note({
    event: "analysis run finished",
    step: analysisRun.stepIndex,
    detail: `${analysisRun.template} ${analysisRun.phase}`,
  });
}
