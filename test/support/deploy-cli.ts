import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalTarget, writeSampleService } from "../../src/deploy/index.js";
import { stopLocalServer } from "./local-server.js";

/**
 * A folder of its own for a test that deploys with the CLI: the sample service in `app`
 * (`service` is its server.mjs) and the home in `home`, which `env` names. `remove()` stops what
 * the test left running (shop's production, or the environments named, and the home's local
 * server) and deletes the folder.
 */
export function deployFolder(
  prefix: string,
  extraEnv: Record<string, string> = {},
) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const app = join(root, "app");
  const service = writeSampleService(app);
  const env: Record<string, string> & { SLUICE_HOME: string } = {
    SLUICE_HOME: join(root, "home"),
    ...extraEnv,
  };
  return {
    root,
    app,
    service,
    env,
    async remove(environments: [string, string][] = [["shop", "production"]]) {
      for (const [project, environment] of environments)
        await stopTarget(env.SLUICE_HOME, project, environment);
      stopLocalServer(env.SLUICE_HOME);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Stops whatever a test left serving an environment: its daemon, releases and proxy. */
export async function stopTarget(
  home: string,
  project: string,
  environment: string,
): Promise<void> {
  const dir = join(home, "deploy", project, environment);
  if (!existsSync(join(dir, "daemon.json"))) return;
  await new LocalTarget({
    dir,
    proxyPort: 0,
    daemonCommand: [],
    env: {},
  }).shutdown();
}

/**
 * `sluice deploy production --project <project>` (shop unless named) of release `version` (its
 * VERSION variable too) on a free proxy port, running `command`.
 */
export function deployArgs(
  version: string,
  command: string,
  extra: string[] = [],
  project = "shop",
): string[] {
  return [
    "deploy",
    "production",
    "--project",
    project,
    "--proxy-port",
    "0",
    "--release",
    version,
    "--env",
    `VERSION=${version}`,
    "--command",
    command,
    ...extra,
  ];
}
