import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import {
  isRecordedRunStatus,
  recordedRunStatuses,
} from "../../pipeline/run-status.js";
import type { RunRow } from "../../pipeline/index.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface RunsOptions {
  json?: boolean;
  project?: string;
  branch?: string;
  status?: string;
  limit: string;
}

// The pipeline's own list (a light module: this runs at CLI start-up, before any command).
const statuses = recordedRunStatuses;

export function registerRuns(program: Command, ctx: CliContext): void {
  program
    .command("runs")
    .description(summaryOf("runs"))
    .option("--project <name>", "only runs of this project")
    .option("--branch <name>", "only runs of this branch")
    .option(
      "--status <status>",
      `only runs with this status (${statuses.join(", ")})`,
    )
    .option("-n, --limit <n>", "at most this many runs", "20")
    .option("--json", "print the runs as JSON")
    .action(async (options: RunsOptions) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `--limit must be a positive integer, got ${options.limit}`,
        );
      }
      const status = options.status;
      if (status !== undefined && !isRecordedRunStatus(status)) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `--status must be one of ${statuses.join(", ")}, got ${options.status}`,
        );
      }
      // Through the local server of the home (started on demand), never the store itself; after
      // `sluice login`, the runs of this folder's project on that server.
      const { runsEndpoint } = await import("../client/runs-endpoint.js");
      const { client, base } = await runsEndpoint(ctx, options.project);
      const query = new URLSearchParams({ limit: String(limit) });
      if (options.project && base === "/api/v1/runs")
        query.set("project", options.project);
      if (options.branch) query.set("branch", options.branch);
      if (status) query.set("status", status);
      const runs = await client.json<RunRow[]>("GET", `${base}?${query}`);
      if (options.json) {
        ctx.json(runs);
        return;
      }
      const { formatRunList } = await import("../progress.js");
      ctx.stdout(formatRunList(runs));
    });
}
