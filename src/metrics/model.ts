/**
 * The event model the metrics are computed from. Times are milliseconds since the epoch.
 * These are the folded records (one per change, deployment, incident); the append-only events
 * they are folded from live in the store (see `fold.ts`).
 */

/** The two cohorts. "unmarked" means no marker was found, never that no AI was used. */
export type Cohort = "ai-assisted" | "unmarked";
export const cohorts: readonly Cohort[] = ["ai-assisted", "unmarked"];

/** One piece of evidence that a change is AI-assisted. */
export interface Marker {
  /** The rule that matched, e.g. `claude-code-coauthor`. */
  rule: string;
  /** The tool it names, e.g. `Claude Code`. */
  tool: string;
  /** Where it was found. */
  field:
    | "author"
    | "committer"
    | "trailer"
    | "subject"
    | "body"
    | "branch"
    | "pr-body";
  /** The matched text (an address, a trailer line), for the drill-down. */
  evidence: string;
  /** The model, when the marker names one (`Claude Opus 4.6`). */
  model?: string;
}

/** A commit, or a pull request with its commits. */
export interface Change {
  /** A commit SHA, or `pr:<repo>#<number>`. */
  id: string;
  project: string;
  kind: "commit" | "pull_request";
  /** The SHAs that belong to the change (a commit: itself; a PR: its branch commits). */
  commits: string[];
  /** The SHA that landed on the default branch (merge, squash or rebase head), when known. */
  mergeCommit?: string | undefined;
  /** The earliest author time over the change's commits: where lead time starts. */
  firstCommitAt: number;
  /** Pull requests: opened, first review by someone other than the author, merged. */
  openedAt?: number | undefined;
  firstReviewAt?: number | undefined;
  mergedAt?: number | undefined;
  author?: string | undefined;
  title?: string | undefined;
  cohort: Cohort;
  markers: Marker[];
}

/**
 * `success`: it went live; `failed`: it never went live (the pipeline failed before traffic moved);
 * `rolled_back`: it went live and was then rolled back in place (a failed canary).
 */
export type DeploymentStatus =
  "success" | "failed" | "rolled_back" | "in_progress";

/** A release going to an environment. */
export interface Deployment {
  id: string;
  project: string;
  environment: string;
  release?: string | undefined;
  /** The deployed SHA. */
  commit: string;
  /**
   * The SHAs this deployment newly shipped (the diff from the previous successful deployment), when
   * the source knows it (git import computes it). Without it a deployment ships the changes whose
   * merge commit or commits include `commit`.
   */
  shipped?: string[] | undefined;
  status: DeploymentStatus;
  startedAt: number;
  /** When it went live (success) or ended (failed, rolled back). */
  finishedAt?: number | undefined;
  /** This deployment redeploys an older release to undo deployment `rollbackOf`. */
  rollbackOf?: string | undefined;
  /** An unplanned deployment: a hotfix, patch or fix-forward. Rollbacks are always unplanned. */
  hotfix?: boolean | undefined;
  /** Incidents this deployment was made to fix (explicit evidence for rework and recovery). */
  fixes?: string[] | undefined;
  /** Where its first event came from (`sluice`, `github`, `api`, `git`, …). */
  source?: string | undefined;
}

/**
 * Sources that infer deployments from history alone (`sluice metrics import-git`): they record
 * only deployments that went out, so a scope whose deployments all come from them has no way to
 * see a failure, and its change fail rate is unknown, not 0.
 */
export const historyOnlySources: ReadonlySet<string> = new Set(["git"]);

/** A production failure, opened by a rollback or an alert and closed on recovery. */
export interface Incident {
  id: string;
  project: string;
  environment?: string | undefined;
  openedAt: number;
  resolvedAt?: number | undefined;
  severity?: string | undefined;
  /** The deployment that caused it, when the source knows (explicit evidence). */
  deploymentId?: string | undefined;
  /** A root-cause SHA, when known; linked to the deployment that shipped it. */
  commit?: string | undefined;
  source: string;
  title?: string | undefined;
}

/** Everything a computation reads. */
export interface MetricsData {
  changes: Change[];
  deployments: Deployment[];
  incidents: Incident[];
}
