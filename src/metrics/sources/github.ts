import { z } from "zod";
import type { Detector } from "../attribution/detect.js";
import { parseTrailers, splitMessage } from "../attribution/detect.js";
import type {
  ChangeRecord,
  DeploymentEvent,
  RecordedEvents,
} from "../events.js";
import { isoMs, parseOrThrow, payloadName, timeText } from "./parse.js";

/** The repository's name is the project: it is part of the signed payload. */
const Repository = z.object({ name: payloadName, full_name: z.string() });
/** Every time read below is a time (the `!` after `isoMs` relies on it). */
const iso = timeText;

const Push = z.object({
  ref: z.string(),
  repository: Repository,
  commits: z.array(
    z.object({
      id: z.string().min(7),
      message: z.string(),
      timestamp: iso,
      author: z.object({ name: z.string(), email: z.string().nullish() }),
      committer: z
        .object({ name: z.string(), email: z.string().nullish() })
        .optional(),
    }),
  ),
});

const PullRequest = z.object({
  action: z.string(),
  repository: Repository,
  pull_request: z.object({
    number: z.number().int(),
    title: z.string(),
    body: z.string().nullish(),
    created_at: iso,
    merged_at: iso.nullish(),
    merged: z.boolean().nullish(),
    merge_commit_sha: z.string().nullish(),
    user: z.object({ login: z.string() }).nullish(),
    head: z.object({ ref: z.string(), sha: z.string() }),
  }),
});

const DeploymentBody = z.object({
  id: z.number().int(),
  sha: z.string().min(7),
  ref: z.string().nullish(),
  environment: z.string(),
  created_at: iso,
});

const Deployment = z.object({
  action: z.string(),
  repository: Repository,
  deployment: DeploymentBody,
});

const DeploymentStatus = z.object({
  repository: Repository,
  deployment: DeploymentBody,
  deployment_status: z.object({
    state: z.string(),
    created_at: iso,
    updated_at: iso.nullish(),
    environment: z.string().nullish(),
  }),
});

const WorkflowRun = z.object({
  action: z.string(),
  repository: Repository,
  workflow_run: z.object({
    id: z.number().int(),
    name: z.string().nullish(),
    head_sha: z.string().min(7),
    status: z.string().nullish(),
    conclusion: z.string().nullish(),
    run_started_at: iso.nullish(),
    created_at: iso,
    updated_at: iso,
  }),
});

const Release = z.object({
  action: z.string(),
  repository: Repository,
  release: z.object({
    id: z.number().int(),
    tag_name: z.string(),
    target_commitish: z.string(),
    published_at: iso.nullish(),
    created_at: iso,
    prerelease: z.boolean().nullish(),
  }),
});

/** The GitHub events sluice reads; others are accepted and ignored. */
export const githubEventNames = [
  "push",
  "pull_request",
  "deployment",
  "deployment_status",
  "workflow_run",
  "release",
] as const;

const empty = (): RecordedEvents => ({
  changes: [],
  deployments: [],
  incidents: [],
});

/**
 * Maps one GitHub webhook delivery to metrics events. Pure; a payload of the wrong shape throws
 * INVALID_ARGUMENT naming the field. The project is the repository's name, from the signed
 * payload: nothing outside the signature may file a delivery under another project.
 */
export function githubEvents(
  event: string,
  payload: unknown,
  detector: Detector,
): RecordedEvents {
  const out = empty();
  const source = "github";
  switch (event) {
    case "push": {
      const p = parseOrThrow(Push, payload, "push");
      if (!p.ref.startsWith("refs/heads/")) return out; // tag pushes carry no commits to count
      const branch = p.ref.slice("refs/heads/".length);
      for (const c of p.commits) {
        const { subject, body } = splitMessage(c.message);
        const trailers = parseTrailers(c.message);
        const markers = detector.commit({
          sha: c.id,
          authorName: c.author.name,
          authorEmail: c.author.email ?? "",
          committerName: c.committer?.name,
          committerEmail: c.committer?.email ?? undefined,
          subject,
          body,
          trailers,
        });
        const change: ChangeRecord = {
          project: p.repository.name,
          id: c.id,
          kind: "commit",
          commits: [c.id],
          branch,
          firstCommitAt: isoMs(c.timestamp) ?? 0,
          author: c.author.name,
          authorEmail: c.author.email ?? undefined,
          title: subject,
          trailers,
          cohort: markers.length > 0 ? "ai-assisted" : "unmarked",
          markers,
          source,
        };
        out.changes.push(change);
      }
      return out;
    }
    case "pull_request": {
      const p = parseOrThrow(PullRequest, payload, "pull_request");
      const pr = p.pull_request;
      // Only a merged pull request is a change that can reach production.
      if (p.action !== "closed" || !pr.merged_at) return out;
      const { markers } = detector.change([], {
        branch: pr.head.ref,
        body: pr.body ?? undefined,
      });
      const openedAt = isoMs(pr.created_at)!;
      out.changes.push({
        project: p.repository.name,
        id: `pr:${p.repository.full_name}#${pr.number}`,
        kind: "pull_request",
        commits: [pr.head.sha],
        mergeCommit: pr.merge_commit_sha ?? undefined,
        branch: pr.head.ref,
        // Until the branch's pushed commits are folded in, the PR's opening is the earliest time known.
        firstCommitAt: openedAt,
        openedAt,
        mergedAt: isoMs(pr.merged_at),
        author: pr.user?.login,
        title: pr.title,
        trailers: [],
        cohort: markers.length > 0 ? "ai-assisted" : "unmarked",
        markers,
        source,
      });
      return out;
    }
    case "deployment": {
      const p = parseOrThrow(Deployment, payload, "deployment");
      if (p.action !== "created") return out;
      out.deployments.push({
        project: p.repository.name,
        deploymentId: `github:deployment:${p.deployment.id}`,
        type: "started",
        at: isoMs(p.deployment.created_at)!,
        environment: p.deployment.environment.toLowerCase(),
        commit: p.deployment.sha,
        release: p.deployment.ref ?? undefined,
        source,
      });
      return out;
    }
    case "deployment_status": {
      const p = parseOrThrow(DeploymentStatus, payload, "deployment_status");
      const type: DeploymentEvent["type"] | undefined =
        p.deployment_status.state === "success"
          ? "succeeded"
          : p.deployment_status.state === "failure" ||
              p.deployment_status.state === "error"
            ? "failed"
            : undefined;
      if (!type) return out; // queued, in_progress, pending, inactive: not an outcome
      out.deployments.push({
        project: p.repository.name,
        deploymentId: `github:deployment:${p.deployment.id}`,
        type,
        at: isoMs(
          p.deployment_status.updated_at ?? p.deployment_status.created_at,
        )!,
        environment: (
          p.deployment_status.environment ?? p.deployment.environment
        ).toLowerCase(),
        commit: p.deployment.sha,
        source,
      });
      return out;
    }
    case "workflow_run": {
      const p = parseOrThrow(WorkflowRun, payload, "workflow_run");
      const run = p.workflow_run;
      // As Four Keys: only completed workflows named like a deployment count.
      if (p.action !== "completed" || !/deploy/i.test(run.name ?? ""))
        return out;
      const type =
        run.conclusion === "success"
          ? "succeeded"
          : run.conclusion === "failure"
            ? "failed"
            : undefined;
      if (!type) return out;
      out.deployments.push({
        project: p.repository.name,
        deploymentId: `github:workflow_run:${run.id}`,
        type,
        at: isoMs(run.updated_at)!,
        environment: "production",
        commit: run.head_sha,
        source,
      });
      return out;
    }
    case "release": {
      const p = parseOrThrow(Release, payload, "release");
      // A published release is a deployment for libraries and tag-released services.
      if (p.action !== "published" || p.release.prerelease) return out;
      out.deployments.push({
        project: p.repository.name,
        deploymentId: `github:release:${p.release.id}`,
        type: "succeeded",
        at: isoMs(p.release.published_at ?? p.release.created_at)!,
        environment: "production",
        release: p.release.tag_name,
        commit: p.release.target_commitish,
        source,
      });
      return out;
    }
    default:
      return out;
  }
}
