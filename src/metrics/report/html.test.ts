import { describe, expect, it } from "vitest";
import { ManualClock } from "../../kernel/index.js";
import { computeDora, weeklyTrend } from "../dora/compute.js";
import type { Change, Deployment, MetricsData } from "../model.js";
import { comparable, renderHtml, trendRuns } from "./html.js";

describe("trend lines", () => {
  it("break at empty weeks instead of bridging them", () =>
    expect(trendRuns([1, 2, null, null, 5, null, 7, 8])).toEqual([
      { start: 0, values: [1, 2] },
      { start: 4, values: [5] },
      { start: 6, values: [7, 8] },
    ]));

  it("a series with no value has no line; 0 is a value", () => {
    expect(trendRuns([null, null])).toEqual([]);
    expect(trendRuns([0, 0])).toEqual([{ start: 0, values: [0, 0] }]);
  });
});

const day = 86_400_000;
const clock = new ManualClock(Date.UTC(2024, 3, 1));
const now = clock.now();

/** One AI-assisted change and 74 unmarked ones, each deployed a day after its commit. */
function lopsided(): MetricsData {
  const changes: Change[] = [];
  const deployments: Deployment[] = [];
  for (let i = 0; i < 75; i++) {
    const at = now - (i + 2) * day;
    changes.push({
      id: `c${i}`,
      project: "p",
      kind: "commit",
      commits: [`c${i}`],
      firstCommitAt: at,
      cohort: i === 0 ? "ai-assisted" : "unmarked",
      markers: [],
    });
    deployments.push({
      id: `d${i}`,
      project: "p",
      environment: "production",
      commit: `c${i}`,
      status: "success",
      startedAt: at + day,
      finishedAt: at + day,
      source: "sluice",
    });
  }
  return { changes, deployments, incidents: [] };
}

describe("the cohort comparison", () => {
  const options = { windowMs: 90 * day, minCohortSamples: 10 };
  const data = lopsided();
  const report = computeDora(data, options, clock);
  const html = renderHtml(report, weeklyTrend(data, options, clock), "now");

  it("is not drawn for n = 1 against n = 74: the counts and 'too few to compare' instead", () => {
    expect(report.cohorts["ai-assisted"].figures.leadTime.samples).toBe(1);
    expect(report.cohorts.unmarked.figures.leadTime.samples).toBe(74);
    expect(comparable(report, "leadTime")).toBe(false);
    expect(html).toContain(
      "<td>Change lead time</td><td>1.0 d</td><td>elite (2024)</td><td>75</td>",
    );
    expect(html).toMatch(
      /<td>Change lead time<\/td>.*<td>too few to compare \(n = 1\)<\/td><td>too few to compare \(n = 74\)<\/td>/,
    );
    expect(html).toContain('"comparable":{"deploymentFrequency":false');
  });

  it("is drawn when both cohorts reach the minimum", () => {
    const low = computeDora(data, { ...options, minCohortSamples: 1 }, clock);
    expect(comparable(low, "leadTime")).toBe(true);
    expect(renderHtml(low, weeklyTrend(data, options, clock), "now")).toMatch(
      /<td>Change lead time<\/td>.*<td>1\.0 d \(1\)<\/td><td>1\.0 d \(74\)<\/td>/,
    );
  });
});
