import { describe, expect, it } from "vitest";
import { ManualClock } from "../../kernel/index.js";
import type { Change, Cohort, Deployment, MetricsData } from "../model.js";
import { computeDora, weeklyTrend } from "./compute.js";

const base = Date.UTC(2024, 0, 1);
const h = (hours: number) => base + hours * 3_600_000;
const clock = new ManualClock(h(28 * 24));
const windowMs = 28 * 24 * 3_600_000;

const change = (id: string, at: number, cohort: Cohort): Change => ({
  id,
  project: "p",
  kind: "commit",
  commits: [id],
  firstCommitAt: h(at),
  cohort,
  markers: [],
});
const dep = (
  id: string,
  shipped: string[],
  at: number,
  extra: Partial<Deployment> = {},
) =>
  ({
    id,
    project: "p",
    environment: "production",
    commit: shipped.at(-1) ?? "x",
    shipped,
    status: "success",
    startedAt: h(at),
    finishedAt: h(at),
    ...extra,
  }) satisfies Deployment;

// ai1+un1 ship together (an AI-assisted deployment), ai2 alone, un2 alone, r1 rolls back d2.
const data: MetricsData = {
  changes: [
    change("ai1", 0, "ai-assisted"),
    change("un1", 1, "unmarked"),
    change("ai2", 10, "ai-assisted"),
    change("un2", 20, "unmarked"),
  ],
  deployments: [
    dep("d1", ["ai1", "un1"], 5),
    dep("d2", ["ai2"], 15),
    dep("r1", [], 16, { rollbackOf: "d2" }),
    dep("d3", ["un2"], 30),
  ],
  incidents: [],
};

describe("computeDora by cohort", () => {
  const report = computeDora(data, { windowMs }, clock);

  it("a deployment is AI-assisted when it ships an AI-assisted change; a rollback takes its target's cohort", () => {
    expect(
      report.cohorts["ai-assisted"].figures.deploymentFrequency.drillDown
        .deployments,
    ).toEqual(["d1", "d2", "r1"]);
    expect(
      report.cohorts.unmarked.figures.deploymentFrequency.drillDown.deployments,
    ).toEqual(["d3"]);
  });

  it("splits lead time by the change's own cohort (ai: 5 h and 5 h; unmarked: 4 h and 10 h)", () => {
    expect(report.cohorts["ai-assisted"].figures.leadTime.value).toBe(5 * 3600);
    expect(report.cohorts.unmarked.figures.leadTime.value).toBe(7 * 3600);
    expect(report.figures.leadTime.value).toBe(5 * 3600); // 4, 5, 5, 10 → 5
  });

  it("splits change fail rate with counts and a Wilson interval (ai: 1 of 3)", () => {
    const ai = report.cohorts["ai-assisted"].figures.changeFailRate;
    expect(ai.value).toBeCloseTo(1 / 3, 10);
    expect(ai.samples).toBe(3);
    expect(ai.interval?.method).toBe("wilson");
    expect(report.cohorts.unmarked.figures.changeFailRate.value).toBe(0);
    expect(report.cohorts["ai-assisted"].changes).toBe(2);
  });

  it("warns that cohorts this small cannot be compared", () => {
    expect(
      report.warnings.some((w) =>
        /Change fail rate: .*too few to compare/.test(w),
      ),
    ).toBe(true);
  });

  it("does not warn when both cohorts have enough samples", () => {
    const r = computeDora(data, { windowMs, minCohortSamples: 1 }, clock);
    expect(
      r.warnings.filter((w) => w.startsWith("Deployment frequency")),
    ).toEqual([]);
  });

  it("names the scope with ISO times and the report year", () => {
    expect(report.scope).toMatchObject({
      environment: "production",
      from: new Date(h(0)).toISOString(),
      to: new Date(h(28 * 24)).toISOString(),
      year: 2024,
    });
  });
});

describe("weeklyTrend", () => {
  it("gives four weeks, the deployments falling in the first two", () => {
    const trend = weeklyTrend(data, { windowMs }, clock);
    expect(trend).toHaveLength(4);
    expect(trend.map((p) => p.values.deploymentFrequency)).toEqual([
      4 / 7,
      0,
      0,
      0,
    ]);
    expect(trend[0]!.byCohort["ai-assisted"].deploymentFrequency).toBeCloseTo(
      3 / 7,
      10,
    );
  });
});
