import { exited, startServe } from "../e2e/cli.js";
import { useFreshPostgres } from "./databases.js";

/**
 * `sluice serve` of `env.SLUICE_HOME`, on a fresh Postgres database (set in `env`, unless `env`
 * names one already) when SLUICE_TEST_DATABASE_URL is set; `stop()` ends it and waits for it.
 */
export async function serveHome(cwd: string, env: Record<string, string>) {
  if (env.SLUICE_DATABASE_URL === undefined) await useFreshPostgres(env);
  const served = await startServe(cwd, {
    ...env,
    SLUICE_HOME: env.SLUICE_HOME!,
  });
  return {
    ...served,
    async stop() {
      if (served.server.exitCode !== null) return;
      served.server.kill("SIGTERM");
      await exited(served.server);
    },
  };
}
