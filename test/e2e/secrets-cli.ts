import { spawnSync } from "node:child_process";
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { homeForTest } from "../support/local-server.js";
import { bin } from "./cli.js";
import type { CliResult } from "./cli.js";

/**
 * A temp SLUICE_HOME and a `sluice` that feeds `input` to standard input, for one test: when it
 * ends, the home's local server (which the commands start) is stopped and the folders removed.
 */
export function secretsHome(extraEnv: Record<string, string> = {}) {
  const home = homeForTest("sluice-secrets-e2e-");
  const cwd = mkdtempSync(join(tmpdir(), "sluice-secrets-cwd-"));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  const env = {
    SLUICE_HOME: home,
    SLUICE_ACTOR: "Ada <ada@example.com>",
    // The commands start the home's server (ADR 105): it exits soon after the test's last one.
    SLUICE_SERVER_IDLE: "20s",
    ...extraEnv,
  };
  const run = (
    args: string[],
    input = "",
    more: Record<string, string> = {},
  ): CliResult => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      cwd,
      input,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", ...env, ...more },
    });
    return {
      code: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  };
  return { home, cwd, run };
}

/** Every file under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const bytes = Buffer.from(needle, "utf8");
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      // A local server's socket (or a file it removes as it exits) holds no bytes to read.
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path);
      else if (stat?.isFile() && readFileSync(path).includes(bytes))
        found.push(path);
    }
  };
  walk(dir);
  return found;
}
