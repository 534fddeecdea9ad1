import { freshPostgresUrl } from "../support/databases.js";
import { exited, startServe } from "./cli.js";

/**
 * `sluice serve` of `env.SLUICE_HOME`, on a fresh Postgres database (set in `env`) when
 * SLUICE_TEST_DATABASE_URL is set; `stop()` ends it and waits for it.
 */
export async function serveHome(cwd: string, env: Record<string, string>) {
  const postgres = process.env.SLUICE_TEST_DATABASE_URL;
  if (postgres) env.SLUICE_DATABASE_URL = await freshPostgresUrl(postgres);
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
