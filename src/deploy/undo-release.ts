import { AppError } from "../kernel/index.js";
import type { DeployStore, ReleaseRecord, RolloutRecord } from "./ports.js";
import { isFinished } from "./status.js";

/**
 * What an undo of an environment's latest rollout does: `abort` an unfinished one (back to
 * stable), or deploy an earlier release again after a finished one: the release stable before
 * it, or `toRelease` by name (Argo's `undo --to-revision`).
 */
export async function undoPlan(
  store: Pick<DeployStore, "listReleases" | "listDeployments" | "getRelease">,
  latest: RolloutRecord,
  toRelease: string | undefined,
): Promise<"abort" | ReleaseRecord> {
  const { environment, project, status } = latest;
  if (!isFinished(status)) {
    if (toRelease !== undefined)
      throw new AppError(
        "CONFLICT",
        `rollout ${latest.id} in ${environment} is still ${status.phase}: abort it before undoing to ${toRelease}`,
      );
    return "abort";
  }
  const previous =
    toRelease !== undefined
      ? await releaseNamed(store, project, toRelease)
      : await releaseBefore(store, latest);
  if (previous.id === status.stable)
    throw new AppError(
      "CONFLICT",
      `release ${previous.version} is already stable in ${environment}`,
    );
  return previous;
}

/** The release an undo goes back to when named (`--to-release`, Argo's `--to-revision`). */
async function releaseNamed(
  store: Pick<DeployStore, "listReleases">,
  project: string,
  version: string,
): Promise<ReleaseRecord> {
  const all = await store.listReleases(project);
  const found = all.find((r) => r.version === version);
  if (!found)
    throw new AppError(
      "NOT_FOUND",
      `no release ${version} in ${project} (known: ${all.map((r) => r.version).join(", ") || "none"})`,
    );
  return found;
}

/** The release that was stable before a promoted rollout: where a plain undo goes back to. */
async function releaseBefore(
  store: Pick<DeployStore, "listDeployments" | "getRelease">,
  latest: RolloutRecord,
): Promise<ReleaseRecord> {
  if (latest.status.aborted) {
    throw new AppError(
      "CONFLICT",
      "the last rollout was aborted: traffic is already on the previous release",
    );
  }
  const deployments = await store.listDeployments(
    latest.project,
    latest.environment,
  );
  const deployment = deployments.find((d) => d.id === latest.deploymentId);
  const previous = deployment?.previousReleaseId
    ? await store.getRelease(deployment.previousReleaseId)
    : null;
  if (!previous)
    throw new AppError(
      "CONFLICT",
      `no release before ${latest.status.stable} in ${latest.environment}`,
    );
  return previous;
}
