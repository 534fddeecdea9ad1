import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
import { AppError } from "../kernel/index.js";
import { jobDirName } from "./logs/step-log.js";
import { matchFiles } from "./hash-files.js";
import type { ArtifactStore } from "./ports.js";
import { tar } from "./tar.js";

/**
 * Artifacts on this machine: a job's `artifacts.paths` (files, folders or globs, relative to the
 * workdir) archived once into `<home>/runs/<runId>/artifacts/<name>.tar.gz` after it succeeds,
 * and extracted into the workdir of each job that needs it.
 */
export function createLocalArtifacts(options: { home: string }): ArtifactStore {
  return {
    async publish(runId, name, paths, workdir) {
      const dir = join(options.home, "runs", runId, "artifacts");
      const location = join(dir, `${jobDirName(name)}.tar.gz`);
      if (existsSync(location)) {
        throw new AppError(
          "CONFLICT",
          `artifact ${name} of run ${runId} exists already`,
        );
      }
      const members: string[] = [];
      for (const path of paths) {
        const clean = normalize(path);
        if (isAbsolute(clean) || clean.startsWith("..")) {
          throw new AppError(
            "CONFIG_INVALID",
            `artifact path ${path} must stay inside the workdir`,
          );
        }
        if (/[*?]/.test(clean)) {
          const matched = matchFiles(workdir, [clean]);
          if (matched.length === 0)
            throw new AppError(
              "NOT_FOUND",
              `artifact path ${path} matches no file`,
            );
          members.push(...matched);
        } else {
          if (!existsSync(join(workdir, clean)))
            throw new AppError(
              "NOT_FOUND",
              `artifact path ${path} does not exist`,
            );
          members.push(clean);
        }
      }
      // Private to the user whatever the umask: created here, tar only fills it.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(location, "", { mode: 0o600 });
      await tar(["-czf", location, "-C", workdir, "--", ...members]);
      return { name, location };
    },

    async fetch(ref, workdir) {
      mkdirSync(workdir, { recursive: true });
      await tar(["-xzf", ref.location, "-C", workdir]);
    },
  };
}
