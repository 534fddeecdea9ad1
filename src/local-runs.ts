import { availableParallelism, hostname } from "node:os";
import type { App } from "./app.js";
import { isAlive } from "./kernel/index.js";
import type { LocalRunDeps, ServedRuns } from "./pipeline/index.js";

/** The machine-wide limit: jobs of all the runs a server executes at once. */
const machineCapacity = Math.max(8, 2 * availableParallelism());

/**
 * What pipeline's local runs take from an open App: one wiring for the runs the local server
 * executes (`createLocalServedRuns`, with the machine-wide job `capacity` over each run's own).
 * Loaded on demand, as the step checks it reads are.
 */
async function localRunDeps(
  app: Pick<App, "home" | "steps" | "runs" | "pipeline" | "metrics">,
  options: { capacity?: number } = {},
): Promise<LocalRunDeps> {
  const [{ loadBuiltinStepChecks }, { resolveProject }] = await Promise.all([
    import("./builtin-steps.js"),
    import("./config/index.js"),
  ]);
  return {
    home: app.home,
    steps: app.steps,
    runs: app.runs,
    pipeline: (pipelineOptions) =>
      app.pipeline(
        options.capacity === undefined
          ? pipelineOptions
          : { ...pipelineOptions, capacity: options.capacity },
      ),
    checkWith: await loadBuiltinStepChecks(),
    resolveProject: (dir, name) => resolveProject(dir, name).name,
    // The run's change is attributed with the project's own rules too (`metrics.attribution`).
    onConfig: (project, source) =>
      app.metrics.useAttributionRules(
        project,
        source.metrics?.attribution ?? [],
      ),
    isAlive,
  };
}

/**
 * The runs an App executes for its clients (`App.served`): this process owns them, a resumed
 * run is checked against its hold first, and one an approval over HTTP continues runs as many
 * jobs at once as the machine has CPUs.
 */
export async function createLocalServedRuns(
  app: Pick<
    App,
    | "home"
    | "steps"
    | "runs"
    | "pipeline"
    | "metrics"
    | "clock"
    | "logger"
    | "gate"
  >,
): Promise<ServedRuns> {
  const { createServedRuns } = await import("./pipeline/index.js");
  return createServedRuns({
    local: () => localRunDeps(app, { capacity: machineCapacity }),
    runs: app.runs,
    clock: app.clock,
    owner: { pid: process.pid, host: hostname() },
    logger: app.logger,
    remoteEnv: remoteRunEnv(),
    readyToResume: async (runId) => (await app.gate()).readyToResume(runId),
    defaultMaxParallel: availableParallelism(),
  });
}

/** What a remote client's steps inherit of the server's environment (ADR 099). */
const remoteEnvNames = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
];

/**
 * The environment of a remote client's run: the server's PATH, HOME and locale, and `CI=true`
 * as every CI runner sets it; nothing else of the server's environment (its database URL, its
 * tokens), and nothing of the client's: a remote run gets its secrets from sluice's secrets.
 */
function remoteRunEnv(): Record<string, string> {
  const env: Record<string, string> = { CI: "true" };
  for (const name of remoteEnvNames) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
