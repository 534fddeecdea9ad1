import type { CliContext } from "../context.js";
import type { ServerClient } from "./server-client.js";

/** Where this terminal's runs are read: a server, and the path of its runs. */
export interface RunsEndpoint {
  client: ServerClient;
  /** `/api/v1/runs` on the local server; `/api/v1/projects/:project/runs` on a remote one. */
  base: string;
  /** Says which server, in a line about it. */
  server: string;
}

/**
 * The runs `sluice runs`, `logs` and `run show` read: the local server's (all of the home's),
 * or, after `sluice login` or with SLUICE_SERVER, the remote server's runs of this folder's
 * project (what a remote `sluice run` filed there; ADR 099).
 */
export async function runsEndpoint(
  ctx: CliContext,
  /** On a remote server, this project's runs instead of this folder's project's. */
  project?: string,
): Promise<RunsEndpoint> {
  const { remoteTarget, remoteClient } = await import("./remote-server.js");
  const remote = remoteTarget(ctx.home, ctx.env);
  if (remote) {
    const { resolveProject } = await import("../../config/index.js");
    const name = project ?? resolveProject(ctx.cwd).name;
    return {
      client: remoteClient(remote.url, { token: remote.token }),
      base: `/api/v1/projects/${encodeURIComponent(name)}/runs`,
      server: remote.url,
    };
  }
  const { localClient } = await import("./local-server.js");
  return {
    client: localClient(ctx),
    base: "/api/v1/runs",
    server: "the local server",
  };
}
