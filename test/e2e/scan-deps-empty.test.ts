import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeForTest, stopLocalServer } from "../support/local-server.js";
import { writeZip } from "../../src/scan/deps/zip.testkit.js";
import { assertBuilt, gitRepo, root, sluice } from "./cli.js";

const advisory = {
  schema_version: "1.6.0",
  id: "GHSA-test-0000-0001",
  modified: "2025-01-01T00:00:00Z",
  summary: "prototype pollution in lodash",
  affected: [
    {
      package: { ecosystem: "npm", name: "lodash" },
      ranges: [
        { type: "SEMVER", events: [{ introduced: "0" }, { fixed: "4.17.19" }] },
      ],
    },
  ],
};

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-deps-empty-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const lockfile = JSON.stringify({
  lockfileVersion: 3,
  packages: {
    "": { dependencies: { lodash: "^4" } },
    "node_modules/lodash": { version: "4.17.15" },
  },
});

/** A package-lock.json of `count` packages, written in pieces (it may be hundreds of MB). */
function bigLockfile(dir: string, count: number): string {
  const path = join(dir, "package-lock.json");
  const fd = openSync(path, "w");
  writeSync(fd, '{"name":"big","lockfileVersion":3,"packages":{"":{}');
  const integrity = `sha512-${"A".repeat(86)}==`;
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    chunk.push(
      `,\n    "node_modules/pkg-${i}": {\n      "version": "1.0.${i % 100}",\n      "resolved": "https://registry.npmjs.org/pkg-${i}/-/pkg-${i}-1.0.${i % 100}.tgz",\n      "integrity": "${integrity}"\n    }`,
    );
    if (chunk.length === 10_000) {
      writeSync(fd, chunk.join(""));
      chunk = [];
    }
  }
  writeSync(fd, `${chunk.join("")}}}\n`);
  closeSync(fd);
  return path;
}

/** Reads lockfiles in a child node process and reports what it found and its peak memory. */
function readInChild(
  dir: string,
  maxBytes?: number,
): { packages: number; error?: string; maxRssMb: number; rssMb: number } {
  const script = `
    const { readLockfiles } = await import(${JSON.stringify(join(root, "dist", "scan", "deps", "index.js"))});
    const [r] = readLockfiles(${JSON.stringify(dir)}, ["package-lock.json"]${maxBytes ? `, ${maxBytes}` : ""});
    console.log(JSON.stringify({
      packages: r.packages.length,
      error: r.error?.message,
      rssMb: process.memoryUsage().rss / 1048576,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }));`;
  const out = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", script],
    { encoding: "utf8" },
  );
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout);
}

describe("sluice scan deps and sluice run when the dependency scan scans nothing (built CLI)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-deps-empty-home-"));
  const env = { SLUICE_HOME: home, SLUICE_DATABASE_URL: "" };
  afterAll(() => {
    // Its commands started the home's local server on demand.
    stopLocalServer(home);
    rmSync(home, { recursive: true, force: true });
  });

  beforeAll(() => {
    assertBuilt();
    const zips = mkdtempSync(join(tmpdir(), "sluice-deps-empty-zip-"));
    writeFileSync(
      join(zips, "all.zip"),
      writeZip([
        { name: `${advisory.id}.json`, data: JSON.stringify(advisory) },
      ]),
    );
    expect(
      sluice(root, env, ["advisories", "import", join(zips, "all.zip")]).code,
    ).toBe(0);
  });

  it("sluice run shows a skipped dependency scan as a warning in its summary, and fails with on-empty: fail", () => {
    const repo = gitRepo({
      "sluice.yml":
        "name: warn-demo\njobs:\n  scan:\n    steps:\n      - uses: sluice/scan\n        with: { secrets: false }\n",
      "strict.yml":
        "name: strict-demo\njobs:\n  scan:\n    steps:\n      - uses: sluice/scan\n        with: { secrets: false, on-empty: fail }\n",
      "package-lock.json": lockfile,
    });
    // A home with no advisories imported.
    const bare = {
      SLUICE_HOME: homeForTest("sluice-deps-bare-home-"),
      SLUICE_DATABASE_URL: "",
    };
    const run = sluice(repo, bare, ["run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /sluice: warning: scan › sluice\/scan: dependency scan skipped: no advisories imported/,
    );
    const show = sluice(repo, bare, ["run", "show", "last"]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/sluice\/scan\s+success.*1 warning/);
    expect(show.stdout).toMatch(
      /warnings: 1\n {2}scan › sluice\/scan: dependency scan skipped/,
    );
    const json = JSON.parse(
      sluice(repo, bare, ["run", "show", "last", "--json"]).stdout,
    );
    expect(json.jobs[0].steps[0].warnings).toEqual([
      expect.stringMatching(/^dependency scan skipped/),
    ]);

    const strict = sluice(repo, bare, ["run", "-f", "strict.yml"]);
    expect(strict.code).toBe(1);
  });

  it("exits 128 when there is no lockfile (0 with --allow-no-lockfiles) and names manifests that have none", () => {
    const nothing = tree({ "README.md": "# nothing to lock\n" });
    const empty = sluice(nothing, env, ["scan", "deps"]);
    expect(empty.code).toBe(128);
    expect(empty.stdout).toMatch(/^scanned 0 packages in 0 lockfiles/);
    expect(empty.stderr).toContain(
      "sluice: no lockfile found in .: nothing was scanned (exit 128; --allow-no-lockfiles accepts it)",
    );
    const allowed = sluice(nothing, env, [
      "scan",
      "deps",
      "--allow-no-lockfiles",
    ]);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain(
      "sluice: warning: no lockfile found in .: nothing was scanned",
    );

    const unlocked = tree({
      "package.json": JSON.stringify({ dependencies: { lodash: "^4" } }),
      "api/pyproject.toml":
        '[project]\nname = "api"\ndependencies = ["flask>=2"]\n',
      "tools/requirements.txt": "flask>=2\nrequests==2.31.0\n",
    });
    const named = sluice(unlocked, env, ["scan", "deps", "--format", "json"]);
    // requirements.txt is read (one exact pin), so something was scanned.
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toContain(
      "sluice: warning: package.json: no lockfile for this package.json (package-lock.json, npm-shrinkwrap.json, yarn.lock or pnpm-lock.yaml): its dependencies were not scanned",
    );
    expect(named.stderr).toMatch(
      /sluice: warning: api\/pyproject\.toml: no lockfile for this pyproject\.toml \(uv\.lock, poetry\.lock/,
    );
    expect(named.stderr).toContain(
      "sluice: warning: tools/requirements.txt: 1 requirement without an exact == pin was not scanned",
    );
    expect(
      JSON.parse(named.stdout).scan.unlocked.map(
        (m: { path: string }) => m.path,
      ),
    ).toEqual(["api/pyproject.toml", "package.json"]);
    expect(JSON.parse(named.stdout).scan.warnings).toHaveLength(3);
  });

  it("refuses a 200 MB lockfile unread, with a clear error and bounded memory; a smaller one parses within a bound", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-deps-big-"));
    // ~265 bytes a package: about 200 MB.
    bigLockfile(dir, 800_000);
    const scan = sluice(dir, env, ["scan", "deps"]);
    expect(scan.code).toBe(2);
    expect(scan.stderr).toMatch(
      /sluice: package-lock\.json: \d{3} MB is over the 64 MB limit for a lockfile; not read \(--max-lockfile-megabytes raises it\)/,
    );
    expect(scan.stderr).not.toMatch(/\n\s+at /);
    const refused = readInChild(dir);
    expect(refused.packages).toBe(0);
    expect(refused.error).toMatch(/over the 64 MB limit/);
    // Before the limit, reading it took about 1.6 GB; refused, the process stays near its start.
    expect(refused.maxRssMb).toBeLessThan(250);
    rmSync(dir, { recursive: true, force: true });

    const small = mkdtempSync(join(tmpdir(), "sluice-deps-small-"));
    bigLockfile(small, 40_000); // about 11 MB
    const parsed = readInChild(small);
    expect(parsed.error).toBeUndefined();
    expect(parsed.packages).toBe(40_000);
    expect(parsed.maxRssMb).toBeLessThan(600);
    // The bound is the user's to set.
    const tight = sluice(small, env, [
      "scan",
      "deps",
      "--max-lockfile-megabytes",
      "5",
    ]);
    expect(tight.code).toBe(2);
    expect(tight.stderr).toMatch(/1\d MB is over the 5 MB limit/);
    const nonsense = sluice(small, env, [
      "scan",
      "deps",
      "--max-lockfile-megabytes",
      "lots",
    ]);
    expect(nonsense.code).toBe(2);
    expect(nonsense.stderr).toBe(
      "sluice: --max-lockfile-megabytes must be a positive number, not 'lots'\n",
    );
    rmSync(small, { recursive: true, force: true });
  });
});
