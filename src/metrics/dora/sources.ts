import type { Incident } from "../model.js";
import type { Linked } from "./link.js";

/** How many of a scope's deployments or incidents in the window came from one source, and what they are. */
interface SourceCount {
  source: string;
  count: number;
  /** What was counted, in words (and how to count otherwise, for a default). */
  what: string;
}

/** Where a report's figures come from: what counted as a deployment, which incidents, which failure sources. */
export interface ReportSources {
  deployments: SourceCount[];
  incidents: SourceCount[];
  /** Sources that can report a failure; empty when failures cannot be seen (see `noFailureSource`). */
  failureSources: string[];
}

// Git imports are told apart by what counted as a deployment: a commit or a tag.
export const gitFirstParent = "git (first-parent commits)";
const gitTags = "git (tags)";

const descriptions: Record<string, string> = {
  [gitFirstParent]:
    "each first-parent commit of the imported history counted as a deployment at its commit time, " +
    "because `metrics import-git` was not given --deploy-tags; to count release tags instead, " +
    "run `sluice metrics import-git --deploy-tags '<pattern>'`",
  [gitTags]:
    "release tags of the imported history (`metrics import-git --deploy-tags`), each a deployment at its tag date",
  sluice: "rollouts by `sluice deploy`",
  github: "GitHub deployment webhooks",
  api: "events posted to /api/v1/metrics/events",
  alertmanager: "Alertmanager webhooks",
  pagerduty: "PagerDuty webhooks",
};

function counted(counts: Map<string, number>): SourceCount[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([source, count]) => ({
      source,
      count,
      what: descriptions[source] ?? `${source} events`,
    }));
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The sources of the live deployments and of the incidents opened in `[from, to)`. Pure. */
export function reportSources(
  linked: Linked,
  incidents: readonly Incident[],
  scope: {
    project: string | undefined;
    environment: string;
    from: number;
    to: number;
  },
): ReportSources {
  const deployments = new Map<string, number>();
  for (let i = 0; i < linked.live.length; i++) {
    const t = linked.liveTimes[i]!;
    if (t < scope.from || t >= scope.to) continue;
    const d = linked.live[i]!;
    const source = d.source ?? "unknown";
    // A git tag import names the release; a first-parent import has none.
    if (source === "git")
      bump(deployments, d.release === undefined ? gitFirstParent : gitTags);
    else bump(deployments, source);
  }
  const opened = new Map<string, number>();
  for (const incident of incidents) {
    if (scope.project !== undefined && incident.project !== scope.project)
      continue;
    if (incident.environment && incident.environment !== scope.environment)
      continue;
    if (incident.openedAt < scope.from || incident.openedAt >= scope.to)
      continue;
    bump(opened, incident.source);
  }
  return {
    deployments: counted(deployments),
    incidents: counted(opened),
    failureSources: linked.failureSources,
  };
}
