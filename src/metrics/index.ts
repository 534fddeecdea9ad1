// The metrics capability: events, DORA figures, AI attribution, git import, incident sources.
export type {
  Change,
  Cohort,
  Deployment,
  DeploymentStatus,
  Incident,
  Marker,
  MetricsData,
} from "./model.js";
export { cohorts } from "./model.js";
export type {
  ChangeRecord,
  DeploymentEvent,
  DeploymentEventType,
  IncidentEvent,
  IncidentEventType,
  RecordedEvents,
} from "./events.js";
export type { MetricsStore } from "./ports.js";
export {
  foldChanges,
  foldDeployments,
  foldEvents,
  foldIncidents,
} from "./fold.js";
export {
  computeDora,
  weeklyTrend,
  defaultIncidentWindowMs,
  defaultMinCohortSamples,
} from "./dora/compute.js";
export type {
  CohortFigures,
  DoraOptions,
  DoraReport,
  Figures,
  TrendPoint,
} from "./dora/compute.js";
export type { DrillDown, Figure, FigureKey } from "./dora/figure.js";
export { figureKeys, figureNames } from "./dora/figure.js";
export { prStages } from "./dora/figures.js";
export type { Stages } from "./dora/figures.js";
export { levelFor, reportYears, defaultReportYear } from "./dora/levels.js";
export type { Level, LevelResult, ReportYear } from "./dora/levels.js";
export type { Rejected } from "./dora/link.js";
export {
  createDetector,
  parseTrailers,
  splitMessage,
} from "./attribution/detect.js";
export type {
  CommitMeta,
  Detector,
  PullRequestMeta,
} from "./attribution/detect.js";
export {
  AttributionConfig,
  AttributionRule,
  builtinRules,
} from "./attribution/rules.js";
export { createMetricsService } from "./service.js";
export type {
  AttributedChange,
  DeliveryEventSink,
  DeploymentFacts,
  IncidentFacts,
  MetricsService,
  MetricsServiceDeps,
  RunFacts,
  TrendReport,
} from "./service.js";
export { importGit, readGitHistory, storeGitHistory } from "./git/import.js";
export type {
  GitHistory,
  ImportGitOptions,
  ImportGitResult,
} from "./git/import.js";
export { historyEvents } from "./git/history.js";
export { readLog, readTags } from "./git/log.js";
export type { GitCommit, GitTag } from "./git/log.js";
export { renderTable } from "./report/table.js";
export { renderHtml } from "./report/html.js";
export { formatSeconds, formatValue } from "./report/format.js";
export {
  verifyGithubSignature,
  verifyPagerDutySignature,
} from "./sources/verify.js";
export { githubEvents, githubEventNames } from "./sources/github.js";
export { alertmanagerEvents, pagerDutyEvents } from "./sources/incidents.js";
export { genericEvents, GenericEvents } from "./sources/generic.js";
export { parseDoraQuery, parseSpan, reportJson } from "./query.js";
export type { DoraQuery } from "./query.js";
export { createMetricsStore } from "./store.js";
