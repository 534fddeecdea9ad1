import { execFile } from "node:child_process";
import { AppError } from "../kernel/index.js";

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
    trailers: parseTrailers(message),
  };
}

/**
 * The trailers of a commit message: the `Key: value` lines of its last paragraph (as
 * `git interpret-trailers` reads them), with continuation lines folded in. A message of a single
 * paragraph has no trailers.
 */
export function parseTrailers(message: string): Record<string, string[]> {
  const paragraphs = message.trim().split(/\n\s*\n/);
  if (paragraphs.length < 2) return {};
  const last = paragraphs.at(-1)!.split("\n");
  const entries: [string, string][] = [];
  for (const line of last) {
    const match = /^([A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
    if (match) {
      entries.push([match[1]!, match[2]!.trim()]);
    } else if (/^\s+\S/.test(line) && entries.length > 0) {
      entries.at(-1)![1] += ` ${line.trim()}`;
    } else {
      // A paragraph with a line that is not a trailer is not a trailer block.
      return {};
    }
  }
  const trailers: Record<string, string[]> = {};
  for (const [key, value] of entries) (trailers[key] ??= []).push(value);
  return trailers;
}

/**
 * The subject and body of a commit message as people wrote them: without its trailer block
 * (`Signed-off-by:`, `Co-authored-by:`), which `parseTrailers` reads.
 */
export function withoutTrailers(message: string): string {
  const text = message.trim();
  if (Object.keys(parseTrailers(text)).length === 0) return text;
  return text
    .split(/\n\s*\n/)
    .slice(0, -1)
    .join("\n\n")
    .trimEnd();
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, stdout) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
          reject(
            missing
              ? new AppError(
                  "EXTERNAL",
                  "git is not installed (no `git` on PATH)",
                )
              : error,
          );
        } else resolve(stdout);
      },
    );
  });
}
