import type { Detector } from "../attribution/detect.js";
import type { ChangeRecord, DeploymentEvent } from "../events.js";
import type { Marker } from "../model.js";
import type { GitCommit, GitTag } from "./log.js";

/** What a git history becomes: changes and deployment events, ready to append. */
export interface GitHistoryEvents {
  changes: ChangeRecord[];
  deployments: DeploymentEvent[];
  /** Commits that were part of a first-parent change (branch commits of merges included). */
  commitCount: number;
}

const revertOrHotfix = /^(Revert "|hotfix\b|hot-fix\b)/i;

/**
 * Turns a git history into metrics events. Pure.
 *
 * Changes are the first-parent commits of `head`; a merge commit's change also holds the branch
 * commits it brings in (their earliest author time starts its lead time, their markers mark it),
 * so a merge-commit history is counted per merged branch, like a pull request.
 *
 * Deployments are the tags, in date order, each shipping the commits newly reachable from it; with
 * no tags, each first-parent commit is a deployment at its commit time. A deployment that ships a
 * revert or a `hotfix` commit is marked as a hotfix: a rework proxy from git alone.
 */
export function historyEvents(input: {
  project: string;
  head: string | undefined;
  commits: readonly GitCommit[];
  tags: readonly GitTag[] | undefined;
  detector: Detector;
  environment?: string;
}): GitHistoryEvents {
  const { project, detector } = input;
  const environment = input.environment ?? "production";
  const bySha = new Map(input.commits.map((c) => [c.sha, c]));

  // The first-parent chain, oldest first.
  const chain: GitCommit[] = [];
  for (
    let c = input.head ? bySha.get(input.head) : undefined;
    c;
    c = bySha.get(c.parents[0] ?? "")
  ) {
    chain.push(c);
  }
  chain.reverse();

  const owned = new Set<string>();
  const changes: ChangeRecord[] = [];
  const membersOf = new Map<string, string[]>();
  for (const head of chain) {
    const members = collect(head.sha, bySha, owned);
    membersOf.set(head.sha, members);
    const commits = members.map((sha) => bySha.get(sha)!);
    const markers: Marker[] = [];
    let firstAt = head.authorAt;
    for (const c of commits) {
      firstAt = Math.min(firstAt, c.authorAt);
      markers.push(...detector.commit(c));
    }
    changes.push({
      project,
      id: head.sha,
      kind: "commit",
      commits: members,
      firstCommitAt: firstAt,
      author: head.authorName,
      authorEmail: head.authorEmail,
      title: head.subject,
      trailers: head.trailers,
      cohort: markers.length > 0 ? "ai-assisted" : "unmarked",
      markers,
      source: "git",
    });
  }

  const deployments: DeploymentEvent[] = [];
  const hotfix = (shas: readonly string[]) =>
    shas.some((sha) => revertOrHotfix.test(bySha.get(sha)?.subject ?? ""));
  if (input.tags && input.tags.length > 0) {
    const shipped = new Set<string>();
    const tags = [...input.tags].sort(
      (a, b) => a.at - b.at || a.name.localeCompare(b.name),
    );
    for (const tag of tags) {
      const newly = collect(tag.commit, bySha, shipped);
      deployments.push({
        project,
        deploymentId: `git:tag:${tag.name}`,
        type: "succeeded",
        at: tag.at,
        environment,
        release: tag.name,
        commit: tag.commit,
        shipped: newly,
        ...(hotfix(newly) ? { hotfix: true } : {}),
        source: "git",
      });
    }
  } else {
    for (const head of chain) {
      const members = membersOf.get(head.sha) ?? [head.sha];
      deployments.push({
        project,
        deploymentId: `git:${head.sha}`,
        type: "succeeded",
        at: head.committerAt,
        environment,
        commit: head.sha,
        shipped: members,
        ...(hotfix(members) ? { hotfix: true } : {}),
        source: "git",
      });
    }
  }
  return { changes, deployments, commitCount: owned.size };
}

/** Commits reachable from `start` not yet in `seen` (which it extends); stops at unknown parents. */
function collect(
  start: string,
  bySha: Map<string, GitCommit>,
  seen: Set<string>,
): string[] {
  const out: string[] = [];
  const stack = [start];
  while (stack.length > 0) {
    const sha = stack.pop()!;
    if (seen.has(sha)) continue;
    const c = bySha.get(sha);
    if (!c) continue;
    seen.add(sha);
    out.push(sha);
    for (const p of c.parents) if (!seen.has(p)) stack.push(p);
  }
  return out;
}
