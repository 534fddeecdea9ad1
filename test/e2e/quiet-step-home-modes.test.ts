import { spawnSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, bin, gitRepo, sluice } from "./cli.js";

/** Every file and folder under `dir` (symbolic links are not followed), with its mode. */
function walk(dir: string): { path: string; mode: number }[] {
  const found = [{ path: dir, mode: lstatSync(dir).mode & 0o777 }];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(path));
    else if (!entry.isSymbolicLink())
      found.push({ path, mode: lstatSync(path).mode & 0o777 });
  }
  return found;
}

describe("$SLUICE_HOME is private to the user (built CLI)", () => {
  let repo: string;
  let home: string;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "package-lock.json": "{}\n",
      "sluice.yml": `name: private
jobs:
  build:
    artifacts: { paths: [out] }
    steps:
      - run: mkdir -p deps out && echo built > out/result && echo cached > deps/file && echo a log line
        cache: { key: "deps-\${{ hashFiles('package-lock.json') }}", paths: [deps] }
  use:
    needs: [build]
    steps:
      - run: cat out/result
`,
    });
    // A home that sluice creates itself, inside a folder of the test's.
    home = join(mkdtempSync(join(tmpdir(), "sluice-e2e-modes-")), "home");
  });
  afterAll(() => {
    // The run started the home's local server on demand, with its 10-minute idle time.
    stopLocalServer(home);
    rmSync(dirname(home), { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  });

  it("holds no file or folder that the group or others may read, whatever the umask", () => {
    // umask 000: every mode sluice leaves to the umask would be world-readable (and writable).
    const run = spawnSync(
      "sh",
      ["-c", 'umask 000; exec "$0" "$@"', process.execPath, bin, "run"],
      {
        cwd: repo,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home },
      },
    );
    expect(run.stderr).toContain("success");
    expect(run.status).toBe(0);
    // The run wrote what the home holds: a database, logs, the cache, an artifact, sluice.log.
    const logs = sluice(repo, { SLUICE_HOME: home }, ["logs", "last"]);
    expect(logs.stdout).toContain("a log line");
    const entries = walk(home);
    const names = entries.map((e) => e.path.slice(home.length));
    for (const expected of [
      "/sluice.log",
      "/db/PG_VERSION",
      "/tmp",
      "/cache",
      "/runs",
    ]) {
      expect(names).toContain(expected);
    }
    expect(
      names.some((n) => n.endsWith(".log") && n.startsWith("/runs/")),
    ).toBe(true);
    expect(
      names.some((n) => n.endsWith(".tar.gz") && n.includes("/artifacts/")),
    ).toBe(true);
    const open = entries
      .filter((e) => (e.mode & 0o077) !== 0)
      .map((e) => `${e.mode.toString(8)} ${e.path.slice(home.length)}`);
    expect(open).toEqual([]);
  });
});
