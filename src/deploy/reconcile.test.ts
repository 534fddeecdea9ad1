import { describe, expect, it } from "vitest";
import { measurementLostAfterMs } from "./analysis/run.js";
import { reconcile, resumeStatus } from "./reconcile.js";
import { commandError, initialStatus, storedRolloutStatus } from "./status.js";
import { parseDeploySpec } from "./spec.js";
import type { RolloutSpec } from "./spec.js";
import type {
  MeasurementPhase,
  Observations,
  RolloutAction,
  RolloutCommand,
  RolloutStatus,
} from "./types.js";

/** One metric, measured every second, three times, Argo defaults otherwise. */
function analysis(extra: Record<string, unknown> = {}) {
  return {
    metrics: [
      {
        name: "m",
        provider: { proxy: {} },
        interval: "1s",
        count: 3,
        ...extra,
      },
    ],
  };
}

function spec(w: Record<string, unknown>): RolloutSpec {
  return parseDeploySpec(w);
}

const canary = (extra: Record<string, unknown> = {}) =>
  spec({
    steps: [{ weight: 20 }, { analysis: "a" }, { weight: 100 }],
    analysis: { a: analysis(extra) },
    "kill-flags": ["new-checkout"],
  });

/** A tick: at a time, what was observed; then what the status and actions must look like. */
interface Tick {
  at: number;
  ready?: boolean;
  failed?: string;
  /** Results for the measurements asked in earlier ticks, in order of asking. */
  results?: MeasurementPhase[];
  commands?: RolloutCommand[];
  resume?: boolean;
  phase: RolloutStatus["phase"];
  actions?: string[];
  weight?: number;
  step?: number;
  pause?: string;
}

interface Case {
  name: string;
  spec: RolloutSpec;
  stable?: string | null;
  fastTrack?: boolean;
  ticks: Tick[];
}

/** Short names for actions so the table reads well: `measure:m#1`, `setWeight:20`. */
function describeAction(a: RolloutAction): string {
  switch (a.kind) {
    case "setWeight":
      return `setWeight:${a.weight}`;
    case "measure":
      return `measure:${a.metric}#${a.seq}`;
    case "startRelease":
    case "stopRelease":
      return `${a.kind}:${a.release}`;
    case "promoteRelease":
      return `promote:${a.release}<-${a.previous}`;
    case "killFlags":
      return `killFlags:${a.flags.join(",")}`;
    case "recordDeployment":
      return `record:${a.outcome}`;
    default:
      return a.kind;
  }
}

function run(c: Case) {
  let status = initialStatus({
    release: "v2",
    stable: c.stable === undefined ? "v1" : c.stable,
    now: 0,
    ...(c.fastTrack ? { fastTrack: true } : {}),
  });
  let pending: RolloutAction[] = [];
  for (const tick of c.ticks) {
    if (tick.resume) status = resumeStatus(status, tick.at);
    const obs: Observations = {};
    if (tick.ready) obs.canary = { state: "ready" };
    if (tick.failed) obs.canary = { state: "failed", error: tick.failed };
    if (tick.commands) obs.commands = tick.commands;
    if (tick.results) {
      const asked = pending.filter((a) => a.kind === "measure");
      obs.results = tick.results.map((phase, i) => {
        const a = asked[i];
        if (a?.kind !== "measure") throw new Error("no measurement was asked");
        return {
          analysisRunId: a.analysisRunId,
          metric: a.metric,
          seq: a.seq,
          phase,
          startedAt: tick.at,
          finishedAt: tick.at,
        };
      });
      const answered = new Set<RolloutAction>(
        asked.slice(0, tick.results.length),
      );
      pending = pending.filter((a) => !answered.has(a));
    }
    const result = reconcile(c.spec, status, obs, tick.at);
    status = result.status;
    pending.push(...result.actions.filter((a) => a.kind === "measure"));
    const label = `${c.name} @${tick.at}`;
    expect(status.phase, label).toBe(tick.phase);
    if (tick.actions)
      expect(result.actions.map(describeAction), label).toEqual(tick.actions);
    if (tick.weight !== undefined)
      expect(status.weight, label).toBe(tick.weight);
    if (tick.step !== undefined)
      expect(status.stepIndex, label).toBe(tick.step);
    if (tick.pause !== undefined)
      expect(status.pause?.reason ?? "none", label).toBe(tick.pause);
  }
  return status;
}

const abortAuto = [
  "setWeight:0",
  "killFlags:new-checkout",
  "openIncident",
  "resolveIncident",
  "stopRelease:v2",
  "record:failed",
];

const cases: Case[] = [
  {
    name: "first deploy goes straight to 100% once ready",
    spec: canary(),
    stable: null,
    ticks: [
      { at: 0, phase: "Progressing", actions: ["startRelease:v2"] },
      { at: 100, phase: "Progressing", actions: [] },
      {
        at: 200,
        ready: true,
        phase: "Healthy",
        actions: ["setWeight:100", "promote:v2<-null", "record:succeeded"],
      },
    ],
  },
  {
    name: "undo is fast-tracked: no steps",
    spec: canary(),
    fastTrack: true,
    ticks: [
      { at: 0, phase: "Progressing", actions: ["startRelease:v2"] },
      {
        at: 10,
        ready: true,
        phase: "Healthy",
        actions: ["setWeight:100", "promote:v2<-v1", "record:succeeded"],
      },
    ],
  },
  {
    name: "weights only",
    spec: spec({ steps: [{ weight: 10 }, { weight: 50 }] }),
    ticks: [
      { at: 0, phase: "Progressing", actions: ["startRelease:v2"] },
      {
        at: 1,
        ready: true,
        phase: "Healthy",
        actions: [
          "setWeight:10",
          "setWeight:50",
          "setWeight:100",
          "promote:v2<-v1",
          "record:succeeded",
        ],
      },
    ],
  },
  {
    name: "timed pause",
    spec: spec({
      steps: [{ weight: 10 }, { pause: { duration: "5s" } }, { weight: 40 }],
    }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 1_000,
        ready: true,
        phase: "Paused",
        actions: ["setWeight:10"],
        pause: "PauseStep",
        step: 1,
      },
      { at: 5_999, phase: "Paused", actions: [] },
      {
        at: 6_000,
        phase: "Healthy",
        actions: [
          "setWeight:40",
          "setWeight:100",
          "promote:v2<-v1",
          "record:succeeded",
        ],
      },
    ],
  },
  {
    name: "pause until promoted",
    spec: spec({ steps: [{ weight: 10 }, { pause: {} }, { weight: 40 }] }),
    ticks: [
      { at: 0, phase: "Progressing" },
      { at: 1, ready: true, phase: "Paused", pause: "PauseStep" },
      { at: 3_600_000, phase: "Paused", actions: [] },
      {
        at: 3_600_001,
        commands: [{ kind: "promote" }],
        phase: "Healthy",
        actions: [
          "setWeight:40",
          "setWeight:100",
          "promote:v2<-v1",
          "record:succeeded",
        ],
      },
    ],
  },
  {
    name: "analysis Successful advances",
    spec: canary(),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
        weight: 20,
      },
      { at: 20, results: ["Successful"], phase: "Progressing", actions: [] },
      { at: 1_020, phase: "Progressing", actions: ["measure:m#2"] },
      { at: 1_030, results: ["Successful"], phase: "Progressing", actions: [] },
      { at: 2_030, phase: "Progressing", actions: ["measure:m#3"] },
      {
        at: 2_040,
        results: ["Successful"],
        phase: "Healthy",
        actions: ["setWeight:100", "promote:v2<-v1", "record:succeeded"],
      },
    ],
  },
  {
    name: "analysis Failed aborts with every consequence",
    spec: canary(),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      {
        at: 20,
        results: ["Failed"],
        phase: "Degraded",
        actions: abortAuto,
        weight: 0,
      },
      { at: 30, ready: true, phase: "Degraded", actions: [] },
    ],
  },
  {
    name: "failure-limit 1 tolerates one Failed",
    spec: canary({ "failure-limit": 1 }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      { at: 20, results: ["Failed"], phase: "Progressing", actions: [] },
      { at: 1_020, phase: "Progressing", actions: ["measure:m#2"] },
      { at: 1_030, results: ["Failed"], phase: "Degraded", actions: abortAuto },
    ],
  },
  {
    name: "Inconclusive pauses; promote skips the analysis",
    spec: canary(),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      {
        at: 20,
        results: ["Inconclusive"],
        phase: "Paused",
        actions: [],
        pause: "Inconclusive",
        weight: 20,
      },
      { at: 60_000, phase: "Paused", actions: [] },
      {
        at: 60_001,
        commands: [{ kind: "promote" }],
        phase: "Healthy",
        actions: ["setWeight:100", "promote:v2<-v1", "record:succeeded"],
      },
    ],
  },
  {
    name: "Inconclusive within inconclusive-limit goes on",
    spec: canary({ "inconclusive-limit": 1 }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      { at: 20, results: ["Inconclusive"], phase: "Progressing" },
      { at: 1_020, phase: "Progressing", actions: ["measure:m#2"] },
      {
        at: 1_030,
        results: ["Inconclusive"],
        phase: "Paused",
        pause: "Inconclusive",
      },
    ],
  },
  {
    name: "four consecutive Errors are tolerated, a success resets the count",
    spec: canary({ count: 6 }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      { at: 20, results: ["Error"], phase: "Progressing" },
      { at: 1_020, phase: "Progressing", actions: ["measure:m#2"] },
      { at: 1_030, results: ["Error"], phase: "Progressing" },
      { at: 2_030, phase: "Progressing", actions: ["measure:m#3"] },
      { at: 2_040, results: ["Error"], phase: "Progressing" },
      { at: 3_040, phase: "Progressing", actions: ["measure:m#4"] },
      { at: 3_050, results: ["Error"], phase: "Progressing" },
      { at: 4_050, phase: "Progressing", actions: ["measure:m#5"] },
      { at: 4_060, results: ["Successful"], phase: "Progressing" },
      { at: 5_060, phase: "Progressing", actions: ["measure:m#6"] },
      { at: 5_070, results: ["Successful"], phase: "Healthy" },
    ],
  },
  {
    name: "the fifth consecutive Error aborts",
    spec: canary({ count: 10 }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      ...[1, 2, 3, 4].flatMap((i) => [
        {
          at: i * 1_000,
          results: ["Error" as const],
          phase: "Progressing" as const,
        },
        {
          at: i * 1_000 + 1_000,
          phase: "Progressing" as const,
          actions: [`measure:m#${i + 1}`],
        },
      ]),
      { at: 5_500, results: ["Error"], phase: "Degraded", actions: abortAuto },
    ],
  },
  {
    name: "failure-action pause keeps the canary and waits",
    spec: spec({
      steps: [{ weight: 20 }, { analysis: "a" }],
      analysis: { a: analysis() },
      "failure-action": "pause",
    }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      {
        at: 20,
        results: ["Failed"],
        phase: "Paused",
        actions: [],
        pause: "AnalysisFailed",
        weight: 20,
      },
      {
        at: 30,
        commands: [{ kind: "abort" }],
        phase: "Degraded",
        actions: ["setWeight:0", "stopRelease:v2", "record:rolled_back"],
      },
    ],
  },
  {
    name: "abort during a pause: traffic to stable, no incident",
    spec: spec({ steps: [{ weight: 30 }, { pause: {} }], "kill-flags": ["f"] }),
    ticks: [
      { at: 0, phase: "Progressing" },
      { at: 1, ready: true, phase: "Paused" },
      {
        at: 2,
        commands: [{ kind: "abort" }],
        phase: "Degraded",
        actions: ["setWeight:0", "stopRelease:v2", "record:rolled_back"],
        weight: 0,
      },
    ],
  },
  {
    name: "undo in progress rolls back to stable",
    spec: spec({ steps: [{ weight: 30 }, { pause: {} }] }),
    ticks: [
      { at: 0, phase: "Progressing" },
      { at: 1, ready: true, phase: "Paused" },
      {
        at: 2,
        commands: [{ kind: "undo" }],
        phase: "Degraded",
        actions: ["setWeight:0", "stopRelease:v2", "record:rolled_back"],
      },
    ],
  },
  {
    name: "retry after an abort starts over",
    spec: canary(),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      { at: 20, results: ["Failed"], phase: "Degraded" },
      {
        at: 30,
        commands: [{ kind: "retry" }],
        phase: "Progressing",
        actions: ["startRelease:v2"],
        step: 0,
        weight: 0,
      },
      {
        at: 40,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
    ],
  },
  {
    name: "a release that fails to start aborts without touching stable",
    spec: canary(),
    ticks: [
      { at: 0, phase: "Progressing", actions: ["startRelease:v2"] },
      {
        at: 10,
        failed: "exited at once with code 1",
        phase: "Degraded",
        actions: [
          "setWeight:0",
          "killFlags:new-checkout",
          "stopRelease:v2",
          "record:failed",
        ],
      },
    ],
  },
  {
    name: "a restart mid-analysis asks again for the lost measurement",
    spec: canary(),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      { at: 500, resume: true, phase: "Progressing", actions: ["measure:m#1"] },
      {
        at: 600,
        results: ["Successful", "Successful"],
        phase: "Progressing",
        actions: [],
      },
      { at: 1_600, phase: "Progressing", actions: ["measure:m#2"] },
    ],
  },
  {
    name: "a measurement that never comes back counts as an Error",
    spec: canary({ "consecutive-error-limit": 0 }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["setWeight:20", "measure:m#1"],
      },
      {
        at: 10 + measurementLostAfterMs + 1,
        phase: "Degraded",
        actions: abortAuto,
      },
    ],
  },
  {
    name: "promote --full skips every step",
    spec: canary(),
    ticks: [
      { at: 0, phase: "Progressing" },
      { at: 10, ready: true, phase: "Progressing" },
      {
        at: 20,
        commands: [{ kind: "promote", full: true }],
        phase: "Healthy",
        actions: ["setWeight:100", "promote:v2<-v1", "record:succeeded"],
      },
    ],
  },
  {
    name: "a manual pause holds; promote resumes the same step",
    spec: spec({ steps: [{ weight: 10 }, { pause: { duration: "10s" } }] }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 0,
        commands: [{ kind: "pause" }],
        ready: true,
        phase: "Paused",
        pause: "Manual",
        step: 0,
      },
      {
        at: 1,
        commands: [{ kind: "promote" }],
        phase: "Paused",
        pause: "PauseStep",
        step: 1,
      },
    ],
  },
  {
    name: "blue-green: preview, analysis, switch, post-promotion failure switches back",
    spec: spec({
      strategy: "blue-green",
      analysis: { a: analysis({ count: 1 }) },
      "blue-green": {
        "pre-promotion-analysis": "a",
        "post-promotion-analysis": "a",
      },
    }),
    ticks: [
      { at: 0, phase: "Progressing" },
      {
        at: 10,
        ready: true,
        phase: "Progressing",
        actions: ["measure:m#1"],
        weight: 0,
      },
      {
        at: 20,
        results: ["Successful"],
        phase: "Progressing",
        actions: ["setWeight:100", "measure:m#1"],
        weight: 100,
      },
      {
        at: 30,
        results: ["Failed"],
        phase: "Degraded",
        actions: [
          "setWeight:0",
          "openIncident",
          "resolveIncident",
          "stopRelease:v2",
          "record:failed",
        ],
      },
    ],
  },
  {
    name: "blue-green without auto-promote waits before the switch",
    spec: spec({
      strategy: "blue-green",
      "blue-green": { "auto-promote": false },
    }),
    ticks: [
      { at: 0, phase: "Progressing" },
      { at: 10, ready: true, phase: "Paused", actions: [], weight: 0 },
      {
        at: 20,
        commands: [{ kind: "promote" }],
        phase: "Healthy",
        actions: ["setWeight:100", "promote:v2<-v1", "record:succeeded"],
      },
    ],
  },
];

describe("reconcile", () => {
  it.each(cases)("$name", (c) => {
    run(c);
  });

  it("returns no new actions when nothing changed", () => {
    const s = canary();
    let status = initialStatus({ release: "v2", stable: "v1", now: 0 });
    status = reconcile(s, status, {}, 0).status;
    const first = reconcile(s, status, { canary: { state: "ready" } }, 10);
    expect(first.actions.length).toBeGreaterThan(0);
    expect(reconcile(s, first.status, {}, 10).actions).toEqual([]);
  });

  it("dates the incident from the first canary request", () => {
    const s = canary();
    let status = initialStatus({ release: "v2", stable: "v1", now: 0 });
    status = reconcile(s, status, {}, 0).status;
    const ready = reconcile(s, status, { canary: { state: "ready" } }, 1_000);
    const measure = ready.actions.find((a) => a.kind === "measure");
    if (measure?.kind !== "measure") throw new Error("no measure");
    const failed = reconcile(
      s,
      ready.status,
      {
        results: [
          {
            analysisRunId: measure.analysisRunId,
            metric: "m",
            seq: 1,
            phase: "Failed",
            startedAt: 3_000,
            finishedAt: 3_000,
          },
        ],
      },
      3_000,
    );
    expect(failed.actions).toContainEqual(
      expect.objectContaining({ kind: "openIncident", startedAt: 1_000 }),
    );
    expect(failed.status.analysisRuns.at(-1)?.phase).toBe("Failed");
    expect(failed.status.timeline.map((t) => t.event)).toEqual([
      "release starting",
      "release ready",
      "weight",
      "analysis run started",
      "analysis run finished",
      "aborted",
    ]);
  });

  it.each([
    ["promote", "Healthy", { kind: "promote" }],
    ["abort", "Healthy", { kind: "abort" }],
    ["retry", "Progressing", { kind: "retry" }],
    ["undo", "Healthy", { kind: "undo" }],
  ] as const)("refuses %s when %s", (_n, phase, command) => {
    const status: RolloutStatus = {
      ...initialStatus({ release: "v2", stable: "v1", now: 0 }),
      phase,
    };
    expect(commandError(status, command)).toMatch(/./);
  });
});

describe("storedRolloutStatus", () => {
  const run = {
    id: "1.1",
    template: "default",
    stepIndex: 1,
    phase: "Successful" as const,
    metrics: [],
    startedAt: 0,
  };
  it("reads a status stored before the analysis runs got their name", () => {
    const { analysisRuns: _, ...fresh } = initialStatus({
      release: "r2",
      stable: "r1",
      now: 0,
    });
    const old = { ...fresh, runs: [run], run: { ...run, id: "1.3" } };
    const read = storedRolloutStatus(old);
    expect(read.analysisRuns).toEqual([run]);
    expect(read.analysisRun?.id).toBe("1.3");
    expect(read).not.toHaveProperty("runs");
    expect(read).not.toHaveProperty("run");
  });
  it("keeps a status stored with the names as they are", () => {
    const now = {
      ...initialStatus({ release: "r2", stable: "r1", now: 0 }),
      analysisRuns: [run],
    };
    expect(storedRolloutStatus(now)).toEqual(now);
  });
});
