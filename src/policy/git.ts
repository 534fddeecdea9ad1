// The git adapter of the facts: a commit's diff, classifiers and authorship, read with the git
// binary. Facts only a run knows (tests, findings, environment, history) are left unknown.
import { spawnSync } from "node:child_process";
import { AppError } from "../kernel/index.js";
import { parseTrailers } from "../kernel/index.js";
import { createDetector, splitMessage } from "../metrics/index.js";
import { classify, parseDiff } from "./classify.js";
import type { Facts } from "./facts.js";

/** git's empty tree: what a root commit is compared with. */
const emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** git output over this is refused rather than read whole (a generated monster commit). */
const maxBuffer = 256 * 1024 * 1024;

function git(
  cwd: string,
  args: string[],
  okCodes: number[] = [0],
): { code: number; out: string; err: string } {
  const result = spawnSync("git", ["-c", "core.quotePath=false", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer,
  });
  if (result.error || !okCodes.includes(result.status ?? -1)) {
    const why =
      result.error?.message ?? result.stderr.trim().split("\n")[0] ?? "failed";
    throw new AppError("EXTERNAL", `git ${args[0]} failed in ${cwd}: ${why}`, {
      cause: result.error,
    });
  }
  return { code: result.status ?? 0, out: result.stdout, err: result.stderr };
}

/** What was read about the commit itself, beside its facts. */
export interface GitChange {
  sha: string;
  subject: string;
  /** The commit the change is compared with (the empty tree for a root commit). */
  base: string;
}

/**
 * The git facts of one commit (default HEAD) compared with its first parent: files, lines,
 * classifiers, sensitive files, author, cohort and markers, and whether it is a revert.
 */
export function gitChangeFacts(options: {
  cwd: string;
  rev?: string;
  sensitivePaths: readonly string[];
}): { change: GitChange; facts: Facts } {
  const rev = options.rev ?? "HEAD";
  const found = git(
    options.cwd,
    ["rev-list", "--parents", "-n", "1", `${rev}^{commit}`, "--"],
    [0, 128],
  );
  if (found.code !== 0)
    throw new AppError(
      "NOT_FOUND",
      /not a git repository/.test(found.err)
        ? `${options.cwd} is not in a git repository`
        : `no commit ${rev} in ${options.cwd}`,
    );
  const [sha, parent] = found.out.trim().split(" ");
  if (!sha)
    throw new AppError("NOT_FOUND", `no commit ${rev} in ${options.cwd}`);
  const base = parent ?? emptyTree;
  const diff = parseDiff(
    git(options.cwd, [
      "diff",
      "--no-color",
      "--no-ext-diff",
      "--no-renames",
      "-U0",
      base,
      sha,
    ]).out,
  );
  // Exit 0 means no difference once whitespace and blank lines are ignored.
  const whitespaceOnly =
    git(
      options.cwd,
      [
        "diff",
        "--quiet",
        "--no-ext-diff",
        "--no-renames",
        "-w",
        "--ignore-blank-lines",
        base,
        sha,
      ],
      [0, 1],
    ).code === 0;
  const meta = git(options.cwd, [
    "log",
    "-1",
    "--format=%an%x00%ae%x00%cn%x00%ce%x00%B",
    sha,
  ]).out;
  const [
    authorName = "",
    authorEmail = "",
    committerName,
    committerEmail,
    message = "",
  ] = meta.split("\0");
  const { subject, body } = splitMessage(message.trim());
  const attribution = createDetector().change([
    {
      sha,
      authorName,
      authorEmail,
      committerName,
      committerEmail,
      subject,
      body,
      trailers: parseTrailers(message.trim()),
    },
  ]);
  return {
    change: { sha, subject, base },
    facts: {
      ...classify(diff, whitespaceOnly, options.sensitivePaths),
      author: authorEmail,
      cohort: attribution.cohort,
      aiMarkers: [...new Set(attribution.markers.map((m) => m.rule))],
      isRevert:
        /^Revert "/.test(subject) ||
        /This reverts commit [0-9a-f]{7,}/.test(body),
    },
  };
}
