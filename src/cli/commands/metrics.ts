import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type {
  AttributedChange,
  DoraReport,
  TrendReport,
} from "../../metrics/index.js";
import type { CliContext } from "../context.js";
import { registerImportGit } from "./metrics-import.js";
import type { MetricsScope } from "./metrics-scope.js";
import { metricsScope } from "./metrics-scope.js";
import { summaryOf } from "../command-summaries.js";

interface ScopeOptions {
  project?: string;
  allProjects?: boolean;
}

interface FigureOptions extends ScopeOptions {
  env: string;
  since: string;
  year?: string;
  incidentWindow: string;
  minSamples: string;
}

function withScopeOptions(cmd: Command): Command {
  return cmd
    .option(
      "--project <name>",
      "only this project (default: the current one: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option("--all-projects", "every project, not only the current one");
}

function withFigureOptions(cmd: Command): Command {
  return withScopeOptions(cmd)
    .option(
      "--env <environment>",
      "the environment whose deployments count",
      "production",
    )
    .option(
      "--since <span>",
      "the window, ending now: a number and a unit s, m, h, d, w, mo or y (90d, 12w, 6mo, 3y)",
      "90d",
    )
    .option(
      "--year <year>",
      "DORA report year for performance levels: 2022, 2023, 2024",
      "2024",
    )
    .option(
      "--incident-window <span>",
      "link an incident to a deployment at most this long before it",
      "24h",
    )
    .option(
      "--min-samples <n>",
      "below this many samples a cohort is not compared (the HTML report shows counts only)",
      "10",
    );
}

/**
 * The figure options with the scope resolved (`--project`, `--all-projects` or the current
 * project), checked here so a mistake names the flag, and as the server's query string.
 */
async function doraQuery(ctx: CliContext, o: FigureOptions) {
  const scope = await metricsScope(ctx, o);
  const { parseDoraQuery } = await import("../../metrics/index.js");
  parseDoraQuery({ ...o, project: scope.project });
  const query = new URLSearchParams({
    env: o.env,
    since: o.since,
    "incident-window": o.incidentWindow,
    "min-samples": o.minSamples,
  });
  if (o.year !== undefined) query.set("year", o.year);
  if (scope.project !== undefined) query.set("project", scope.project);
  return { scope, query };
}

/** A client of the home's local server (started on demand): the store is never opened here. */
async function client(ctx: CliContext) {
  const { localClient } = await import("../client/local-server.js");
  return localClient(ctx);
}

/**
 * Says how the scope was chosen; when the current project was taken by default and has nothing
 * recorded, names the projects that have data, since the user may be in another folder.
 */
async function describeScope(
  ctx: CliContext,
  scope: MetricsScope,
  report: DoraReport,
): Promise<void> {
  report.scope.projectBasis = scope.basis;
  if (!scope.byDefault || scope.project === undefined) return;
  if (report.figures.deploymentFrequency.reason !== undefined) {
    const { projects } = await (
      await client(ctx)
    ).json<{ projects: string[] }>("GET", "/api/v1/metrics/projects");
    if (projects.length > 0 && !projects.includes(scope.project))
      report.warnings.unshift(
        `nothing is recorded for project ${scope.project}; projects with data: ${projects.slice(0, 10).join(", ")}${projects.length > 10 ? ", …" : ""} (--project NAME or --all-projects)`,
      );
  }
}

/** `sluice metrics`: DORA figures by cohort, git import, attribution and the HTML report. */
export function registerMetrics(program: Command, ctx: CliContext): void {
  const metrics = program.command("metrics").description(summaryOf("metrics"));

  // The default subcommand: `sluice metrics --since 90d --by cohort --json` lands here, so each
  // subcommand owns its options (`--json` and `--since` mean different things per subcommand).
  withFigureOptions(
    metrics
      .command("show", { isDefault: true })
      .description(
        "print the five DORA figures with level, samples and 95% interval, and what they were computed from (the default)",
      ),
  )
    .option("--by <split>", "split the figures: cohort")
    .option("--json", "print the figures as JSON")
    .action(async (o: FigureOptions & { by?: string; json?: boolean }) => {
      if (o.by !== undefined && o.by !== "cohort") {
        throw new AppError(
          "INVALID_ARGUMENT",
          `--by takes 'cohort', not '${o.by}'`,
        );
      }
      const { scope, query } = await doraQuery(ctx, o);
      const { renderTable, reportJson } =
        await import("../../metrics/index.js");
      query.set("by", "cohort");
      const report = await (
        await client(ctx)
      ).json<DoraReport>("GET", `/api/v1/metrics?${query}`);
      await describeScope(ctx, scope, report);
      const byCohort = o.by === "cohort";
      if (o.json) ctx.json(reportJson(report, byCohort));
      else ctx.stdout(renderTable(report, { byCohort }));
    });

  registerImportGit(metrics, ctx);

  withScopeOptions(
    metrics
      .command("attribution")
      .description(
        "list each change of the current project with its cohort (ai-assisted or unmarked) and the markers that decided it",
      ),
  )
    .option("--json", "print as JSON")
    .action(async (o: ScopeOptions & { json?: boolean }) => {
      const scope = await metricsScope(ctx, o);
      const query = new URLSearchParams();
      if (scope.project !== undefined) query.set("project", scope.project);
      // `firstCommitAt` comes back as a Date, printed as the same ISO 8601 text in --json.
      const { changes } = await (
        await client(ctx)
      ).json<{ changes: AttributedChange[] }>(
        "GET",
        `/api/v1/metrics/changes?${query}`,
      );
      if (o.json) {
        ctx.json({ scope: scope.basis, changes });
        return;
      }
      ctx.stdout(`Scope: ${scope.basis}`);
      for (const c of changes) {
        const why = c.markers
          .map((m) => `${m.tool} (${m.field}: ${m.evidence})`)
          .join("; ");
        ctx.stdout(
          `${c.id.slice(0, 12)}  ${c.cohort.padEnd(11)}  ${(c.title ?? "").slice(0, 60)}${why ? `  ← ${why}` : ""}`,
        );
      }
      const ai = changes.filter((c) => c.cohort === "ai-assisted").length;
      ctx.stdout(
        `${changes.length} changes: ${ai} ai-assisted, ${changes.length - ai} unmarked`,
      );
    });

  withFigureOptions(
    metrics
      .command("report")
      .description(
        "write a self-contained HTML page with the figures, a weekly trend and the cohort comparison",
      ),
  )
    .requiredOption("--html <file>", "the HTML file to write")
    .action(async (o: FigureOptions & { html: string }) => {
      const { scope, query } = await doraQuery(ctx, o);
      const [{ writeFile }, { resolve }, { renderHtml }] = await Promise.all([
        import("node:fs/promises"),
        import("node:path"),
        import("../../metrics/index.js"),
      ]);
      // `generatedAt` comes back as a Date (JSON times ending in `At` do).
      const { report, trend, generatedAt } = await (
        await client(ctx)
      ).json<Omit<TrendReport, "generatedAt"> & { generatedAt: Date }>(
        "GET",
        `/api/v1/metrics/trend?${query}`,
      );
      await describeScope(ctx, scope, report);
      const path = resolve(ctx.cwd, o.html);
      await writeFile(
        path,
        renderHtml(report, trend, generatedAt.toISOString()),
      ).catch((error: unknown) => {
        throw new AppError(
          "INVALID_ARGUMENT",
          `cannot write ${o.html}: ${(error as Error).message}`,
        );
      });
      ctx.stdout(`wrote ${path}`);
    });
}
