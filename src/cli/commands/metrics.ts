import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { AttributionRule } from "../../metrics/index.js";
import type { CliContext } from "../context.js";

interface FigureOptions {
  project?: string;
  env: string;
  since: string;
  year?: string;
  incidentWindow: string;
  minSamples: string;
}

function withFigureOptions(cmd: Command): Command {
  return cmd
    .option("--project <name>", "only this project")
    .option(
      "--env <environment>",
      "the environment whose deployments count",
      "production",
    )
    .option("--since <span>", "the window, ending now: 90d, 12w, 36h", "90d")
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
      "warn when a cohort has fewer samples than this",
      "10",
    );
}

async function doraOptions(o: FigureOptions) {
  const { parseDoraQuery } = await import("../../metrics/index.js");
  return parseDoraQuery(o);
}

/**
 * Extra attribution rules: `metrics.attribution` of the sluice.yml in the working folder (when
 * there is one), then those of `--attribution-rules FILE` (YAML or JSON: `{ rules: [...] }`).
 */
async function loadRules(ctx: CliContext, file: string | undefined) {
  const [{ existsSync }, { readFile }, { join, resolve }] = await Promise.all([
    import("node:fs"),
    import("node:fs/promises"),
    import("node:path"),
  ]);
  const rules: AttributionRule[] = [];
  const { configFileName, loadConfig } = await import("../../config/index.js");
  if (existsSync(join(ctx.cwd, configFileName))) {
    const loaded = loadConfig(ctx.cwd);
    rules.push(...(loaded.source.metrics?.attribution ?? []));
  }
  if (!file) return rules;
  const [{ parse }, { AttributionConfig }] = await Promise.all([
    import("yaml"),
    import("../../metrics/index.js"),
  ]);
  const path = resolve(ctx.cwd, file);
  const text = await readFile(path, "utf8").catch(() => {
    throw new AppError(
      "INVALID_ARGUMENT",
      `cannot read --attribution-rules ${file}`,
    );
  });
  const parsed = AttributionConfig.safeParse(parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  rules.push(...parsed.data.rules);
  return rules;
}

/** `sluice metrics`: DORA figures by cohort, git import, attribution and the HTML report. */
export function registerMetrics(program: Command, ctx: CliContext): void {
  const metrics = program
    .command("metrics")
    .description(
      "DORA figures (deployment frequency, lead time, change fail rate, recovery time, rework rate), split by AI-assisted and unmarked changes; `sluice metrics` runs `metrics show`",
    );

  // The default subcommand: `sluice metrics --since 90d --by cohort --json` lands here, so each
  // subcommand owns its options (`--json` and `--since` mean different things per subcommand).
  withFigureOptions(
    metrics
      .command("show", { isDefault: true })
      .description(
        "print the five DORA figures with level, samples and 95% interval (the default)",
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
      const options = await doraOptions(o);
      const { renderTable, reportJson } =
        await import("../../metrics/index.js");
      const app = await ctx.app();
      const report = await app.metrics.report(options);
      const byCohort = o.by === "cohort";
      if (o.json) ctx.json(reportJson(report, byCohort));
      else ctx.stdout(renderTable(report, { byCohort }));
    });

  metrics
    .command("import-git")
    .description(
      "import this repository's history: tags matching --deploy-tags (or first-parent commits) as deployments, commits as changes",
    )
    .option(
      "--deploy-tags <glob>",
      "tags that mark production deployments, e.g. 'v*'",
    )
    .option(
      "--since <date>",
      "only commits after this date (2024-01-01, or a span such as 365d)",
    )
    .option(
      "--project <name>",
      "the project name (default: the repository folder's name)",
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
    .action(
      async (o: {
        deployTags?: string;
        since?: string;
        project?: string;
        env: string;
        attributionRules?: string;
      }) => {
        let since = o.since;
        if (since && /^\d+(\.\d+)?[mhdw]$/.test(since)) {
          const { parseSpan } = await import("../../metrics/index.js");
          since = new Date(Date.now() - parseSpan(since)).toISOString();
        }
        const rules = await loadRules(ctx, o.attributionRules);
        const { readGitHistory, storeGitHistory, createDetector } =
          await import("../../metrics/index.js");
        const started = Date.now();
        const progress = (line: string) => ctx.stderr(`import-git: ${line}`);
        // git first, the database after: forking git from a process that holds an open PGlite
        // costs several times more (ADR 084), and a bad repository fails before the store opens.
        const history = await readGitHistory({
          cwd: ctx.cwd,
          deployTags: o.deployTags,
          since,
          project: o.project,
          environment: o.env,
          detector: createDetector(rules),
          progress,
        });
        const app = await ctx.app();
        const result = await storeGitHistory(
          history,
          {
            appendChanges: app.metrics.recordChanges,
            appendDeploymentEvents: app.metrics.recordDeploymentEvents,
          },
          progress,
        );
        const seconds = (Date.now() - started) / 1000;
        ctx.stdout(
          `imported ${result.project}: ${result.commits} commits, ${result.changes} changes (${result.aiAssisted} ai-assisted), ` +
            `${result.deployments} deployments from ${result.mode === "tags" ? `tags '${o.deployTags}'` : "first-parent history"}; ` +
            `${result.newChanges} changes and ${result.newDeployments} deployments were new (${seconds.toFixed(2)} s)`,
        );
      },
    );

  metrics
    .command("attribution")
    .description(
      "list each change with its cohort (ai-assisted or unmarked) and the markers that decided it",
    )
    .option("--project <name>", "only this project")
    .option("--json", "print as JSON")
    .action(async (o: { project?: string; json?: boolean }) => {
      const app = await ctx.app();
      const { data } = await app.metrics.data(o.project);
      const changes = [...data.changes]
        .sort((a, b) => a.firstCommitAt - b.firstCommitAt)
        .map((c) => ({
          id: c.id,
          project: c.project,
          kind: c.kind,
          title: c.title ?? null,
          author: c.author ?? null,
          firstCommitAt: new Date(c.firstCommitAt).toISOString(),
          cohort: c.cohort,
          markers: c.markers,
        }));
      if (o.json) {
        ctx.json({ changes });
        return;
      }
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
      const options = await doraOptions(o);
      const [
        { writeFile },
        { resolve },
        { computeDora, weeklyTrend, renderHtml },
      ] = await Promise.all([
        import("node:fs/promises"),
        import("node:path"),
        import("../../metrics/index.js"),
      ]);
      const app = await ctx.app();
      const { data, rejected } = await app.metrics.data(options.project);
      const report = computeDora(data, options, app.clock);
      for (const r of rejected)
        report.warnings.push(`${r.kind} ${r.id} left out: ${r.reason}`);
      const trend = weeklyTrend(data, options, app.clock);
      const path = resolve(ctx.cwd, o.html);
      await writeFile(
        path,
        renderHtml(report, trend, new Date(app.clock.now()).toISOString()),
      ).catch((error: unknown) => {
        throw new AppError(
          "INVALID_ARGUMENT",
          `cannot write ${o.html}: ${(error as Error).message}`,
        );
      });
      ctx.stdout(`wrote ${path}`);
    });
}
