import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { CliContext } from "../context.js";

/**
 * The policy a command uses: `--policy`, else `.sluice/policy.yml` in the current folder, else the
 * default policy of the golden paths. Files are named as the user would type them.
 */
export async function resolvePolicy(
  ctx: CliContext,
  option: string | undefined,
) {
  const policy = await import("../../policy/index.js");
  const path =
    option ??
    (existsSync(join(ctx.cwd, policy.policyFileName))
      ? policy.policyFileName
      : undefined);
  if (path === undefined)
    return policy.parsePolicy(
      policy.defaultPolicyText,
      policy.defaultPolicyFile,
    );
  const full = resolve(ctx.cwd, path);
  const shown = relative(ctx.cwd, full);
  return policy.loadPolicy(shown.startsWith("..") ? full : shown);
}
