import { AppError } from "../../kernel/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";

/** Which projects `sluice metrics` reads: one (and why that one), or all. */
export interface MetricsScope {
  project: string | undefined;
  /** In words, for the output: `project shop (the name in ./sluice.yml; --all-projects for all)`. */
  basis: string;
  /** Whether the project was chosen by default (so an empty result may mean the wrong folder). */
  byDefault: boolean;
}

/** `--project`, `--all-projects`, or the current project by default. */
export async function metricsScope(
  ctx: Pick<CliContext, "cwd">,
  options: { project?: string | undefined; allProjects?: boolean | undefined },
): Promise<MetricsScope> {
  if (options.project !== undefined && options.allProjects)
    throw new AppError(
      "INVALID_ARGUMENT",
      "--project and --all-projects exclude each other",
    );
  if (options.allProjects)
    return {
      project: undefined,
      basis: "all projects (--all-projects)",
      byDefault: false,
    };
  if (options.project !== undefined)
    return {
      project: options.project,
      basis: `project ${options.project} (--project)`,
      byDefault: false,
    };
  const current = resolveProject(ctx.cwd);
  if (!current.inProject)
    return {
      project: undefined,
      basis:
        "all projects (this folder is not a project: no sluice.yml and no git repository; --project NAME for one)",
      byDefault: true,
    };
  return {
    project: current.name,
    basis: `project ${current.name} (${current.basis}; --all-projects for every project, --project NAME for another)`,
    byDefault: true,
  };
}
