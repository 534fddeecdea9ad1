import type {
  RecordedEvents,
  DeploymentEvent,
  IncidentEvent,
  ChangeRecord,
} from "./events.js";
import type {
  Change,
  Deployment,
  DeploymentStatus,
  Incident,
  MetricsData,
} from "./model.js";
import type { Rejected } from "./dora/link.js";

const terminalRank: Record<DeploymentEvent["type"], number> = {
  started: 0,
  succeeded: 1,
  failed: 2,
  rolled_back: 3,
};
const statusOf: Record<DeploymentEvent["type"], DeploymentStatus> = {
  started: "in_progress",
  succeeded: "success",
  failed: "failed",
  rolled_back: "rolled_back",
};

function groupBy<T>(
  items: readonly T[],
  key: (t: T) => string,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** The first defined value of a field over events ordered by time. */
function first<T, K extends keyof T>(
  events: readonly T[],
  field: K,
): T[K] | undefined {
  for (const e of events)
    if (e[field] !== undefined && e[field] !== null) return e[field];
  return undefined;
}

/**
 * Folds deployment events into deployments, by event time (not arrival): the latest terminal
 * event decides the status (on equal times rolled_back > failed > succeeded), the earliest event
 * is the start. A deployment with no commit is rejected.
 */
export function foldDeployments(events: readonly DeploymentEvent[]): {
  deployments: Deployment[];
  rejected: Rejected[];
} {
  const deployments: Deployment[] = [];
  const rejected: Rejected[] = [];
  for (const group of groupBy(
    events,
    (e) => `${e.project}\u0000${e.deploymentId}`,
  ).values()) {
    const sorted = [...group].sort((a, b) => a.at - b.at);
    const head = sorted[0]!;
    let terminal: DeploymentEvent | undefined;
    for (const e of sorted) {
      if (e.type === "started") continue;
      if (
        !terminal ||
        e.at > terminal.at ||
        (e.at === terminal.at &&
          terminalRank[e.type] > terminalRank[terminal.type])
      ) {
        terminal = e;
      }
    }
    const commit = first(sorted, "commit");
    if (!commit) {
      rejected.push({
        kind: "deployment",
        id: head.deploymentId,
        reason: "no commit recorded",
      });
      continue;
    }
    const started = sorted.find((e) => e.type === "started");
    deployments.push({
      id: head.deploymentId,
      project: head.project,
      environment: first(sorted, "environment") ?? "production",
      release: first(sorted, "release"),
      commit,
      shipped: first(sorted, "shipped"),
      status: terminal ? statusOf[terminal.type] : "in_progress",
      startedAt: (started ?? head).at,
      finishedAt: terminal?.at,
      rollbackOf: first(sorted, "rollbackOf"),
      hotfix: first(sorted, "hotfix"),
      fixes: first(sorted, "fixes"),
      source: head.source,
    });
  }
  return { deployments, rejected };
}

/**
 * Folds incident events: opened at the earliest `opened` event (or the `openedAt` a resolution
 * carries), resolved at the latest `resolved` event. One with no opening time is rejected.
 */
export function foldIncidents(events: readonly IncidentEvent[]): {
  incidents: Incident[];
  rejected: Rejected[];
} {
  const incidents: Incident[] = [];
  const rejected: Rejected[] = [];
  for (const group of groupBy(
    events,
    (e) => `${e.project}\u0000${e.incidentId}`,
  ).values()) {
    const sorted = [...group].sort((a, b) => a.at - b.at);
    const head = sorted[0]!;
    const opened = sorted.filter((e) => e.type === "opened").map((e) => e.at);
    const openedAt =
      opened.length > 0 ? Math.min(...opened) : first(sorted, "openedAt");
    const resolved = sorted
      .filter((e) => e.type === "resolved")
      .map((e) => e.at);
    if (openedAt === undefined) {
      rejected.push({
        kind: "incident",
        id: head.incidentId,
        reason: "no opening time recorded",
      });
      continue;
    }
    incidents.push({
      id: head.incidentId,
      project: head.project,
      environment: first(sorted, "environment"),
      openedAt,
      resolvedAt: resolved.length > 0 ? Math.max(...resolved) : undefined,
      severity: first(sorted, "severity"),
      deploymentId: first(sorted, "deploymentId"),
      commit: first(sorted, "commit"),
      source: head.source,
      title: first(sorted, "title"),
    });
  }
  return { incidents, rejected };
}

/**
 * Changes from records. A pull request's commits are its recorded ones plus the pushed commits of
 * its head branch (push webhooks know the branch, pull_request webhooks do not list commits); its
 * first commit time and markers then cover them.
 */
export function foldChanges(records: readonly ChangeRecord[]): Change[] {
  const commitsByBranch = groupBy(
    records.filter((r) => r.kind === "commit" && r.branch),
    (r) => `${r.project}\u0000${r.branch}`,
  );
  return records.map((r) => {
    const change: Change = {
      id: r.id,
      project: r.project,
      kind: r.kind,
      commits: r.commits,
      mergeCommit: r.mergeCommit,
      firstCommitAt: r.firstCommitAt,
      openedAt: r.openedAt,
      firstReviewAt: r.firstReviewAt,
      mergedAt: r.mergedAt,
      author: r.author,
      title: r.title,
      cohort: r.cohort,
      markers: r.markers,
    };
    if (r.kind !== "pull_request" || !r.branch) return change;
    const pushed = commitsByBranch.get(`${r.project}\u0000${r.branch}`) ?? [];
    if (pushed.length === 0) return change;
    const commits = new Set([...r.commits, ...pushed.map((p) => p.id)]);
    const markers = [...r.markers, ...pushed.flatMap((p) => p.markers)];
    return {
      ...change,
      commits: [...commits],
      firstCommitAt: Math.min(
        r.firstCommitAt,
        ...pushed.map((p) => p.firstCommitAt),
      ),
      markers,
      cohort: markers.length > 0 ? "ai-assisted" : "unmarked",
    };
  });
}

/** Everything recorded, folded into the data the figures read, with what had to be left out. */
export function foldEvents(events: RecordedEvents): {
  data: MetricsData;
  rejected: Rejected[];
} {
  const d = foldDeployments(events.deployments);
  const i = foldIncidents(events.incidents);
  return {
    data: {
      changes: foldChanges(events.changes),
      deployments: d.deployments,
      incidents: i.incidents,
    },
    rejected: [...d.rejected, ...i.rejected],
  };
}
