import { execFile } from "node:child_process";
import { AppError } from "../../kernel/index.js";
import type { App } from "../../app.js";

/** The commit a deployment ships, and the change to record for it (HEAD only). */
export interface DeployCommit {
  commit?: string;
  change?: Parameters<App["metrics"]["recordRun"]>[0];
}

const hex = /^[0-9a-f]{4,64}$/i;

/**
 * The commit of `sluice deploy`: `--commit SHA` when given (resolved to the full SHA inside a
 * git checkout, refused when the checkout does not have it), else HEAD of the checkout the
 * command runs in; none outside a repository or in one with no commits. Inside a checkout it
 * also reads the change (author, time, message with trailers), so the deployment gets a lead time.
 */
export async function deployCommit(
  cwd: string,
  project: string,
  given: string | undefined,
): Promise<DeployCommit> {
  if (given !== undefined && !hex.test(given))
    throw new AppError(
      "INVALID_ARGUMENT",
      `--commit ${given.slice(0, 80)}: expected a commit SHA (hexadecimal)`,
    );
  const { readGitFacts } = await import("../../pipeline/index.js");
  const facts = await readGitFacts(cwd);
  if (!facts.repository) return given ? { commit: given.toLowerCase() } : {};
  let commit = facts.commit;
  if (given !== undefined) {
    commit = await git(cwd, [
      "rev-parse",
      "--verify",
      "--quiet",
      `${given}^{commit}`,
    ]).catch(() => undefined);
    if (!commit)
      throw new AppError(
        "INVALID_ARGUMENT",
        `--commit ${given}: no such commit in this repository`,
      );
  }
  if (!commit) return {};
  // Fields separated by NUL, so that the message may hold any other character.
  const record = await git(cwd, [
    "log",
    "-1",
    "--format=%an%x00%ae%x00%at%x00%B",
    commit,
  ]).catch(() => undefined);
  if (record === undefined) return { commit };
  const [author, authorEmail, authored, ...rest] = record.split("\0");
  const message = rest.join("\0").replace(/\n+$/, "");
  const { trailersByKey } = await import("../../pipeline/index.js");
  return {
    commit,
    change: {
      project,
      commit,
      // The branch is known for HEAD only.
      branch: commit === facts.commit ? (facts.branch ?? null) : null,
      author: author ?? null,
      authorEmail: authorEmail ?? null,
      message,
      trailers: trailersByKey(message),
      createdAt: Number(authored) * 1000,
    },
  };
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("git", args, { cwd }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim()),
    ),
  );
}
