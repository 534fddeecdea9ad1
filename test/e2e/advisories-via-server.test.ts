import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, sluice } from "./cli.js";
import {
  ghsaSample as samples,
  vulnerableLockfile,
} from "../support/ghsa-sample.js";
import { serveHome } from "../support/served-home.js";

/**
 * Issue 14: `sluice advisories import|status` are clients of the home's server, which owns the
 * store; `sluice scan deps` reads the embedded store's advisory file in process and, when the
 * file is gone, has the server write it again. While `sluice serve` holds the embedded store they
 * work from other processes (before, each failed with "`sluice serve` (process N) holds the
 * embedded store"). With SLUICE_TEST_DATABASE_URL the same runs on a fresh Postgres database.
 */
const postgres = process.env.SLUICE_TEST_DATABASE_URL;

describe("sluice advisories and scan deps while `sluice serve` holds the store (built CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-advisories-served-"));
  const repo = join(dir, "repo");
  const env: Record<string, string> = {
    SLUICE_HOME: join(dir, "home"),
    SLUICE_OSV_API_URL: "http://127.0.0.1:9",
  };
  let serve: Awaited<ReturnType<typeof serveHome>> | undefined;
  const scan = () =>
    sluice(repo, env, ["scan", "deps", ".", "--format", "json"]);

  beforeAll(async () => {
    assertBuilt();
    mkdirSync(repo);
    writeFileSync(
      join(repo, "package-lock.json"),
      JSON.stringify(vulnerableLockfile),
    );
    serve = await serveHome(dir, env);
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("scan deps says that nothing was imported", () => {
    const r = sluice(repo, env, ["scan", "deps", "."]);
    expect(r.stderr).toBe(
      "sluice: no advisories imported yet: run `sluice advisories update` (downloads OSV's exports) or `sluice advisories import PATH`, or scan with --online\n",
    );
    expect(r.code).toBe(2);
  }, 60_000);

  it("imports through the server, shows the snapshot, and scans against it", () => {
    const imported = sluice(repo, env, ["advisories", "import", samples]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toMatch(
      /^imported 4 advisories from .*ghsa-sample as snapshot snap_\w+/,
    );
    const id = /snapshot (snap_\w+)/.exec(imported.stdout)![1];

    const status = sluice(repo, env, ["advisories", "status", "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      snapshot: { id, total: 4 },
      byEcosystem: { npm: 4 },
    });
    const human = sluice(repo, env, ["advisories", "status"]);
    expect(human.stdout).toMatch(
      new RegExp(`^snapshot ${id}, imported \\d{4}-\\S+Z from `),
    );

    const scanned = scan();
    expect(scanned.code, scanned.stderr).toBe(1);
    const report = JSON.parse(scanned.stdout) as {
      findings: unknown[];
      scan: { snapshot: { id: string } };
    };
    expect(report.findings).toHaveLength(4);
    expect(report.scan.snapshot.id).toBe(id);

    // A missing advisory file is written again by the server that holds the store.
    const file = join(env.SLUICE_HOME!, "advisories.idx");
    expect(existsSync(file)).toBe(!postgres);
    if (!postgres) {
      rmSync(file);
      const again = scan();
      expect(again.code, again.stderr).toBe(1);
      const second = JSON.parse(again.stdout) as typeof report;
      expect(second.findings).toEqual(report.findings);
      expect(second.scan.snapshot).toEqual(report.scan.snapshot);
      expect(existsSync(file)).toBe(true);
    }
  }, 120_000);

  it("a bad path is one line, and the snapshot stays", () => {
    const bad = sluice(repo, env, [
      "advisories",
      "import",
      join(dir, "missing"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^sluice: .*missing/);
    const status = sluice(repo, env, ["advisories", "status", "--json"]);
    expect(JSON.parse(status.stdout).byEcosystem).toEqual({ npm: 4 });
  }, 60_000);
});
