import type { Command } from "commander";
import type { ImportGitResult } from "../../metrics/index.js";
import type { CliContext } from "../context.js";
import { resolveProject } from "../context.js";

interface ImportGitOptions {
  deployTags: string[];
  since?: string;
  project?: string;
  env: string;
  attributionRules?: string;
}

/** `--since` as git wants it: a span (`365d`, `3y`) becomes the date that long ago; a date stays. */
async function sinceDate(
  since: string | undefined,
): Promise<string | undefined> {
  if (!since || !/^\d/.test(since) || /^\d{4}-/.test(since)) return since;
  const { parseSpan } = await import("../../metrics/index.js");
  try {
    return new Date(Date.now() - parseSpan(since)).toISOString();
  } catch {
    // Not a span: git reads dates in many forms (`2 weeks ago`), so it gets the text as written.
    return since;
  }
}

/**
 * What counted as a deployment, in words: the tags and their pattern, or, by default, every
 * first-parent commit, with the repository's tags and a pattern that would count them.
 */
function deploymentsStatement(
  result: ImportGitResult,
  patterns: readonly string[],
): string {
  if (result.mode === "tags")
    return `deployments: ${result.deployments} tags matching ${patterns.map((p) => `'${p}'`).join(" or ")}, each at its tag date`;
  const lines = [
    `deployments: by default, each of the ${result.deployments} first-parent commits of HEAD counts as a deployment at its commit time, ` +
      "because no --deploy-tags was given (a repository that ships every commit to main works this way).",
  ];
  const seen = result.tagsSeen;
  if (seen && seen.count > 0) {
    const suggestion = seen.suggestion
      ? `--deploy-tags '${seen.suggestion.pattern}' (matches ${seen.suggestion.matches} of them)`
      : "--deploy-tags '<pattern>'";
    lines.push(
      `  This repository has ${seen.count} tags, such as ${seen.examples.join(", ")}. ` +
        `If they mark releases, import again with ${suggestion} to count them as the deployments instead.`,
    );
  } else {
    lines.push(
      "  If releases are tagged, import again with --deploy-tags '<pattern>' to count the tags instead.",
    );
  }
  lines.push(
    "  Git history records no failure: change fail rate and recovery time stay unknown until incidents are imported or a webhook is connected.",
  );
  return lines.join("\n");
}

/** `sluice metrics import-git`. */
export function registerImportGit(metrics: Command, ctx: CliContext): void {
  metrics
    .command("import-git")
    .description(
      "import this repository's history: tags matching --deploy-tags (by default every first-parent commit) as deployments, commits as changes",
    )
    .option(
      "--deploy-tags <pattern>",
      "tags that mark production deployments: a glob over the whole tag name (* ? [0-9] {v,}) such as 'v*' or " +
        "'{v,}[0-9]*' (4.17.1 and v5.0.0), or a /regex/ such as '/^v?\\d+\\.\\d+/'; repeat for several " +
        "(default: every first-parent commit of HEAD is a deployment)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--since <date>",
      "only commits after this date (2024-01-01) or within this span (365d, 3y)",
    )
    .option(
      "--project <name>",
      "the project name (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option(
      "--env <environment>",
      "the environment of the deployments",
      "production",
    )
    .option(
      "--attribution-rules <file>",
      "extra AI-attribution rules (YAML or JSON: { rules: [...] }), added to metrics.attribution of ./sluice.yml",
    )
    .action(async (o: ImportGitOptions) => {
      const since = await sinceDate(o.since);
      const { loadRules } = await import("./metrics-rules.js");
      const rules = await loadRules(ctx, o.attributionRules);
      const { readGitHistory, createDetector } =
        await import("../../metrics/index.js");
      const started = Date.now();
      const progress = (line: string) => ctx.stderr(`import-git: ${line}`);
      const project = resolveProject(ctx.cwd, o.project).name;
      // git here, the store in the home's server (issue 14): forking git from a process that
      // holds an open PGlite costs several times more (ADR 084), and a bad repository fails
      // before the server is asked.
      const history = await readGitHistory({
        cwd: ctx.cwd,
        deployTags: o.deployTags,
        since,
        project,
        environment: o.env,
        detector: createDetector(rules),
        progress,
      });
      const { localClient } = await import("../client/local-server.js");
      const result = await localClient(ctx).json<ImportGitResult>(
        "POST",
        `/api/v1/metrics/import-git?project=${encodeURIComponent(project)}`,
        history,
      );
      progress(
        `stored ${result.newChanges} new changes and ${result.newDeployments} new deployments`,
      );
      const seconds = (Date.now() - started) / 1000;
      ctx.stdout(
        `imported ${result.project}: ${result.commits} commits, ${result.changes} changes (${result.aiAssisted} ai-assisted), ` +
          `${result.deployments} deployments from ${result.mode === "tags" ? "tags" : "first-parent history"}; ` +
          `${result.newChanges} changes and ${result.newDeployments} deployments were new (${seconds.toFixed(2)} s)`,
      );
      ctx.stdout(deploymentsStatement(result, o.deployTags));
      if (result.replaced > 0)
        ctx.stdout(
          `replaced: ${result.replaced} deployments an earlier import of this repository counted otherwise were removed, so the two do not mix`,
        );
    });
}
