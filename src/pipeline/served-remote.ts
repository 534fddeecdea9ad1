import { createKeptRepositories } from "./kept-repositories.js";
import type { KeptRepositories } from "./kept-repositories.js";
import type { LocalRunDeps } from "./local-run.js";
import { startLocalRun } from "./local-run.js";
import { receiveRunTree } from "./remote-tree.js";
import type { SentTree } from "./remote-tree.js";
import type { RunSubmission, Serve, ServedRunsDeps } from "./served-runs.js";

/** A remote client's run: its tree as sent, where in it the run starts, and its choices. */
export type RemoteSubmission = Pick<
  RunSubmission,
  "config" | "job" | "maxParallel"
> & {
  /** The only project it may run (the caller's role is on it). */
  project: string;
  tree: SentTree;
  /** The folder the client ran `sluice run` in, relative to its repository's top level. */
  path: string;
};

/** The served runs' remote half (ADR 099, 107): runs of sent trees, and what the server has. */
export function servedRemoteRuns(
  deps: Pick<ServedRunsDeps, "owner" | "remoteEnv"> & {
    localDeps: () => Promise<LocalRunDeps>;
    serve: Serve;
  },
) {
  // The commits remote clients sent, one repository per project (ADR 107).
  let kept: KeptRepositories | undefined;
  const keptRepositories = async () =>
    (kept ??= createKeptRepositories((await deps.localDeps()).home));
  return {
    /**
     * A remote client's run (ADR 099): its commits kept in the project's repository (ADR 107),
     * its tree unpacked under `$SLUICE_HOME/received`, run as a checkout of its commit (with a
     * diff: a working tree), on the one project the caller may run, with the server's narrowed
     * environment, and removed at its end.
     */
    async submitRemote(
      request: RemoteSubmission,
    ): Promise<{ runId: string; notices: string[] }> {
      const local = await deps.localDeps();
      const { cwd, release } = await receiveRunTree(
        local.home,
        await keptRepositories(),
        request,
      );
      return deps.serve(
        undefined,
        async (run) =>
          startLocalRun(local, {
            cwd,
            config: request.config,
            job: request.job,
            maxParallel: request.maxParallel,
            workingTree: request.tree.diff !== undefined,
            env: deps.remoteEnv ?? {},
            project: request.project,
            ...run,
            owner: deps.owner,
          }),
        release,
      );
    },

    /**
     * Which of the commits a remote client offers this server has of `project`, history and
     * all: its next bundle leaves them out (ADR 107).
     */
    async knownCommits(project: string, commits: string[]): Promise<string[]> {
      return (await keptRepositories()).known(project, commits);
    },
  };
}
