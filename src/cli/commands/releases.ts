import type { Command } from "commander";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";

export function registerReleases(program: Command, ctx: CliContext): void {
  program
    .command("releases")
    .description("list a project's releases and its deployments, newest first")
    .option(
      "--project <name>",
      "the project (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option("--json", "print as JSON")
    .action(async (options: { project?: string; json?: boolean }) => {
      const app = await ctx.app();
      const project = resolveProject(ctx.cwd, options.project).name;
      const [releases, deployments] = await Promise.all([
        app.deploy.releases(project),
        app.deploy.deployments(project),
      ]);
      const version = new Map(releases.map((r) => [r.id, r.version]));
      const iso = (ms: number | null) =>
        ms === null ? null : new Date(ms).toISOString();
      if (options.json) {
        ctx.json({
          project,
          releases: releases.map((r) => ({
            ...r,
            createdAt: iso(r.createdAt),
          })),
          deployments: deployments.map((d) => ({
            ...d,
            release: version.get(d.releaseId) ?? d.releaseId,
            previousRelease: d.previousReleaseId
              ? (version.get(d.previousReleaseId) ?? d.previousReleaseId)
              : null,
            startedAt: iso(d.startedAt),
            finishedAt: iso(d.finishedAt),
          })),
        });
        return;
      }
      if (releases.length === 0) {
        ctx.stdout(
          `no releases of ${project} yet: sluice deploy <environment> --command "..."`,
        );
        return;
      }
      ctx.stdout(`releases of ${project}:`);
      for (const r of releases)
        ctx.stdout(
          `  ${r.version.padEnd(16)} ${iso(r.createdAt)}  ${r.commit ? `${r.commit.slice(0, 12)}  ` : ""}${r.command}`,
        );
      ctx.stdout("deployments:");
      for (const d of deployments) {
        ctx.stdout(
          `  ${iso(d.startedAt)} ${d.environment.padEnd(12)} ${(version.get(d.releaseId) ?? d.releaseId).padEnd(16)} ${d.status}${d.reason ? ` (${d.reason})` : ""}${d.incidentId ? ` incident ${d.incidentId}` : ""}`,
        );
      }
    });
}
