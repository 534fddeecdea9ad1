import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertBuilt, root, sluice } from "./cli.js";

/**
 * `sluice init` then `sluice run`, with no hand edits, on public repositories nobody here wrote
 * (../shared/realworld: express, more-itertools, google/uuid), as a new user would.
 */
const bundles = join(root, "..", "shared", "realworld");
const present = existsSync(join(bundles, "SOURCE.txt"));
if (!present) {
  console.warn(
    `${bundles} is absent: the real-world end-to-end tests are skipped`,
  );
}

const work = mkdtempSync(join(tmpdir(), "sluice-realworld-"));
const home = join(work, "home");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function clone(name: string): string {
  const dir = join(work, name);
  execFileSync("git", ["clone", "-q", join(bundles, `${name}.bundle`), dir]);
  execFileSync("git", ["-C", dir, "switch", "-q", "-c", "main"]);
  return dir;
}

function initAndRun(dir: string) {
  const env = { SLUICE_HOME: home, SLUICE_DATABASE_URL: "" };
  const init = sluice(dir, env, ["init"]);
  expect(init.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(init.code, init.stdout + init.stderr).toBe(0);
  const run = sluice(dir, env, ["run"], { timeout: 900_000 });
  expect(run.stderr + run.stdout).not.toMatch(/\n\s+at .*\.js:\d+/);
  return { init, run, output: run.stdout + run.stderr };
}

function hasCommand(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

describe.skipIf(!present)("golden paths on real repositories", () => {
  it("google/uuid (Go): init then run ends in success", () => {
    assertBuilt();
    if (!hasCommand("go")) {
      console.warn("go is not installed (apt-get install golang-go): skipped");
      return;
    }
    const dir = clone("uuid");
    const { init, run, output } = initAndRun(dir);
    expect(init.stdout).toContain("golden/go@1");
    expect(run.code, output).toBe(0);
    expect(output).toMatch(/run run_\w+ success/);
  }, 900_000);

  it("express (Node, no lockfile): init then run ends in success", () => {
    assertBuilt();
    const dir = clone("express");
    const { init, run, output } = initAndRun(dir);
    expect(init.stdout).toContain("golden/node@1");
    // engines.node is ">= 18": a minimum, so the machine's newer node satisfies it.
    expect(readFileSync(join(dir, "sluice.yml"), "utf8")).not.toMatch(
      /node-version: "?18"?\s*$/m,
    );
    expect(run.code, output).toBe(0);
    expect(output).toMatch(/run run_\w+ success/);
  }, 900_000);

  it("more-itertools (Python, flit): init then run succeeds, or fails with the install's own reason shown", () => {
    assertBuilt();
    const dir = clone("more-itertools");
    const { init, run, output } = initAndRun(dir);
    expect(init.stdout).toContain("golden/python@1");
    expect(output).not.toMatch(/syntax error/);
    expect(output).not.toMatch(/the pipeline wants/);
    if (run.code === 0) {
      expect(output).toMatch(/run run_\w+ success/);
    } else {
      // Only the network (PyPI for the flit build backend) may stop it, and its reason is shown.
      expect(run.code, output).toBe(1);
      expect(output).toMatch(/✗ install/);
      expect(output).toMatch(
        /flit|No matching distribution|Could not (find|fetch)|Network|resolve/i,
      );
    }
  }, 900_000);
});
