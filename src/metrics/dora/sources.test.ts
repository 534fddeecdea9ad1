import { describe, expect, it } from "vitest";
import { ManualClock } from "../../kernel/index.js";
import type { Deployment, Incident, MetricsData } from "../model.js";
import { renderHtml } from "../report/html.js";
import { renderTable } from "../report/table.js";
import { computeDora, weeklyTrend } from "./compute.js";

const base = Date.UTC(2024, 0, 1);
const h = (hours: number) => base + hours * 3_600_000;
const clock = new ManualClock(h(28 * 24));
const windowMs = 28 * 24 * 3_600_000;

const dep = (
  id: string,
  at: number,
  source: string,
  extra: Partial<Deployment> = {},
): Deployment => ({
  id,
  project: "p",
  environment: "production",
  commit: id,
  shipped: [id],
  status: "success",
  startedAt: h(at),
  finishedAt: h(at),
  source,
  ...extra,
});

/** Ten deployments imported from git's first-parent history: nothing can fail in them. */
const gitOnly: MetricsData = {
  changes: [],
  deployments: Array.from({ length: 10 }, (_, i) =>
    dep(`git:c${i}`, 24 + i * 24, "git"),
  ),
  incidents: [],
};

const incident = (id: string, at: number, source: string): Incident => ({
  id,
  project: "p",
  openedAt: h(at),
  resolvedAt: h(at + 2),
  source,
});

describe("figures with no failure source", () => {
  const report = computeDora(gitOnly, { windowMs }, clock);

  it("change fail rate and recovery time are unknown, not 0 % elite", () => {
    for (const key of ["changeFailRate", "recoveryTime"] as const) {
      const f = report.figures[key];
      expect(f.value).toBeNull();
      expect(f.level).toBeNull();
      expect(f.missingSource).toBe("no failure source");
      expect(f.reason).toMatch(
        /^no failure source: import incidents or connect a webhook/,
      );
      for (const cohort of ["ai-assisted", "unmarked"] as const)
        expect(report.cohorts[cohort].figures[key].missingSource).toBe(
          "no failure source",
        );
    }
    expect(report.sources.failureSources).toEqual([]);
    // Frequency still has its source: the deployments themselves.
    expect(report.figures.deploymentFrequency.samples).toBe(10);
  });

  it("the table says so in the level column, and no cohort warning claims a comparison", () => {
    const table = renderTable(report, { byCohort: true });
    const cfr = table.split("\n").find((l) => l.startsWith("Change fail rate"));
    expect(cfr).toMatch(/n\/a\s+no failure source/);
    expect(cfr).not.toMatch(/elite|high|medium|low/);
    expect(table).toContain(
      "Change fail rate: no failure source: import incidents or connect a webhook",
    );
    expect(report.warnings.join("\n")).not.toMatch(
      /Change fail rate:.*too few/,
    );
  });

  it("the HTML report says so too", () => {
    const html = renderHtml(
      report,
      weeklyTrend(gitOnly, { windowMs }, clock),
      "now",
    );
    expect(html).toMatch(
      /<td>Change fail rate<\/td><td>n\/a<\/td><td>no failure source<\/td>/,
    );
    expect(html).toMatch(
      /<li>Deployments: 10 from git \(first-parent commits\): each first-parent commit [^<]*--deploy-tags &#39;&lt;pattern&gt;&#39;[^<]*<\/li><li>Incidents: none, and no source that could report one<\/li>/,
    );
  });

  it("the sources say first-parent commits were counted, why, and how to count tags", () => {
    expect(report.sources.deployments).toEqual([
      {
        source: "git (first-parent commits)",
        count: 10,
        what: expect.stringMatching(
          /each first-parent commit .* not given --deploy-tags; .*--deploy-tags '<pattern>'/,
        ),
      },
    ]);
    expect(renderTable(report, { byCohort: false })).toMatch(
      /Deployments: 10 from git \(first-parent commits\): each first-parent commit/,
    );
    expect(report.warnings[1]).toMatch(
      /^deployment rework rate of git-imported deployments is a proxy/,
    );
    expect(report.warnings[0]).toMatch(
      /^deployment frequency and lead time assume each first-parent commit went to production when it was committed/,
    );
  });

  it.each([
    [
      "an incident from any source",
      { ...gitOnly, incidents: [incident("i1", 24 * 3 + 1, "pagerduty")] },
      ["pagerduty"],
      0.1,
    ],
    [
      "a deployment from a source that sees failures",
      {
        ...gitOnly,
        deployments: [
          ...gitOnly.deployments,
          dep("s1", 300, "sluice", {
            status: "rolled_back",
            finishedAt: h(301),
          }),
        ],
      },
      ["sluice"],
      1 / 11,
    ],
  ])("with %s, change fail rate is computed", (_, data, sources, rate) => {
    const r = computeDora(data, { windowMs }, clock);
    expect(r.sources.failureSources).toEqual(sources);
    expect(r.figures.changeFailRate.value).toBeCloseTo(rate);
    expect(r.figures.changeFailRate.missingSource).toBeUndefined();
    expect(r.figures.changeFailRate.level).not.toBeNull();
  });

  it("tag deployments are named as tags, and incidents are counted by source", () => {
    const tagged: MetricsData = {
      changes: [],
      deployments: [
        dep("git:tag:1.0.0", 30, "git", { release: "1.0.0" }),
        dep("git:tag:v2.0.0", 60, "git", { release: "v2.0.0" }),
      ],
      incidents: [incident("i1", 61, "alertmanager")],
    };
    const r = computeDora(tagged, { windowMs }, clock);
    expect(r.sources.deployments).toEqual([
      {
        source: "git (tags)",
        count: 2,
        what: expect.stringMatching(/release tags/),
      },
    ]);
    expect(r.sources.incidents).toEqual([
      { source: "alertmanager", count: 1, what: "Alertmanager webhooks" },
    ]);
  });
});
