import { describe, expect, it } from "vitest";
import { ManualClock } from "../../kernel/index.js";
import type {
  Change,
  Cohort,
  Deployment,
  Incident,
  MetricsData,
} from "../model.js";
import { computeDora } from "./compute.js";
import type { DoraOptions } from "./compute.js";

// Hand-built event sets; every expectation below is worked out by hand in the comment beside it.
const base = Date.UTC(2024, 0, 1);
const h = (hours: number) => base + hours * 3_600_000;
const day = 24;
const clock = new ManualClock(h(30 * day));
const options: DoraOptions = { windowMs: 30 * day * 3_600_000 }; // [h(0), h(720))

function commit(id: string, at: number, cohort: Cohort = "unmarked"): Change {
  return {
    id,
    project: "p",
    kind: "commit",
    commits: [id],
    firstCommitAt: h(at),
    cohort,
    markers: [],
  };
}
function pr(
  id: string,
  fields: Partial<Change> & { commits: string[] },
): Change {
  return {
    id,
    project: "p",
    kind: "pull_request",
    firstCommitAt: h(0),
    cohort: "unmarked",
    markers: [],
    ...fields,
  };
}
function dep(
  id: string,
  sha: string,
  at: number,
  extra: Partial<Deployment> = {},
): Deployment {
  return {
    id,
    project: "p",
    environment: "production",
    commit: sha,
    status: "success",
    startedAt: h(at) - 60_000,
    finishedAt: h(at),
    ...extra,
  };
}
function inc(
  id: string,
  opened: number,
  resolved?: number,
  extra: Partial<Incident> = {},
): Incident {
  return {
    id,
    project: "p",
    openedAt: h(opened),
    ...(resolved === undefined ? {} : { resolvedAt: h(resolved) }),
    source: "test",
    ...extra,
  };
}
const data = (d: Partial<MetricsData>): MetricsData => ({
  changes: [],
  deployments: [],
  incidents: [],
  ...d,
});
const figures = (d: MetricsData, o: Partial<DoraOptions> = {}) =>
  computeDora(d, { ...options, ...o }, clock).figures;

describe("deployment frequency", () => {
  const cases: {
    name: string;
    data: MetricsData;
    value: number | null;
    samples: number;
    extra?: Record<string, unknown>;
    reason?: RegExp;
    level?: string;
  }[] = [
    {
      name: "counts live production deployments per day; staging and failed ones are not deployments",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("d2", "b", 20),
          dep("d3", "c", 30),
          dep("s1", "c", 31, { environment: "staging" }),
          dep("f1", "d", 40, { status: "failed" }),
        ],
      }),
      value: 3 / 30,
      samples: 3,
      extra: { failedToDeploy: 1, deploymentDays: 2 }, // h10 and h20 fall on day 0, h30 on day 1
      level: "medium", // 0.1/day: weekly to monthly (≥ 1/30.44, < 1/7)
    },
    {
      name: "the same commit deployed twice is two deployments",
      data: data({ deployments: [dep("d1", "a", 10), dep("d2", "a", 200)] }),
      value: 2 / 30,
      samples: 2,
    },
    {
      name: "a rollback is a deployment; the figure without rollbacks leaves it out",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("d2", "b", 20),
          dep("d3", "c", 30),
          dep("r1", "b", 31, { rollbackOf: "d3" }),
        ],
      }),
      value: 4 / 30,
      samples: 4,
      extra: { withoutRollbacks: 3 / 30, rollbacks: 1 },
    },
    {
      name: "a canary rolled back in place went live: it counts",
      data: data({
        deployments: [dep("d1", "a", 10, { status: "rolled_back" })],
      }),
      value: 1 / 30,
      samples: 1,
    },
    {
      name: "one a day or more is on demand (elite in 2024)",
      data: data({
        deployments: Array.from({ length: 30 }, (_, i) =>
          dep(`d${i}`, `c${i}`, i * day + 1),
        ),
      }),
      value: 1,
      samples: 30,
      level: "elite",
    },
    {
      name: "deployments only before the window: a real zero",
      data: data({ deployments: [dep("d0", "a", -100)] }),
      value: 0,
      samples: 0,
    },
    {
      name: "no deployments recorded: not computable, never 0",
      data: data({ changes: [commit("a", 1)] }),
      value: null,
      samples: 0,
      reason: /no production deployments recorded/,
    },
  ];
  it.each(cases)("$name", (c) => {
    const f = figures(c.data).deploymentFrequency;
    if (c.value === null) expect(f.value).toBeNull();
    else expect(f.value).toBeCloseTo(c.value, 10);
    expect(f.samples).toBe(c.samples);
    expect(f.unit).toBe("deployments/day");
    if (c.extra) expect(f.details).toMatchObject(c.extra);
    if (c.reason) expect(f.reason).toMatch(c.reason);
    if (c.level) expect(f.level).toMatchObject({ level: c.level, year: 2024 });
  });

  it("gives the same answer whatever order the events come in", () => {
    const ds = [dep("d1", "a", 10), dep("d2", "b", 200), dep("d3", "c", 300)];
    const forward = figures(data({ deployments: ds })).deploymentFrequency;
    const backward = figures(
      data({ deployments: [...ds].reverse() }),
    ).deploymentFrequency;
    expect(backward).toEqual(forward);
  });
});

describe("change lead time", () => {
  const cases: {
    name: string;
    data: MetricsData;
    value: number | null;
    samples: number;
    extra?: Record<string, unknown>;
    changes?: string[];
    reason?: RegExp;
  }[] = [
    {
      name: "first commit to first successful production deployment",
      data: data({
        changes: [commit("a", 0)],
        deployments: [dep("d1", "a", 10)],
      }),
      value: 10 * 3600,
      samples: 1,
      changes: ["a"],
    },
    {
      name: "the same commit deployed twice keeps the first deployment",
      data: data({
        changes: [commit("a", 0)],
        deployments: [dep("d2", "a", 20), dep("d1", "a", 10)],
      }),
      value: 10 * 3600,
      samples: 1,
    },
    {
      name: "squash merge: the PR is the change, its branch commits fold into it, the squash SHA ships it",
      data: data({
        changes: [
          pr("pr:1", {
            commits: ["c1", "c2"],
            mergeCommit: "sq",
            firstCommitAt: h(0),
          }),
          commit("c1", 0),
          commit("c2", 5),
          commit("sq", 6),
        ],
        deployments: [dep("d1", "sq", 30)],
      }),
      value: 30 * 3600,
      samples: 1,
      changes: ["pr:1"],
    },
    {
      name: "rebase merge: new SHAs land; the deployment's shipped list names them",
      data: data({
        changes: [
          pr("pr:2", {
            commits: ["p1", "p2"],
            mergeCommit: "r2",
            firstCommitAt: h(2),
          }),
        ],
        deployments: [dep("d1", "r2", 26, { shipped: ["r1", "r2"] })],
      }),
      value: 24 * 3600,
      samples: 1,
    },
    {
      name: "a failed deployment does not ship; the next success does",
      data: data({
        changes: [commit("a", 0)],
        deployments: [
          dep("f1", "a", 5, { status: "failed" }),
          dep("d1", "a", 12),
        ],
      }),
      value: 12 * 3600,
      samples: 1,
    },
    {
      name: "a canary rolled back in place does not ship; the redeploy does",
      data: data({
        changes: [commit("a", 0)],
        deployments: [
          dep("c1", "a", 5, { status: "rolled_back" }),
          dep("d1", "a", 15),
        ],
      }),
      value: 15 * 3600,
      samples: 1,
    },
    {
      name: "median and p90 over several changes (1, 2, 3, 4, 10 h → 3 h; p90 = 4 + 0.6·6 = 7.6 h)",
      data: data({
        changes: [
          commit("a", 9),
          commit("b", 8),
          commit("c", 7),
          commit("d", 6),
          commit("e", 0),
        ],
        deployments: [
          dep("d1", "x", 10, { shipped: ["a", "b", "c", "d", "e"] }),
        ],
      }),
      value: 3 * 3600,
      samples: 5,
      extra: { p90: 7.6 * 3600 },
    },
    {
      name: "a first commit after its deployment (skew) is left out, not counted as 0",
      data: data({
        changes: [commit("a", 50)],
        deployments: [dep("d1", "a", 40)],
      }),
      value: null,
      samples: 0,
      extra: { negativeExcluded: 1 },
    },
    {
      name: "a change never deployed: not computable and says so",
      data: data({
        changes: [commit("a", 1)],
        deployments: [dep("d1", "zz", 5)],
      }),
      value: null,
      samples: 0,
      reason: /1 changes never deployed/,
    },
    {
      name: "a change first deployed before the window is not in it",
      data: data({
        changes: [commit("a", -50), commit("b", 100)],
        deployments: [
          dep("d0", "a", -10),
          dep("d1", "a", 120),
          dep("d2", "b", 110),
        ],
      }),
      value: 10 * 3600,
      samples: 1,
      changes: ["b"],
    },
    {
      name: "pull request stages: coding 2 h, pickup 1 h, review 2 h, deploy 3 h",
      data: data({
        changes: [
          pr("pr:3", {
            commits: ["k1"],
            mergeCommit: "m3",
            firstCommitAt: h(0),
            openedAt: h(2),
            firstReviewAt: h(3),
            mergedAt: h(5),
          }),
        ],
        deployments: [dep("d1", "m3", 8)],
      }),
      value: 8 * 3600,
      samples: 1,
      extra: {
        pullRequestStages: {
          coding: { median: 7200, samples: 1 },
          pickup: { median: 3600, samples: 1 },
          review: { median: 7200, samples: 1 },
          deploy: { median: 10800, samples: 1 },
        },
      },
    },
  ];
  it.each(cases)("$name", (c) => {
    const f = figures(c.data).leadTime;
    if (c.value === null) expect(f.value).toBeNull();
    else expect(f.value).toBeCloseTo(c.value, 6);
    expect(f.samples).toBe(c.samples);
    if (c.extra) expect(f.details).toMatchObject(c.extra);
    if (c.changes) expect(f.drillDown.changes).toEqual(c.changes);
    if (c.reason) expect(f.reason).toMatch(c.reason);
  });
});

describe("change fail rate", () => {
  const four = [
    dep("d1", "a", 10),
    dep("d2", "b", 20),
    dep("d3", "c", 30),
    dep("d4", "d", 40),
  ];
  const cases: {
    name: string;
    data: MetricsData;
    value: number | null;
    samples: number;
    failed?: string[];
    unattributed?: string[];
    reason?: RegExp;
  }[] = [
    {
      name: "an incident linked by id and a canary rolled back in place: 2 of 4",
      data: data({
        deployments: [
          ...four.slice(0, 3),
          dep("d4", "d", 40, { status: "rolled_back" }),
        ],
        incidents: [inc("i1", 100, 101, { deploymentId: "d1" })],
      }),
      value: 0.5,
      samples: 4,
      failed: ["d1", "d4"],
    },
    {
      name: "two incidents on one deployment count once",
      data: data({
        deployments: four.slice(0, 2),
        incidents: [inc("i1", 21, 22), inc("i2", 23, 24)],
      }),
      value: 0.5,
      samples: 2,
      failed: ["d2"],
    },
    {
      name: "an incident with no deployment in the 24 h window is unattributed; the rest stands",
      data: data({
        deployments: [dep("d1", "a", 10)],
        incidents: [inc("i1", 40, 41)],
      }),
      value: 0,
      samples: 1,
      failed: [],
      unattributed: ["i1"],
    },
    {
      name: "an incident within the window links to the latest deployment before it",
      data: data({ deployments: four, incidents: [inc("i1", 22, 23)] }),
      value: 0.25,
      samples: 4,
      failed: ["d2"],
    },
    {
      name: "a root-cause commit links to the deployment that shipped it, not the latest",
      data: data({
        deployments: four,
        incidents: [inc("i1", 41, 42, { commit: "a" })],
      }),
      value: 0.25,
      samples: 4,
      failed: ["d1"],
    },
    {
      name: "an incident resolved before it opened is left out",
      data: data({ deployments: four, incidents: [inc("i1", 22, 21)] }),
      value: 0,
      samples: 4,
      failed: [],
    },
    {
      name: "a deployment that failed before going live is neither failure nor deployment",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("f1", "b", 11, { status: "failed" }),
        ],
      }),
      value: 0,
      samples: 1,
    },
    {
      name: "a rollback deployment marks the deployment it undoes as failed",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("d2", "b", 20),
          dep("r1", "a", 21, { rollbackOf: "d2" }),
        ],
      }),
      value: 1 / 3,
      samples: 3,
      failed: ["d2"],
    },
    {
      name: "never above 100%: five incidents on each of two deployments",
      data: data({
        deployments: four.slice(0, 2),
        incidents: [1, 2, 3, 4, 5].flatMap((i) => [
          inc(`a${i}`, 10 + i / 10, 12, { deploymentId: "d1" }),
          inc(`b${i}`, 20 + i / 10, 22, { deploymentId: "d2" }),
        ]),
      }),
      value: 1,
      samples: 2,
    },
    {
      name: "no deployments: not computable",
      data: data({ incidents: [inc("i1", 1, 2)] }),
      value: null,
      samples: 0,
      reason: /no production deployments/,
    },
  ];
  it.each(cases)("$name", (c) => {
    const report = computeDora(c.data, options, clock);
    const f = report.figures.changeFailRate;
    expect(f.value).toBe(c.value);
    expect(f.samples).toBe(c.samples);
    if (c.failed) expect(f.drillDown.deployments.sort()).toEqual(c.failed);
    if (c.unattributed)
      expect(report.unattributedIncidents).toEqual(c.unattributed);
    if (c.reason) expect(f.reason).toMatch(c.reason);
  });

  it("lists an incident resolved before it opened as rejected, with the reason", () => {
    const report = computeDora(
      data({ deployments: four, incidents: [inc("i1", 22, 21)] }),
      options,
      clock,
    );
    expect(report.rejected).toEqual([
      { kind: "incident", id: "i1", reason: "resolved before it opened" },
    ]);
    expect(report.warnings.join("\n")).toMatch(
      /incident i1 left out: resolved before it opened/,
    );
  });

  it("links incidents with a wider configured window", () => {
    const d = data({
      deployments: [dep("d1", "a", 10)],
      incidents: [inc("i1", 40, 41)],
    });
    expect(
      figures(d, { incidentWindowMs: 48 * 3_600_000 }).changeFailRate.value,
    ).toBe(1);
  });
});

describe("failed deployment recovery time", () => {
  const cases: {
    name: string;
    data: MetricsData;
    value: number | null;
    samples: number;
    reason?: RegExp;
  }[] = [
    {
      name: "incident opened to resolved: 2 h",
      data: data({
        deployments: [dep("d1", "a", 10)],
        incidents: [inc("i1", 10.5, 12.5)],
      }),
      value: 7200,
      samples: 1,
    },
    {
      name: "canary rolled back in place: start to rollback done, in seconds (30 min)",
      data: data({
        deployments: [
          {
            ...dep("d1", "a", 10),
            startedAt: h(10),
            finishedAt: h(10.5),
            status: "rolled_back",
          },
        ],
      }),
      value: 1800,
      samples: 1,
    },
    {
      name: "rollback deployment, no incident: went live to rollback live, 3 h",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("r1", "z", 13, { rollbackOf: "d1" }),
        ],
      }),
      value: 3 * 3600,
      samples: 1,
    },
    {
      name: "incident and rollback: the earliest recovery counts (rollback at h12, opened h11)",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("r1", "z", 12, { rollbackOf: "d1" }),
        ],
        incidents: [inc("i1", 11, 14, { deploymentId: "d1" })],
      }),
      value: 3600,
      samples: 1,
    },
    {
      name: "a fix deployment that names the incident ends it (opened h11, fix live h15)",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("d2", "b", 15, { hotfix: true, fixes: ["i1"] }),
        ],
        incidents: [inc("i1", 11)],
      }),
      value: 4 * 3600,
      samples: 1,
    },
    {
      name: "not recovered yet: not computable, says so",
      data: data({
        deployments: [dep("d1", "a", 10)],
        incidents: [inc("i1", 11)],
      }),
      value: null,
      samples: 0,
      reason: /1 failed deployments have not recovered yet/,
    },
    {
      name: "an incident resolved before it opened gives no recovery time",
      data: data({
        deployments: [dep("d1", "a", 10)],
        incidents: [inc("i1", 12, 11)],
      }),
      value: null,
      samples: 0,
      reason: /no failed deployments in the window/,
    },
    {
      name: "median of 1 h, 2 h and 9 h is 2 h",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("d2", "b", 100),
          dep("d3", "c", 200),
        ],
        incidents: [
          inc("i1", 11, 12),
          inc("i2", 101, 103),
          inc("i3", 201, 210),
        ],
      }),
      value: 7200,
      samples: 3,
    },
  ];
  it.each(cases)("$name", (c) => {
    const f = figures(c.data).recoveryTime;
    expect(f.value).toBe(c.value);
    expect(f.samples).toBe(c.samples);
    if (c.reason) expect(f.reason).toMatch(c.reason);
  });
});

describe("deployment rework rate", () => {
  const cases: {
    name: string;
    data: MetricsData;
    value: number | null;
    samples: number;
    rework?: string[];
  }[] = [
    {
      name: "a rollback, a hotfix and a deployment naming an incident: 3 of 5",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("d2", "b", 20),
          dep("r1", "a", 21, { rollbackOf: "d2" }),
          dep("h1", "c", 30, { hotfix: true }),
          dep("f1", "d", 40, { fixes: ["i9"] }),
        ],
      }),
      value: 0.6,
      samples: 5,
      rework: ["f1", "h1", "r1"],
    },
    {
      name: "only planned deployments: 0",
      data: data({ deployments: [dep("d1", "a", 10), dep("d2", "b", 20)] }),
      value: 0,
      samples: 2,
    },
    {
      name: "a hotfix that failed before going live is not a deployment",
      data: data({
        deployments: [
          dep("d1", "a", 10),
          dep("h1", "b", 20, { hotfix: true, status: "failed" }),
        ],
      }),
      value: 0,
      samples: 1,
    },
    {
      name: "no deployments: not computable",
      data: data({}),
      value: null,
      samples: 0,
    },
  ];
  it.each(cases)("$name", (c) => {
    const f = figures(c.data).reworkRate;
    expect(f.value).toBe(c.value);
    expect(f.samples).toBe(c.samples);
    if (c.rework) expect(f.drillDown.deployments.sort()).toEqual(c.rework);
    // No DORA report publishes rework clusters: the level says so instead of guessing.
    if (c.value !== null) expect(f.level).toMatchObject({ level: null });
  });
});
