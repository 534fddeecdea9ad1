import type { Clock } from "../kernel/index.js";
import type { Detector } from "./attribution/detect.js";
import type { AttributionRule } from "./attribution/rules.js";
import { createDetector, splitMessage } from "./attribution/detect.js";
import type { DoraOptions, DoraReport, TrendPoint } from "./dora/compute.js";
import { computeDora, weeklyTrend } from "./dora/compute.js";
import type { Rejected } from "./dora/link.js";
import type { ChangeRecord, DeploymentEvent, IncidentEvent } from "./events.js";
import { foldEvents } from "./fold.js";
import type { Change, Cohort, Marker, MetricsData } from "./model.js";
import type { MetricsStore } from "./ports.js";

/** Fields every deployment event may carry; `at` defaults to the clock's now. */
export interface DeploymentFacts {
  project: string;
  deploymentId: string;
  environment?: string | undefined;
  release?: string | undefined;
  commit?: string | undefined;
  rollbackOf?: string | undefined;
  hotfix?: boolean | undefined;
  fixes?: string[] | undefined;
  at?: number | undefined;
  source?: string | undefined;
}

/** Fields of an incident event; `at` defaults to the clock's now. */
export interface IncidentFacts {
  project: string;
  incidentId: string;
  environment?: string | undefined;
  severity?: string | undefined;
  deploymentId?: string | undefined;
  commit?: string | undefined;
  title?: string | undefined;
  at?: number | undefined;
  source?: string | undefined;
}

/**
 * What the deploy capability reports (its `DeliveryEvents` port is wired to this in app.ts):
 * rollouts start, succeed, fail or roll back; automated rollbacks open incidents and recovery
 * resolves them. Every call is idempotent per (deployment or incident, event type).
 */
export interface DeliveryEventSink {
  deploymentStarted(facts: DeploymentFacts): Promise<void>;
  deploymentSucceeded(facts: DeploymentFacts): Promise<void>;
  deploymentFailed(facts: DeploymentFacts): Promise<void>;
  deploymentRolledBack(facts: DeploymentFacts): Promise<void>;
  incidentOpened(facts: IncidentFacts): Promise<void>;
  incidentResolved(facts: IncidentFacts): Promise<void>;
}

/** A sluice run, as far as the metrics care: the change it ran for. */
export interface RunFacts {
  project: string;
  commit?: string | null | undefined;
  branch?: string | null | undefined;
  author?: string | null | undefined;
  authorEmail?: string | null | undefined;
  message?: string | null | undefined;
  trailers?: Record<string, string[]> | undefined;
  createdAt: number;
}

/** A change with its cohort and the markers that decided it (`sluice metrics attribution`). */
export interface AttributedChange {
  id: string;
  project: string;
  kind: Change["kind"];
  title: string | null;
  author: string | null;
  /** ISO 8601. */
  firstCommitAt: string;
  cohort: Cohort;
  markers: Marker[];
}

/** The figures, their weekly trend and when they were computed (`sluice metrics report`). */
export interface TrendReport {
  report: DoraReport;
  trend: TrendPoint[];
  /** ISO 8601. */
  generatedAt: string;
}

/** The metrics capability: ingestion (idempotent) and computation over the store. */
export interface MetricsService {
  readonly events: DeliveryEventSink;
  readonly detector: Detector;
  recordChanges(rows: readonly ChangeRecord[]): Promise<number>;
  recordDeploymentEvents(events: readonly DeploymentEvent[]): Promise<number>;
  recordIncidentEvents(events: readonly IncidentEvent[]): Promise<number>;
  /** The store's `listDeploymentIds` and `removeDeployments`, for an import that replaces an earlier one. */
  listDeploymentIds: MetricsStore["listDeploymentIds"];
  removeDeployments: MetricsStore["removeDeployments"];
  /** Records the change a sluice run ran for (a commit with its trailers), once per commit. */
  recordRun(run: RunFacts): Promise<number>;
  /**
   * The extra attribution rules of a project (`metrics.attribution` of its sluice.yml, given by
   * `sluice run` as it loads the file): its runs are attributed with them, after the built-ins.
   */
  useAttributionRules(project: string, rules: readonly AttributionRule[]): void;
  /** The folded data of one project (or all), and the events that could not be folded. */
  data(project?: string): Promise<{ data: MetricsData; rejected: Rejected[] }>;
  /** The DORA report of a scope, with fold rejections added to its warnings. */
  report(options: DoraOptions): Promise<DoraReport>;
  /** The report and its weekly trend, from one load of the data. */
  trendReport(options: DoraOptions): Promise<TrendReport>;
  /** The changes of one project (or all), oldest first, with their cohorts. */
  attribution(project?: string): Promise<AttributedChange[]>;
  /** The projects with recorded deployments or changes, sorted. */
  projects(): Promise<string[]>;
}

export interface MetricsServiceDeps {
  store: MetricsStore;
  clock: Clock;
  detector?: Detector;
}

export function createMetricsService(deps: MetricsServiceDeps): MetricsService {
  const { store, clock } = deps;
  const detector = deps.detector ?? createDetector();
  const projectDetectors = new Map<string, Detector>();

  const deployment =
    (type: DeploymentEvent["type"]) =>
    async (f: DeploymentFacts): Promise<void> => {
      await store.appendDeploymentEvents([
        { ...f, type, at: f.at ?? clock.now(), source: f.source ?? "sluice" },
      ]);
    };
  const incident =
    (type: IncidentEvent["type"]) =>
    async (f: IncidentFacts): Promise<void> => {
      await store.appendIncidentEvents([
        { ...f, type, at: f.at ?? clock.now(), source: f.source ?? "sluice" },
      ]);
    };

  const service: MetricsService = {
    detector,
    events: {
      deploymentStarted: deployment("started"),
      deploymentSucceeded: deployment("succeeded"),
      deploymentFailed: deployment("failed"),
      deploymentRolledBack: deployment("rolled_back"),
      incidentOpened: incident("opened"),
      incidentResolved: incident("resolved"),
    },
    recordChanges: (rows) => store.appendChanges(rows),
    recordDeploymentEvents: (events) => store.appendDeploymentEvents(events),
    recordIncidentEvents: (events) => store.appendIncidentEvents(events),
    listDeploymentIds: (filter) => store.listDeploymentIds(filter),
    removeDeployments: (project, ids) => store.removeDeployments(project, ids),
    useAttributionRules(project, rules) {
      if (rules.length === 0) projectDetectors.delete(project);
      else projectDetectors.set(project, createDetector(rules));
    },

    async recordRun(run) {
      if (!run.commit) return 0;
      const { subject, body } = splitMessage(run.message ?? "");
      const trailers: [string, string][] = Object.entries(
        run.trailers ?? {},
      ).flatMap(([k, values]) => values.map((v): [string, string] => [k, v]));
      const meta = {
        sha: run.commit,
        authorName: run.author ?? "",
        authorEmail: run.authorEmail ?? "",
        subject,
        body,
        trailers,
      };
      const { cohort, markers } = (
        projectDetectors.get(run.project) ?? detector
      ).change([meta]);
      return store.appendChanges([
        {
          project: run.project,
          id: run.commit,
          kind: "commit",
          commits: [run.commit],
          branch: run.branch ?? undefined,
          firstCommitAt: run.createdAt,
          author: run.author ?? undefined,
          authorEmail: run.authorEmail ?? undefined,
          title: subject || undefined,
          trailers,
          cohort,
          markers,
          source: "sluice-run",
        },
      ]);
    },
    async data(project) {
      return foldEvents(await store.load({ project }));
    },
    async report(options) {
      return reportOf(await service.data(options.project), options);
    },
    async trendReport(options) {
      const loaded = await service.data(options.project);
      return {
        report: reportOf(loaded, options),
        trend: weeklyTrend(loaded.data, options, clock),
        generatedAt: new Date(clock.now()).toISOString(),
      };
    },
    async attribution(project) {
      const { data } = await service.data(project);
      return [...data.changes]
        .sort((a, b) => a.firstCommitAt - b.firstCommitAt)
        .map((c) => ({
          id: c.id,
          project: c.project,
          kind: c.kind,
          title: c.title ?? null,
          author: c.author ?? null,
          firstCommitAt: new Date(c.firstCommitAt).toISOString(),
          cohort: c.cohort,
          markers: c.markers,
        }));
    },
    async projects() {
      const { data } = await service.data();
      return [
        ...new Set([
          ...data.deployments.map((d) => d.project),
          ...data.changes.map((c) => c.project),
        ]),
      ].sort();
    },
  };
  /** The DORA report of loaded data, with fold rejections added to its warnings. */
  function reportOf(
    { data, rejected }: { data: MetricsData; rejected: Rejected[] },
    options: DoraOptions,
  ): DoraReport {
    const report = computeDora(data, options, clock);
    for (const r of rejected)
      report.warnings.push(`${r.kind} ${r.id} left out: ${r.reason}`);
    report.rejected.push(...rejected);
    return report;
  }
  return service;
}
