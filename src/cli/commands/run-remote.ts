import { existsSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { AppError, isAppError } from "../../kernel/index.js";
import type { RemoteTarget } from "../client/remote-server.js";
import type { ServerClient } from "../client/server-client.js";
import type { CliContext } from "../context.js";
import { findingsOf, followInTerminal } from "./run-client.js";
import type { RunEndpoint, Started } from "./run-client.js";
import { finishCommand } from "./run-terminal.js";
import type { RunHereOptions } from "./run-terminal.js";

/**
 * `sluice run` against a remote server (`sluice login`, SLUICE_SERVER; ADR 099): this
 * repository's HEAD is sent as a git bundle of the commits the server lacks (ADR 107; with
 * `--working-tree`, its uncommitted changes as a diff too) to the project's runs, runs there,
 * and shows here as a local run does.
 */
export async function runOnRemote(
  ctx: CliContext,
  target: RemoteTarget,
  options: RunHereOptions,
): Promise<void> {
  const [{ resolveProject }, { remoteClient }] = await Promise.all([
    import("../../config/index.js"),
    import("../client/remote-server.js"),
  ]);
  const configPath = resolve(ctx.cwd, options.config);
  if (relative(ctx.cwd, configPath).startsWith(".."))
    throw new AppError(
      "INVALID_ARGUMENT",
      "a run on a server takes its sluice.yml from this folder or below (the commit is what is sent)",
    );
  const configDir =
    existsSync(configPath) && statSync(configPath).isFile()
      ? dirname(configPath)
      : configPath;
  const project = resolveProject(configDir).name;
  const client = remoteClient(target.url, { token: target.token });
  const endpoint: RunEndpoint = {
    base: `/api/v1/projects/${encodeURIComponent(project)}/runs`,
    owner: false,
    server: target.url,
  };
  const submit = await prepareRemoteRun(ctx, client, {
    ...options,
    project,
    server: target.url,
  });
  const outcome = await followInTerminal(
    ctx,
    client,
    options.json,
    submit,
    endpoint,
  );
  await finishCommand(
    ctx,
    outcome,
    options.json,
    findingsOf(client, endpoint.base),
  );
}

/**
 * A remote run made ready to submit (ADR 107): the server says which of HEAD's commits it has
 * of the project, the rest is packed now; the answer submits it. When the server no longer has
 * what the bundle builds on (CONFLICT: its repository was lost meanwhile), the whole history is
 * sent, once.
 */
export async function prepareRemoteRun(
  ctx: Pick<CliContext, "cwd" | "env" | "stderr">,
  client: Pick<ServerClient, "json">,
  run: Omit<RunHereOptions, "json"> & { project: string; server: string },
): Promise<() => Promise<Started>> {
  const { commitsToOffer, packTree } = await import("../../pipeline/index.js");
  const base = `/api/v1/projects/${encodeURIComponent(run.project)}`;
  const offered = await commitsToOffer(ctx.cwd);
  const { known } =
    offered.length === 0
      ? { known: [] } // no commits: packTree says why nothing can be sent
      : await client.json<{ known: string[] }>(
          "POST",
          `${base}/known-commits`,
          { commits: offered },
        );
  const pack = (known: string[]) =>
    packTree(ctx.cwd, {
      workingTree: run.workingTree === true,
      env: ctx.env,
      known,
    });
  const submit = async (
    tree: Awaited<ReturnType<typeof pack>>,
    thin: boolean,
  ) => {
    const size = (tree.bundle?.length ?? 0) + (tree.diff?.length ?? 0);
    const what =
      tree.bundle === undefined
        ? "the server has the commit"
        : thin
          ? `${tree.newCommits} commit${tree.newCommits === 1 ? "" : "s"} the server lacks`
          : "with its history";
    ctx.stderr(
      `sluice: sending ${tree.commit.slice(0, 8)} (${formatBytes(size)}, ${what}) to ${run.server} as project ${run.project}`,
    );
    return client.json<Started>("POST", `${base}/runs`, {
      ...(tree.bundle !== undefined
        ? { bundle: Buffer.from(tree.bundle).toString("base64") }
        : {}),
      commit: tree.commit,
      ...(tree.branch ? { branch: tree.branch } : {}),
      ...(tree.defaultBranch ? { defaultBranch: tree.defaultBranch } : {}),
      ...(tree.diff !== undefined
        ? { diff: Buffer.from(tree.diff).toString("base64") }
        : {}),
      folder: tree.folder,
      path: tree.path,
      config: run.config,
      ...(run.job !== undefined ? { job: run.job } : {}),
      maxParallel: run.maxParallel,
    });
  };
  const tree = await pack(known);
  return () =>
    submit(tree, known.length > 0).catch(async (error: unknown) => {
      if (known.length === 0 || !isAppError(error) || error.code !== "CONFLICT")
        throw error;
      ctx.stderr(`sluice: ${error.message}`);
      return submit(await pack([]), false);
    });
}

function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} KiB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
