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

/** Deployment ids of tag imports start with this; first-parent imports use `git:<sha>`. */
export const tagDeploymentPrefix = "git:tag:";

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
  const graph = indexGraph(input.commits);
  const { commits, index } = graph;

  // The first-parent chain, oldest first.
  const chain: number[] = [];
  for (
    let i = input.head === undefined ? -1 : (index.get(input.head) ?? -1);
    i >= 0;
    i = graph.firstParent(i)
  ) {
    chain.push(i);
  }
  chain.reverse();

  const owned = new Uint8Array(commits.length);
  const changes: ChangeRecord[] = [];
  const membersOf = new Map<number, string[]>();
  for (const h of chain) {
    const head = commits[h]!;
    const members = graph.collect(h, owned);
    let markers: Marker[] = [];
    let firstAt = head.authorAt;
    const shas = new Array<string>(members.length);
    for (let k = 0; k < members.length; k++) {
      const c = commits[members[k]!]!;
      shas[k] = c.sha;
      if (c.authorAt < firstAt) firstAt = c.authorAt;
      const found = detector.commit(c);
      if (found.length > 0)
        markers = markers.length === 0 ? found : markers.concat(found);
    }
    membersOf.set(h, shas);
    changes.push({
      project,
      id: head.sha,
      kind: "commit",
      commits: shas,
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
  const hotfix = (members: readonly number[]) =>
    members.some((i) => revertOrHotfix.test(commits[i]!.subject));
  if (input.tags && input.tags.length > 0) {
    const shipped = new Uint8Array(commits.length);
    const tags = [...input.tags].sort(
      (a, b) => a.at - b.at || a.name.localeCompare(b.name),
    );
    for (const tag of tags) {
      const start = index.get(tag.commit);
      const newly = start === undefined ? [] : graph.collect(start, shipped);
      deployments.push({
        project,
        deploymentId: `${tagDeploymentPrefix}${tag.name}`,
        type: "succeeded",
        at: tag.at,
        environment,
        release: tag.name,
        commit: tag.commit,
        shipped: newly.map((i) => commits[i]!.sha),
        ...(hotfix(newly) ? { hotfix: true } : {}),
        source: "git",
      });
    }
  } else {
    for (const h of chain) {
      const head = commits[h]!;
      const members = membersOf.get(h) ?? [head.sha];
      const hot = members.some((sha) =>
        revertOrHotfix.test(commits[index.get(sha)!]!.subject),
      );
      deployments.push({
        project,
        deploymentId: `git:${head.sha}`,
        type: "succeeded",
        at: head.committerAt,
        environment,
        commit: head.sha,
        shipped: members,
        ...(hot ? { hotfix: true } : {}),
        source: "git",
      });
    }
  }
  let commitCount = 0;
  for (const o of owned) commitCount += o;
  return { changes, deployments, commitCount };
}

/**
 * The commit graph by position: each SHA is hashed once, parents become indexes (-1 for a parent
 * outside the log, e.g. cut by `--since`), and walks mark a byte array instead of a set of SHAs.
 */
function indexGraph(commits: readonly GitCommit[]) {
  const index = new Map<string, number>();
  for (let i = 0; i < commits.length; i++) index.set(commits[i]!.sha, i);
  const start = new Int32Array(commits.length + 1);
  let total = 0;
  for (let i = 0; i < commits.length; i++) {
    start[i] = total;
    total += commits[i]!.parents.length;
  }
  start[commits.length] = total;
  const parents = new Int32Array(total);
  for (let i = 0, k = 0; i < commits.length; i++)
    for (const p of commits[i]!.parents) parents[k++] = index.get(p) ?? -1;

  return {
    commits,
    index,
    firstParent: (i: number) =>
      start[i + 1]! > start[i]! ? parents[start[i]!]! : -1,
    /** Commits reachable from `from` not yet marked in `seen` (which it marks), depth first. */
    collect(from: number, seen: Uint8Array): number[] {
      const out: number[] = [];
      const stack = [from];
      while (stack.length > 0) {
        const i = stack.pop()!;
        if (seen[i]) continue;
        seen[i] = 1;
        out.push(i);
        for (let k = start[i]!; k < start[i + 1]!; k++) {
          const p = parents[k]!;
          if (p >= 0 && !seen[p]) stack.push(p);
        }
      }
      return out;
    },
  };
}
