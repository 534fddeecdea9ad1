import { describe, expect, it } from "vitest";
import type { Job } from "../config/index.js";
import { pipeline } from "./engine.testkit.js";
import type { JobEnd } from "./next-jobs.js";
import { needsContext, nextJobs, runResult } from "./next-jobs.js";
import type { JobDecision } from "./next-jobs.js";
import { plan } from "./plan.js";
import type { JobStatus, RunStatus, TriggerFacts } from "./ports.js";

const push: TriggerFacts = { event: "push", branch: "main", commit: "abc123" };

const step = [{ run: "true" }];
const job = (extra: Partial<Job> = {}): Job => ({ steps: step, ...extra });

/** `build → test → deploy`, the shape most cases start from. */
const chain = (deploy: Partial<Job> = {}): Record<string, Job> => ({
  build: job(),
  test: job({ needs: ["build"] }),
  deploy: job({ needs: ["test"], ...deploy }),
});

/** A three-cell matrix `test (n: 1..3)` and a `report` after it. */
const matrix = (extra: Partial<Job> = {}): Record<string, Job> => ({
  test: job({ matrix: { n: [1, 2, 3] }, ...extra }),
  report: job({ needs: ["test"] }),
});

interface Case {
  name: string;
  jobs: Record<string, Job>;
  facts?: TriggerFacts;
  /** Jobs that ended, by key: a status, or a status with outputs. */
  ended?: Record<string, JobStatus | JobEnd>;
  running?: string[];
  cancelled?: boolean;
  tripped?: string[];
  maxParallel?: number;
  /** `start <key>`, or `<status> <key>` (`: <error>` when there is one); RegExp for messages. */
  decisions: (string | RegExp)[];
  /** The run's status once nothing runs and nothing can start; absent while it goes on. */
  finished?: RunStatus;
}

function describeDecision(d: JobDecision): string {
  if (d.action === "start") return `start ${d.job.key}`;
  return `${d.status} ${d.job.key}${d.error ? `: ${d.error}` : ""}`;
}

const cases: Case[] = [
  {
    name: "a held job (the gate) leaves what needs it undecided, directly or not: the run ends held",
    jobs: { ...chain(), after: job({ needs: ["deploy"], if: "always()" }) },
    ended: { build: "success", test: "held" },
    decisions: [],
    finished: "held",
  },
  {
    name: "a job that does not need the held one still runs, and the run is held once it ends",
    jobs: { ...chain(), lint: job() },
    ended: { build: "success", test: "held" },
    decisions: ["start lint"],
  },
  {
    name: "a failure beats a hold",
    jobs: { ...chain(), lint: job() },
    ended: { build: "success", test: "held", lint: "failure" },
    decisions: [],
    finished: "failure",
  },
  {
    name: "a resumed run (the held job ended success now) goes on after it",
    jobs: chain(),
    ended: { build: "success", test: "success" },
    decisions: ["start deploy"],
  },
  {
    name: "a new run starts the jobs that need nothing",
    jobs: { ...chain(), lint: job() },
    decisions: ["start build", "start lint"],
  },
  {
    name: "a job waits until everything it needs has ended",
    jobs: chain(),
    running: ["build"],
    decisions: [],
  },
  {
    name: "a job starts once its needs succeeded",
    jobs: chain(),
    ended: { build: "success" },
    decisions: ["start test"],
  },
  {
    name: "a failed need skips its dependents, and theirs in the same pass",
    jobs: chain(),
    ended: { build: "failure" },
    decisions: ["skipped test", "skipped deploy"],
    finished: "failure",
  },
  {
    name: "failure() runs a job after a failed ancestor, not only a failed need",
    jobs: chain({ if: "failure()" }),
    ended: { build: "failure" },
    decisions: ["skipped test", "start deploy"],
  },
  {
    name: "always() runs after a failure",
    jobs: chain({ if: "always()" }),
    ended: { build: "success", test: "failure" },
    decisions: ["start deploy"],
  },
  {
    name: "continue-on-error: a failed need counts as a success for its dependents and the run",
    jobs: {
      build: job({ "continue-on-error": true }),
      test: job({ needs: ["build"] }),
    },
    ended: { build: "failure", test: "success" },
    decisions: [],
    finished: "success",
  },
  {
    name: "an if over the trigger's facts is evaluated against them",
    jobs: chain({ if: "branch == 'release'" }),
    ended: { build: "success", test: "success" },
    decisions: ["skipped deploy"],
    finished: "success",
  },
  {
    name: "an if over a need's outputs sees them",
    jobs: chain({ if: "needs.test.outputs.ship == 'yes'" }),
    ended: {
      build: "success",
      test: { status: "success", outputs: { ship: "yes" } },
    },
    decisions: ["start deploy"],
  },
  {
    name: "a bad if fails the job without starting it",
    jobs: chain({ if: "success() &&" }),
    ended: { build: "success", test: "success" },
    decisions: [/^failure deploy: .+/],
    finished: "failure",
  },
  {
    name: "at most maxParallel jobs run; the others wait, in plan order",
    jobs: { a: job(), b: job(), c: job(), d: job() },
    running: ["a"],
    maxParallel: 2,
    decisions: ["start b"],
  },
  {
    name: "a job decided not to start takes no parallel slot",
    jobs: {
      a: job(),
      skipped: job({ needs: ["a"], if: "branch == 'x'" }),
      b: job({ needs: ["a"] }),
      c: job({ needs: ["a"] }),
    },
    ended: { a: "success" },
    maxParallel: 1,
    decisions: ["skipped skipped", "start b"],
  },
  {
    name: "a matrix's max-parallel limits its cells below the run's limit",
    jobs: matrix({ "max-parallel": 2 }),
    running: ["test (n: 1)"],
    decisions: ["start test (n: 2)"],
  },
  {
    name: "fail-fast: a tripped matrix cancels the cells not started yet, and its dependents skip",
    jobs: matrix(),
    ended: { "test (n: 1)": "failure" },
    running: ["test (n: 2)"],
    tripped: ["test"],
    decisions: [
      "cancelled test (n: 3): cancelled by a failed matrix sibling (fail-fast)",
    ],
  },
  {
    name: "after a cancel the jobs not started are cancelled, and always() ones still start",
    jobs: chain({ if: "always()" }),
    ended: { build: "success" },
    cancelled: true,
    decisions: ["cancelled test", "start deploy"],
  },
  {
    name: "a cancelled run is cancelled whatever its jobs ended with",
    jobs: chain(),
    ended: { build: "success", test: "cancelled", deploy: "cancelled" },
    cancelled: true,
    decisions: [],
    finished: "cancelled",
  },
  {
    name: "a cancelled job (a concurrency group superseded it) cancels a run with no failure",
    jobs: { a: job(), b: job() },
    ended: { a: "success", b: "cancelled" },
    decisions: [],
    finished: "cancelled",
  },
  {
    name: "the run is not finished while a job runs",
    jobs: { a: job(), b: job() },
    ended: { a: "success" },
    running: ["b"],
    decisions: [],
  },
  {
    name: "every job ended: the run is finished with the worst of their results",
    jobs: chain(),
    ended: { build: "success", test: "success", deploy: "success" },
    decisions: [],
    finished: "success",
  },
];

function progressOf(c: Case) {
  const results = new Map<string, JobEnd>(
    Object.entries(c.ended ?? {}).map(([key, end]) => [
      key,
      typeof end === "string" ? { status: end, outputs: {} } : end,
    ]),
  );
  return {
    results,
    running: new Set(c.running ?? []),
    cancelled: c.cancelled ?? false,
    tripped: new Set(c.tripped ?? []),
    maxParallel: c.maxParallel ?? 4,
  };
}

describe("nextJobs", () => {
  it.each(cases)("$name", (c) => {
    const p = plan(pipeline(c.jobs), c.facts ?? push);
    const next = nextJobs(p, progressOf(c));
    const got = next.decisions.map(describeDecision);
    expect(got).toHaveLength(c.decisions.length);
    c.decisions.forEach((want, i) =>
      typeof want === "string"
        ? expect(got[i]).toBe(want)
        : expect(got[i]).toMatch(want),
    );
    expect(next.finished).toBe(c.finished);
  });

  it("decides nothing twice: applying the decisions and asking again moves on", () => {
    const p = plan(pipeline(chain()), push);
    const results = new Map<string, JobEnd>();
    const order: string[] = [];
    for (let round = 0; round < 5; round++) {
      const next = nextJobs(p, {
        results,
        running: new Set(),
        cancelled: false,
        tripped: new Set(),
        maxParallel: 4,
      });
      if (next.finished) {
        expect(next.finished).toBe("success");
        break;
      }
      for (const d of next.decisions) {
        order.push(describeDecision(d));
        // Each started job ends at once, successfully.
        results.set(d.job.key, { status: "success", outputs: {} });
      }
    }
    expect(order).toEqual(["start build", "start test", "start deploy"]);
  });
});

describe("needsContext", () => {
  it("gives a matrix need its worst cell result and every cell's outputs", () => {
    const p = plan(pipeline(matrix()), push);
    const report = p.jobs.find((j) => j.key === "report")!;
    const results = new Map<string, JobEnd>([
      ["test (n: 1)", { status: "success", outputs: { a: "1" } }],
      ["test (n: 2)", { status: "failure", outputs: { b: "2" } }],
      ["test (n: 3)", { status: "cancelled", outputs: {} }],
    ]);
    expect(needsContext(p, report, results)).toEqual({
      test: { result: "failure", outputs: { a: "1", b: "2" } },
    });
  });
});

describe("runResult", () => {
  it("lists every planned job, a job that never ended as skipped", () => {
    const p = plan(pipeline(chain()), push);
    const result = runResult(
      p,
      new Map([["build", { status: "failure", outputs: {}, steps: [] }]]),
      false,
    );
    expect(result.status).toBe("failure");
    expect(Object.keys(result.jobs)).toEqual(["build", "test", "deploy"]);
    expect(result.jobs.deploy!.status).toBe("skipped");
  });
});
