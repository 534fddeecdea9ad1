import type { Command } from "commander";
import type { ReleasesView } from "../../deploy/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

/** `ReleasesView` as the client reads it: its ISO times are Dates again. */
type Dated<T> = {
  [K in keyof T]: K extends `${string}At` ? Date | null : T[K];
};
interface Listed {
  project: string;
  releases: Dated<ReleasesView["releases"][number]>[];
  deployments: Dated<ReleasesView["deployments"][number]>[];
}

export function registerReleases(program: Command, ctx: CliContext): void {
  program
    .command("releases")
    .description(summaryOf("releases"))
    .option(
      "--project <name>",
      "the project (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option("--json", "print as JSON")
    .action(async (options: { project?: string; json?: boolean }) => {
      const project = resolveProject(ctx.cwd, options.project).name;
      // Through the local server of the home (started on demand), never the store itself.
      const { localClient } = await import("../client/local-server.js");
      const listed = await localClient(ctx).json<Listed>(
        "GET",
        `/api/v1/releases?${new URLSearchParams({ project })}`,
      );
      if (options.json) {
        ctx.json(listed);
        return;
      }
      const { releases, deployments } = listed;
      const iso = (at: Date | null) => at?.toISOString() ?? null;
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
          `  ${iso(d.startedAt)} ${d.environment.padEnd(12)} ${d.release.padEnd(16)} ${d.status}${d.reason ? ` (${d.reason})` : ""}${d.incidentId ? ` incident ${d.incidentId}` : ""}`,
        );
      }
    });
}
