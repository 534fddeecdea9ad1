import { createHash } from "node:crypto";
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
    // A release's environment may hold credentials: its values are shown as their sha256, as
    // the deployment evidence gives them, so two releases can still be told apart.
    releases: releases.map((r) => ({
      ...r,
      env: Object.fromEntries(
        Object.entries(r.env).map(([name, value]) => [
          name,
          `sha256:${createHash("sha256").update(value).digest("hex")}`,
        ]),
      ),
      createdAt: iso(r.createdAt),
    })),
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
