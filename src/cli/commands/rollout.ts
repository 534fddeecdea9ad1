import type { Command } from "commander";
import type {
  DeployService,
  RolloutOutcome,
  RolloutReport,
} from "../../deploy/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface RolloutOptions {
  project?: string;
  json?: boolean;
  full?: boolean;
  toRelease?: string;
}

type Verb = Parameters<DeployService["steer"]>[2];

const verbs: {
  name: Verb;
  description: string;
  /** The end state this verb asks for: reaching it exits 0. */
  asked?: RolloutOutcome;
}[] = [
  {
    name: "promote",
    description:
      "go past the current pause or analysis (--full: skip every step) and carry on",
  },
  {
    name: "abort",
    description: "send all traffic back to stable and stop the new release",
    asked: "aborted",
  },
  {
    name: "retry",
    description: "start an aborted rollout over",
  },
  {
    name: "undo",
    description:
      "roll back to the previous release (aborts an unfinished rollout), or with --to-release to an earlier one",
    asked: "aborted",
  },
  {
    name: "resume",
    description:
      "carry on a rollout after sluice stopped, re-adopting its processes",
  },
];

/** The rollout's route of `environment` and `?project=` (the current project by default). */
function rolloutPath(
  ctx: CliContext,
  environment: string,
  options: RolloutOptions,
  tail = "",
): string {
  const project = resolveProject(ctx.cwd, options.project).name;
  return `/api/v1/rollouts/${encodeURIComponent(environment)}${tail}?${new URLSearchParams({ project })}`;
}

/** The client side of a rollout verb, loaded when one runs (not for `--help`). */
const client = () => import("./deploy-client.js");

/**
 * `sluice rollout ...`, through the local server of the home (started on demand), which drives
 * the rollout: these commands carry it on until it ends or waits for a person again, printing its
 * timeline entries as they happen. `sluice deploy` goes through the same server.
 */
export function registerRollout(program: Command, ctx: CliContext): void {
  const group = program.command("rollout").description(summaryOf("rollout"));
  group
    .command("status")
    .description(
      "show the latest rollout of an environment: steps, weights, analysis runs, phase",
    )
    .argument("[environment]", "the environment", "production")
    .option(
      "--project <name>",
      "the project (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option("--json", "print the rollout as JSON")
    .action(async (environment: string, options: RolloutOptions) => {
      const { localServer, printReport } = await client();
      // Times in the answer come back as Dates (`…At`) and print as the same ISO 8601 text.
      const view = await (
        await localServer(ctx)
      ).json<RolloutReport>(
        "GET",
        rolloutPath(ctx, environment, options, "/report"),
      );
      await printReport(ctx, view, { json: Boolean(options.json) });
      if (!options.json) {
        for (const t of view.timeline) {
          ctx.stdout(
            `  ${t.at} ${t.event}${t.weight !== undefined ? ` ${t.weight}%` : ""}${t.detail ? ` ${t.detail}` : ""}`,
          );
        }
      }
    });
  for (const verb of verbs) {
    const cmd = group
      .command(verb.name)
      .description(verb.description)
      .argument("[environment]", "the environment", "production")
      .option(
        "--project <name>",
        "the project (default: the name in ./sluice.yml, else the repository folder's name)",
      )
      .option("--json", "print the rollout as JSON when it ends or waits");
    if (verb.name === "promote")
      cmd.option("--full", "skip every remaining step");
    if (verb.name === "undo")
      cmd.option(
        "--to-release <name>",
        "deploy this earlier release again, fast-tracked (Argo's undo --to-revision)",
      );
    cmd.action(async (environment: string, options: RolloutOptions) => {
      const { followRollout, localServer, printReport } = await client();
      // The timeline entries print on stderr as they happen, the report when it ends or waits.
      const view = await followRollout(
        ctx,
        await localServer(ctx),
        rolloutPath(ctx, environment, options, `/${verb.name}`),
        {
          ...(options.full ? { full: true } : {}),
          ...(options.toRelease ? { toRelease: options.toRelease } : {}),
        },
      );
      await printReport(ctx, view, {
        json: Boolean(options.json),
        ...(verb.asked ? { asked: verb.asked } : {}),
      });
    });
  }
}
