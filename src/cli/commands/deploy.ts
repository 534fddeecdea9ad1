import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface DeployOptions {
  release?: string;
  command?: string;
  port?: string;
  env: string[];
  cwd?: string;
  health?: string;
  steps?: string;
  strategy?: string;
  killFlags?: string;
  failureAction?: string;
  proxyPort?: string;
  project?: string;
  commit?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerDeploy(program: Command, ctx: CliContext): void {
  const deploy = program.command("deploy");
  deploy
    .description(summaryOf("deploy"))
    .argument("<environment>", "the environment, e.g. production")
    .option(
      "--release <name>",
      "the release's name (default: the sluice/deploy step's version, else from the time)",
    )
    .option("--command <cmd>", "how the release runs (it listens on $PORT)")
    .option("--port <n>", "the release's port (default: a free one)")
    .option(
      "--env <K=V>",
      "environment of the release (repeatable)",
      collect,
      [],
    )
    .option("--cwd <dir>", "working directory of the release")
    .option("--health <path>", "readiness and liveness path (default /healthz)")
    .option(
      "--steps <json>",
      'rollout steps, e.g. \'[{"weight":20},{"analysis":"default"}]\'',
    )
    .option("--strategy <s>", "canary or blue-green")
    .option("--kill-flags <a,b>", "flags to turn off when the rollout fails")
    .option(
      "--failure-action <a>",
      "abort (default) or pause when analysis fails",
    )
    .option(
      "--proxy-port <n>",
      "where the proxy serves the environment (default 8080)",
    )
    .option(
      "--project <name>",
      "the project (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option(
      "--commit <sha>",
      "the commit the release was built from (default: HEAD of the git checkout)",
    )
    .option("--json", "print the rollout as JSON when it ends")
    .action(async (environment: string, options: DeployOptions) => {
      const { parseDeploySpec, splitDeployStepWith } =
        await import("../../deploy/index.js");
      const { project, stepWith } = await readDeployStep(
        ctx,
        environment,
        options.project,
      );
      // The step's own keys (environment, project, version) are not the rollout spec.
      const { target, specInput } = splitDeployStepWith(
        stepWith,
        "sluice.yml sluice/deploy with",
      );
      const version = options.release ?? target.version;
      const input: Record<string, unknown> = { ...specInput };
      if (options.steps !== undefined)
        input.steps = parseJson(options.steps, "--steps");
      if (options.strategy) input.strategy = options.strategy;
      if (options.killFlags)
        input["kill-flags"] = options.killFlags.split(",").filter(Boolean);
      if (options.failureAction)
        input["failure-action"] = options.failureAction;
      if (options.proxyPort)
        input["proxy-port"] = toPort(options.proxyPort, "--proxy-port");
      const release = {
        ...((specInput.release as Record<string, unknown> | undefined) ?? {}),
      };
      if (options.command) release.command = options.command;
      if (options.port) release.port = toPort(options.port, "--port");
      if (options.cwd) release.cwd = options.cwd;
      if (options.health) release.health = options.health;
      if (options.env.length > 0)
        release.env = {
          ...((release.env as object) ?? {}),
          ...parseEnv(options.env),
        };
      if (!release.command) {
        throw new AppError(
          "INVALID_ARGUMENT",
          "no release command: pass --command or set with.release.command in the sluice/deploy step",
        );
      }
      // The server has no working folder of ours: the release runs in this one, or --cwd from here.
      release.cwd = resolve(
        ctx.cwd,
        (release.cwd as string | undefined) ?? ".",
      );
      input.release = release;
      // Checked here first: the same words and exit code, before the server is asked.
      parseDeploySpec(input, "sluice deploy");
      const { deployCommit } = await import("./deploy-commit.js");
      const { commit, change } = await deployCommit(
        ctx.cwd,
        project,
        options.commit,
      );
      if (!commit)
        ctx.stderr(
          "sluice deploy: no commit (not a git checkout, or no commit yet): this deployment is left out of the DORA figures; pass --commit SHA",
        );
      // The deployment is recorded and driven in the home's server, which streams its timeline.
      const { followRollout, localServer, printReport } =
        await import("./deploy-client.js");
      const view = await followRollout(
        ctx,
        await localServer(ctx),
        `/api/v1/deployments?${new URLSearchParams({ project })}`,
        {
          environment,
          spec: input,
          ...(version ? { version } : {}),
          ...(commit ? { commit } : {}),
          ...(change
            ? {
                change: {
                  branch: change.branch ?? null,
                  author: change.author ?? null,
                  authorEmail: change.authorEmail ?? null,
                  message: change.message ?? "",
                  trailers: change.trailers ?? {},
                  authoredAt: new Date(change.createdAt).toISOString(),
                },
              }
            : {}),
        },
        {
          superseded: (detail) => ctx.stderr(`sluice deploy: ${detail}`),
          started: (line) =>
            ctx.stderr(
              `sluice deploy: rollout ${line.rollout} of ${line.project} to ${line.environment}`,
            ),
        },
      );
      await printReport(ctx, view, { json: Boolean(options.json) });
    });
  deploy
    .command("stop")
    .description(
      "stop what serves an environment: every release and its proxy (refused while a rollout is unfinished)",
    )
    .argument("<environment>", "the environment, e.g. production")
    .option(
      "--project <name>",
      "the project (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .action(async (environment: string, _options: unknown, cmd: Command) => {
      // `--project` may be parsed by `deploy` itself, before the subcommand.
      const options = cmd.optsWithGlobals<{ project?: string }>();
      const { project } = await readDeployStep(
        ctx,
        environment,
        options.project,
      );
      const { localServer, stopEnvironment } =
        await import("./deploy-client.js");
      const stopped = await stopEnvironment(
        await localServer(ctx),
        project,
        environment,
      );
      ctx.stdout(
        stopped
          ? `stopped ${project} in ${environment}: its releases and proxy`
          : `nothing was running for ${project} in ${environment}`,
      );
    });
}

/** The `with` of the sluice/deploy step for the environment in sluice.yml (or nothing) and the project. */
async function readDeployStep(
  ctx: CliContext,
  environment: string,
  projectOption: string | undefined,
): Promise<{ project: string; stepWith: Record<string, unknown> }> {
  const file = join(ctx.cwd, "sluice.yml");
  if (!existsSync(file))
    return {
      project: resolveProject(ctx.cwd, projectOption).name,
      stepWith: {},
    };
  const { loadConfig } = await import("../../config/index.js");
  const loaded = loadConfig(file);
  const jobs = Object.values(loaded.config.jobs ?? {}) as {
    environment?: string;
    steps?: { uses?: string; with?: Record<string, unknown> }[];
  }[];
  const candidates = jobs.flatMap((job) =>
    (job.steps ?? [])
      .filter((s) => s.uses === "sluice/deploy")
      .map((s) => ({ job, step: s })),
  );
  const match =
    candidates.find((c) => c.job.environment === environment) ?? candidates[0];
  return {
    project: resolveProject(ctx.cwd, projectOption).name,
    stepWith: match?.step.with ?? {},
  };
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("INVALID_ARGUMENT", `${flag} is not valid JSON`);
  }
}

function toPort(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new AppError("INVALID_ARGUMENT", `${flag}: ${text} is not a port`);
  return n;
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf("=");
    if (i <= 0)
      throw new AppError(
        "INVALID_ARGUMENT",
        `--env ${pair.split("=")[0]}: expected KEY=VALUE`,
      );
    env[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return env;
}
