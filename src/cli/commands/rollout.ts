import type { Command } from "commander";
import type { DeployService, RolloutOutcome } from "../../deploy/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import { progress, report } from "./deploy.js";

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

/**
 * `sluice rollout ...`. The rollout is driven by the process that holds the store: these
 * commands carry it on until it ends or waits for a person again. While another process
 * (a running `sluice deploy`) holds the embedded store, they fail with its pid.
 */
export function registerRollout(program: Command, ctx: CliContext): void {
  const group = program
    .command("rollout")
    .description("inspect and steer the progressive rollout of an environment");
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
      const app = await ctx.app();
      const record = await app.deploy.latest(
        resolveProject(ctx.cwd, options.project).name,
        environment,
      );
      await report(ctx, app, record, { json: Boolean(options.json) });
      if (!options.json) {
        for (const t of record.status.timeline) {
          ctx.stdout(
            `  ${new Date(t.at).toISOString()} ${t.event}${t.weight !== undefined ? ` ${t.weight}%` : ""}${t.detail ? ` ${t.detail}` : ""}`,
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
      const app = await ctx.app();
      const project = resolveProject(ctx.cwd, options.project).name;
      const record = await app.deploy.steer(project, environment, verb.name, {
        stopWhenPaused: true,
        onProgress: progress(ctx),
        ...(options.full ? { full: true } : {}),
        ...(options.toRelease ? { toRelease: options.toRelease } : {}),
      });
      await report(ctx, app, record, {
        json: Boolean(options.json),
        ...(verb.asked ? { asked: verb.asked } : {}),
      });
    });
  }
}
