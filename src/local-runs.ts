import type { App } from "./app.js";
import { isAlive } from "./kernel/index.js";
import type { LocalRunDeps } from "./pipeline/index.js";

/**
 * What pipeline's local runs take from an open App: one wiring for `sluice run` in the local
 * server (`server/routes/run-submit.ts`, with the machine-wide job `capacity` over the run's
 * own) and in process (`sluice demo`). Loaded on demand, as the step checks it reads are.
 */
export async function localRunDeps(
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
export function remoteRunEnv(): Record<string, string> {
  const env: Record<string, string> = { CI: "true" };
  for (const name of remoteEnvNames) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
