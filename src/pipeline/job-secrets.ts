import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../kernel/index.js";
import type { JobDeps, JobSecretRef } from "./ports.js";

/**
 * The secrets a job names, as its steps receive them: environment variables, or for
 * `file: true` files in a private folder (0700, files 0600, on /dev/shm where it exists, so the
 * value never reaches a disk) with the path in the variable. Every value is registered with the
 * masker first. `drop` removes the files.
 */
export async function giveSecrets(
  wanted: readonly JobSecretRef[],
  deps: Pick<JobDeps, "secrets" | "masker" | "tempDir">,
  request: { runId: string; jobKey: string; environment: string | undefined },
): Promise<{ env: Record<string, string>; drop(): void }> {
  const { secrets: source, masker, tempDir } = deps;
  // Without a masker the values would reach the logs in clear: no masker, no secrets.
  if (!source || !masker)
    throw new AppError(
      "INVALID_ARGUMENT",
      `this runner cannot give secrets; the job names ${wanted.map((s) => s.name).join(", ")}`,
    );
  const values = await source.values({
    ...request,
    names: wanted.map((s) => s.name),
  });
  for (const value of values.values()) masker.add(value);
  const env: Record<string, string> = {};
  let dir: string | undefined;
  const drop = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const secret of wanted) {
      const value = values.get(secret.name);
      if (value === undefined)
        throw new AppError("INTERNAL", `secret ${secret.name} was not given`);
      if (!secret.file) {
        env[secret.name] = value;
        continue;
      }
      dir ??= mkdtempSync(
        join(existsSync("/dev/shm") ? "/dev/shm" : tempDir, "sluice-secrets-"),
      );
      const path = join(dir, secret.name);
      writeFileSync(path, value, { mode: 0o600 });
      env[secret.name] = path;
    }
  } catch (error) {
    drop();
    throw error;
  }
  return { env, drop };
}
