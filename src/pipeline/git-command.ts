import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { AppError, messageOf } from "../kernel/index.js";

/** How `runGit` runs git: the environment (default: this process's) and what it answers. */
interface GitOptions {
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * Runs the `git` binary in `cwd` and answers its standard output (text, or bytes with
 * `encoding: "buffer"`). A git that fails rejects with its process error, `stderr` attached
 * (`gitReason` reads it); no `git` on PATH is one EXTERNAL AppError. The one way pipeline runs
 * git (checkouts, git facts, remote trees).
 */
export function runGit(
  cwd: string,
  args: string[],
  options?: GitOptions & { encoding?: "utf8" },
): Promise<string>;
export function runGit(
  cwd: string,
  args: string[],
  options: GitOptions & { encoding: "buffer" },
): Promise<Buffer>;
export function runGit(
  cwd: string,
  args: string[],
  options: GitOptions & { encoding?: "utf8" | "buffer" } = {},
): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd,
        maxBuffer: 256 * 1024 * 1024,
        encoding: options.encoding ?? "utf8",
        ...(options.env ? { env: options.env } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        // ENOENT is also a folder that is not there (removed meanwhile): git itself is missing
        // only when the folder is.
        if (
          (error as NodeJS.ErrnoException).code === "ENOENT" &&
          existsSync(cwd)
        )
          return reject(
            new AppError("EXTERNAL", "git is not installed (no `git` on PATH)"),
          );
        reject(Object.assign(error, { stderr: String(stderr) }));
      },
    );
  });
}

/**
 * Why git failed, in one line: the first line of its standard error without `fatal: ` or
 * `error: `, else the error's message.
 */
export function gitReason(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const line =
    typeof stderr === "string"
      ? stderr
          .split("\n")
          .map((text) => text.trim())
          .find((text) => text !== "")
      : undefined;
  return (line ?? messageOf(error)).replace(/^(fatal|error): /, "");
}
