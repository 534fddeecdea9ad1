import { parseTrailers } from "../kernel/index.js";
import { runGit as git } from "./git-command.js";

/** The change a run is for, read from a git checkout. Fields are absent outside a repository. */
export interface GitFacts {
  /** True when `dir` is inside a git work tree. */
  repository: boolean;
  commit?: string | undefined;
  /** The branch name; absent on a detached HEAD. */
  branch?: string | undefined;
  /** The default branch: `origin/HEAD`, else `init.defaultBranch`; absent when git says neither. */
  defaultBranch?: string | undefined;
  author?: string | undefined;
  authorEmail?: string | undefined;
  /** The full commit message (subject, body and trailers). */
  message?: string | undefined;
  /** `Key: value` trailers of the message, values in order (`Co-authored-by` may repeat). */
  trailers: Record<string, string[]>;
  /** The repository's top-level directory. */
  root?: string | undefined;
}

// Fields separated by NUL (0x00) so a message may hold any other character.
const format = ["%H", "%an", "%ae", "%B"].join("%x00");

/** Reads commit, branch, author, email, message and trailers of HEAD with the `git` binary. */
export async function readGitFacts(dir: string): Promise<GitFacts> {
  const root = await git(dir, ["rev-parse", "--show-toplevel"]).catch(
    () => undefined,
  );
  if (root === undefined) return { repository: false, trailers: {} };
  const head = await git(dir, ["log", "-1", `--format=${format}`]).catch(
    () => undefined,
  );
  const branch = await git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"])
    .then((name) => name.trim() || undefined)
    .catch(() => undefined);
  const defaultBranch = await git(dir, [
    "symbolic-ref",
    "--quiet",
    "--short",
    "refs/remotes/origin/HEAD",
  ])
    .then((name) => name.trim().replace(/^origin\//, "") || undefined)
    .catch(() =>
      git(dir, ["config", "--get", "init.defaultBranch"])
        .then((name) => name.trim() || undefined)
        .catch(() => undefined),
    );
  // An empty repository has a branch but no commit yet.
  if (!head)
    return {
      repository: true,
      root: root.trim(),
      branch,
      defaultBranch,
      trailers: {},
    };
  const [commit, author, authorEmail, ...rest] = head.split("\0");
  const message = rest.join("\0").replace(/\n+$/, "");
  return {
    repository: true,
    root: root.trim(),
    commit,
    branch,
    defaultBranch,
    author,
    authorEmail,
    message,
    trailers: trailersByKey(message),
  };
}

/** A message's trailers (kernel's `parseTrailers`, git's rules) by key, values in order. */
export function trailersByKey(message: string): Record<string, string[]> {
  const trailers: Record<string, string[]> = {};
  for (const [key, value] of parseTrailers(message))
    (trailers[key] ??= []).push(value);
  return trailers;
}
