import { execFile } from "node:child_process";
import { AppError } from "../kernel/index.js";

/** Runs the `tar` binary; a failure becomes an AppError with tar's first stderr line. */
export function tar(args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "tar",
      args,
      { signal, maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        const line = String(stderr).trim().split("\n")[0] || error.message;
        reject(
          new AppError("EXTERNAL", `tar failed: ${line}`, { cause: error }),
        );
      },
    );
  });
}
