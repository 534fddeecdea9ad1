import type { DeploymentRecord, ReleaseRecord } from "./ports.js";

const iso = (ms: number | null) =>
  ms === null ? null : new Date(ms).toISOString();

/**
 * A project's releases and deployments, newest first, as `sluice releases --json` prints them:
 * ISO timestamps, and each deployment names its release and the one it replaced by version.
 */
export function releasesView(
  project: string,
  releases: ReleaseRecord[],
  deployments: DeploymentRecord[],
) {
  const version = new Map(releases.map((r) => [r.id, r.version]));
  return {
    project,
    releases: releases.map((r) => ({ ...r, createdAt: iso(r.createdAt) })),
    deployments: deployments.map((d) => ({
      ...d,
      release: version.get(d.releaseId) ?? d.releaseId,
      previousRelease: d.previousReleaseId
        ? (version.get(d.previousReleaseId) ?? d.previousReleaseId)
        : null,
      startedAt: iso(d.startedAt),
      finishedAt: iso(d.finishedAt),
    })),
  };
}

/** What `releasesView` gives. */
export type ReleasesView = ReturnType<typeof releasesView>;
