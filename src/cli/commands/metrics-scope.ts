import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { AppError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";

/** The project a folder belongs to, and how that was decided (shown to the user). */
export interface ResolvedProject {
  name: string;
  basis: string;
}

/** The `name` of the sluice.yml in `dir`: a string, undefined without one, null when it has no name. */
async function configName(dir: string): Promise<string | null | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "sluice.yml"), "utf8");
  } catch {
    return undefined;
  }
  try {
    const { parse } = await import("yaml");
    const doc: unknown = parse(text);
    const name =
      doc && typeof doc === "object" && "name" in doc
        ? (doc as { name: unknown }).name
        : undefined;
    return typeof name === "string" && name.trim() ? name.trim() : null;
  } catch {
    // A sluice.yml that does not parse names nothing; `sluice config` reports why.
    return null;
  }
}

async function gitTop(cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(
      "git",
      ["rev-parse", "--show-toplevel"],
      { cwd },
    );
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The current project, as `sluice run` and `sluice deploy` name it: the `name` in ./sluice.yml
 * (or in the repository's top folder), else the repository folder's name, else the folder's name
 * when it holds a sluice.yml. Undefined outside any project folder.
 */
export async function resolveProject(
  cwd: string,
): Promise<ResolvedProject | undefined> {
  const here = await configName(cwd);
  if (here) return { name: here, basis: "the name in ./sluice.yml" };
  const top = await gitTop(cwd);
  if (top && top !== cwd) {
    const atTop = await configName(top);
    if (atTop)
      return { name: atTop, basis: `the name in ${join(top, "sluice.yml")}` };
  }
  if (top)
    return { name: basename(top), basis: "the repository folder's name" };
  if (here === null) return { name: basename(cwd), basis: "the folder's name" };
  return undefined;
}

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
  const current = await resolveProject(ctx.cwd);
  if (!current)
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
