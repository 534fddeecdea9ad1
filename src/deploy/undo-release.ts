import { AppError } from "../kernel/index.js";
import type { DeployStore, ReleaseRecord, RolloutRecord } from "./ports.js";

/** The release an undo goes back to when named (`--to-release`, Argo's `--to-revision`). */
export async function releaseNamed(
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
export async function releaseBefore(
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
