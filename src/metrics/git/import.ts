import { basename } from "node:path";
import { AppError } from "../../kernel/index.js";
import type { Detector } from "../attribution/detect.js";
import type { MetricsStore } from "../ports.js";
import { historyEvents, tagDeploymentPrefix } from "./history.js";
import type { GitHistoryEvents } from "./history.js";
import { git, readLog, readTags } from "./log.js";
import type { GitTag } from "./log.js";
import { suggestTagPattern, tagExamples } from "./tag-pattern.js";

export interface ImportGitOptions {
  cwd: string;
  /**
   * Tags matching any of these patterns are deployments (see `tagPatternSyntax`); without them,
   * first-parent commits are.
   */
  deployTags?: string | readonly string[] | undefined;
  /** Passed to `git log --since` (a date git understands). */
  since?: string | undefined;
  project?: string | undefined;
  environment?: string | undefined;
  detector: Detector;
  store: Pick<
    MetricsStore,
    | "appendChanges"
    | "appendDeploymentEvents"
    | "listDeploymentIds"
    | "removeDeployments"
  >;
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
  /**
   * Deployments an earlier import of this project and environment inferred otherwise (first-parent
   * commits before a tag import, tags before a first-parent one, tags the pattern no longer
   * matches), removed so the two never mix.
   */
  replaced: number;
  mode: "tags" | "first-parent";
  /** The repository's tags, when none were asked for: what `--deploy-tags` could count. */
  tagsSeen?: TagsSeen | undefined;
}

/** A repository's tags as a message shows them: how many, a few examples, a pattern for them. */
interface TagsSeen {
  count: number;
  examples: string[];
  suggestion?: { pattern: string; matches: number } | undefined;
}

/** A repository's history read and attributed, ready to store (the first half of `importGit`). */
export interface GitHistory {
  project: string;
  environment: string;
  commits: number;
  mode: "tags" | "first-parent";
  tagsSeen?: TagsSeen | undefined;
  events: GitHistoryEvents;
}

/**
 * Imports a repository's history: `readGitHistory`, then `storeGitHistory`. The CLI calls the two
 * halves apart so that git runs before the database opens: a process holding an open PGlite
 * forks its git children at several times the cost (ADR 084).
 */
export async function importGit(
  options: ImportGitOptions,
): Promise<ImportGitResult> {
  return storeGitHistory(
    await readGitHistory(options),
    options.store,
    options.progress,
  );
}

/**
 * Reads and attributes a repository's history with one streamed `git log` over HEAD (and the
 * deploy tags). A shallow clone, a repository without commits and a glob matching no tag are
 * refused with a message that says what to do.
 */
export async function readGitHistory(
  options: Omit<ImportGitOptions, "store">,
): Promise<GitHistory> {
  const { cwd, progress = () => {} } = options;
  const { top, head } = await probe(cwd);
  const project = options.project ?? basename(top);

  const patterns =
    typeof options.deployTags === "string"
      ? [options.deployTags]
      : (options.deployTags ?? []);
  let tags: GitTag[] | undefined;
  let tagsSeen: TagsSeen | undefined;
  if (patterns.length > 0) {
    tags = await readTags(cwd, patterns);
    if (tags.length === 0) {
      const seen = describeTags(await readTags(cwd));
      throw new AppError(
        "INVALID_ARGUMENT",
        `no tag matches ${patterns.map((p) => `'${p}'`).join(" or ")} in this repository` +
          (seen.count === 0
            ? " (it has no tags)"
            : ` (it has ${seen.count} tags, such as ${seen.examples.join(", ")}` +
              (seen.suggestion
                ? `; --deploy-tags '${seen.suggestion.pattern}' matches ${seen.suggestion.matches})`
                : ")")) +
          "; leave out --deploy-tags to count each first-parent commit of HEAD as a deployment",
      );
    }
  } else {
    tagsSeen = describeTags(await readTags(cwd));
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
  return {
    project,
    environment: options.environment ?? "production",
    commits: commits.length,
    mode: tags ? "tags" : "first-parent",
    tagsSeen,
    events,
  };
}

/** Appends a history read by `readGitHistory`; idempotent, so a re-import stores only what is new. */
export async function storeGitHistory(
  history: GitHistory,
  store: ImportGitOptions["store"],
  progress: (line: string) => void = () => {},
): Promise<ImportGitResult> {
  const { events } = history;
  const newChanges = await store.appendChanges(events.changes);
  const newDeployments = await store.appendDeploymentEvents(events.deployments);
  const replaced = await removeStale(history, store);
  progress(
    `stored ${newChanges} new changes and ${newDeployments} new deployments`,
  );
  return {
    project: history.project,
    commits: history.commits,
    changes: events.changes.length,
    deployments: events.deployments.length,
    aiAssisted: events.changes.filter((c) => c.cohort === "ai-assisted").length,
    newChanges,
    newDeployments,
    replaced,
    mode: history.mode,
    tagsSeen: history.tagsSeen,
  };
}

/**
 * Removes what an earlier git import of the same project and environment counted otherwise: a
 * tag import keeps only its own tags (no first-parent commits, no tags its pattern left out); a
 * first-parent import drops tag deployments (its own commits may be cut by --since, so it keeps
 * every first-parent one).
 */
async function removeStale(
  history: GitHistory,
  store: Pick<MetricsStore, "listDeploymentIds" | "removeDeployments">,
): Promise<number> {
  const current = new Set(
    history.events.deployments.map((d) => d.deploymentId),
  );
  const stale = (
    await store.listDeploymentIds({ project: history.project, source: "git" })
  )
    .filter((d) => (d.environment ?? "production") === history.environment)
    .map((d) => d.id)
    .filter((id) =>
      history.mode === "tags"
        ? !current.has(id)
        : id.startsWith(tagDeploymentPrefix),
    );
  return store.removeDeployments(history.project, stale);
}

function describeTags(tags: readonly GitTag[]): TagsSeen {
  const names = [...tags].sort((a, b) => a.at - b.at).map((t) => t.name);
  return {
    count: names.length,
    examples: tagExamples(names),
    suggestion: suggestTagPattern(names),
  };
}

/**
 * The repository's top folder and HEAD, refusing a shallow clone. One `git rev-parse` answers all
 * three questions; only when it fails do the separate calls run, to say which one failed.
 */
async function probe(cwd: string): Promise<{ top: string; head: string }> {
  const out = await git(cwd, [
    "rev-parse",
    "--show-toplevel",
    "--is-shallow-repository",
    "--verify",
    "--quiet",
    "HEAD",
  ]).catch(() => undefined);
  const lines = out?.trim().split("\n");
  if (lines?.length === 3) {
    if (lines[1] === "true") throw shallow();
    return { top: lines[0]!, head: lines[2]! };
  }
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
    throw shallow();
  }
  const head = (
    await git(cwd, ["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "")
  ).trim();
  if (!head)
    throw new AppError("INVALID_ARGUMENT", "the repository has no commits yet");
  return { top, head };
}

const shallow = () =>
  new AppError(
    "INVALID_ARGUMENT",
    "this is a shallow clone: its history is cut off, so lead times would be wrong; run `git fetch --unshallow` first",
  );
