import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { LocalTarget } from "../../src/deploy/index.js";
import { exited } from "./cli.js";

/**
 * A new database on the Postgres of SLUICE_TEST_DATABASE_URL, as a URL for SLUICE_DATABASE_URL;
 * undefined when no Postgres is given (the test runs on the embedded store).
 */
export async function freshPostgres(
  prefix: string,
): Promise<string | undefined> {
  const postgres = process.env.SLUICE_TEST_DATABASE_URL;
  if (!postgres) return undefined;
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: postgres });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgres);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Ends `sluice serve` (SIGTERM) and waits for it, unless it is gone already. */
export async function stopServe(
  serve: ChildProcess | undefined,
): Promise<void> {
  if (!serve || serve.exitCode !== null) return;
  serve.kill("SIGTERM");
  await exited(serve);
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
 * `sluice deploy production --project shop` of release `version` (its VERSION variable too) on a
 * free proxy port, running `command`.
 */
export function deployArgs(
  version: string,
  command: string,
  extra: string[] = [],
): string[] {
  return [
    "deploy",
    "production",
    "--project",
    "shop",
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
