import { basename } from "node:path";
import { AppError } from "../../kernel/index.js";
import type { Detector } from "../attribution/detect.js";
import type { MetricsStore } from "../ports.js";
import { historyEvents } from "./history.js";
import { git, readLog, readTags } from "./log.js";

export interface ImportGitOptions {
  cwd: string;
  /** Tags matching this glob are deployments; without it, first-parent commits are. */
  deployTags?: string | undefined;
  /** Passed to `git log --since` (a date git understands). */
  since?: string | undefined;
  project?: string | undefined;
  environment?: string | undefined;
  detector: Detector;
  store: Pick<MetricsStore, "appendChanges" | "appendDeploymentEvents">;
  progress?: (line: string) => void;
}

export interface ImportGitResult {
  project: string;
  commits: number;
  changes: number;
  deployments: number;
  aiAssisted: number;
  newChanges: number;
  newDeployments: number;
  mode: "tags" | "first-parent";
}

/**
 * Imports a repository's history: one streamed `git log` over HEAD (and the deploy tags), then
 * batch appends. A shallow clone, a repository without commits and a glob matching no tag are
 * refused with a message that says what to do.
 */
export async function importGit(
  options: ImportGitOptions,
): Promise<ImportGitResult> {
  const { cwd, progress = () => {} } = options;
  const top = (
    await git(cwd, ["rev-parse", "--show-toplevel"]).catch(() => {
      throw new AppError(
        "INVALID_ARGUMENT",
        `${cwd} is not inside a git repository`,
      );
    })
  ).trim();
  if (
    (await git(cwd, ["rev-parse", "--is-shallow-repository"])).trim() === "true"
  ) {
    throw new AppError(
      "INVALID_ARGUMENT",
      "this is a shallow clone: its history is cut off, so lead times would be wrong; run `git fetch --unshallow` first",
    );
  }
  const head = (
    await git(cwd, ["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "")
  ).trim();
  if (!head)
    throw new AppError("INVALID_ARGUMENT", "the repository has no commits yet");
  const project = options.project ?? basename(top);

  let tags;
  if (options.deployTags !== undefined) {
    tags = await readTags(cwd, options.deployTags);
    if (tags.length === 0) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `no tag matches '${options.deployTags}' in this repository; leave out --deploy-tags to count each first-parent commit of HEAD as a deployment`,
      );
    }
  }
  const commits = await readLog(
    cwd,
    ["HEAD", ...(tags ?? []).map((t) => t.commit)],
    {
      since: options.since,
      onProgress: (n) => progress(`read ${n} commits`),
    },
  );
  progress(
    `read ${commits.length} commits${tags ? `, ${tags.length} tags` : ""}`,
  );
  const events = historyEvents({
    project,
    head,
    commits,
    tags,
    detector: options.detector,
    ...(options.environment ? { environment: options.environment } : {}),
  });
  const newChanges = await options.store.appendChanges(events.changes);
  const newDeployments = await options.store.appendDeploymentEvents(
    events.deployments,
  );
  progress(
    `stored ${newChanges} new changes and ${newDeployments} new deployments`,
  );
  return {
    project,
    commits: commits.length,
    changes: events.changes.length,
    deployments: events.deployments.length,
    aiAssisted: events.changes.filter((c) => c.cohort === "ai-assisted").length,
    newChanges,
    newDeployments,
    mode: tags ? "tags" : "first-parent",
  };
}
