import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { writeZip } from "../../src/scan/deps/zip.testkit.js";
import {
  ghsaSample as samples,
  vulnerableLockfile,
} from "../support/ghsa-sample.js";
import { stopLocalServer } from "../support/local-server.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin", "sluice.js");

function sluice(home: string, args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: {
      ...process.env,
      SLUICE_HOME: home,
      SLUICE_DATABASE_URL: "",
      SLUICE_OSV_API_URL: "http://127.0.0.1:9",
    },
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-deps-e2e-"));
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify(vulnerableLockfile, null, 2),
  );
  mkdirSync(join(dir, "node_modules", "x"), { recursive: true });
  writeFileSync(
    join(dir, "node_modules", "x", "package-lock.json"),
    "not even json",
  );
  return dir;
}

describe("sluice scan deps and sluice advisories (built CLI)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-home-"));
  const dir = project();
  afterAll(() => {
    // `advisories import` started the home's local server on demand: it would idle for 10 minutes.
    stopLocalServer(home);
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  let snapshotId = "";

  it("refuses to scan before any advisories are imported", () => {
    const r = sluice(home, ["scan", "deps", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no advisories imported yet/);
  });

  it("imports a zip export, skipping and counting records it cannot use", () => {
    const zipDir = mkdtempSync(join(tmpdir(), "sluice-zip-"));
    const files = readdirSync(samples).filter((f) => f.endsWith(".json"));
    const extra = [
      {
        name: "DEB-1.json",
        data: JSON.stringify({
          id: "DEB-1",
          modified: "2024-01-01T00:00:00Z",
          affected: [
            {
              package: { ecosystem: "Debian:12", name: "openssl" },
              ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
            },
          ],
        }),
      },
      {
        name: "BAD-1.json",
        data: JSON.stringify({
          id: "BAD-1",
          modified: "2024-01-01T00:00:00Z",
          affected: [
            {
              package: { ecosystem: "npm", name: "x" },
              ranges: [{ type: "ECOSYSTEM", events: [{ fixed: "1.0.0" }] }],
            },
          ],
        }),
      },
    ];
    writeFileSync(
      join(zipDir, "all.zip"),
      writeZip([
        ...files.map((f) => ({
          name: f,
          data: readFileSync(join(samples, f)),
        })),
        ...extra,
      ]),
    );
    const r = sluice(home, ["advisories", "import", join(zipDir, "all.zip")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/imported 4 advisories .* as snapshot snap_/);
    snapshotId = /snapshot (snap_\w+)/.exec(r.out)![1]!;
    expect(r.out).toMatch(
      /skipped 2 records \((1 unknown ecosystem, 1 bad range|1 bad range, 1 unknown ecosystem)\)/,
    );
  });

  it("keeps the previous snapshot when the zip is corrupted", () => {
    const zipDir = mkdtempSync(join(tmpdir(), "sluice-zip-"));
    const zip = writeZip([
      {
        name: "a.json",
        data: readFileSync(join(samples, "GHSA-p6mc-m468-83gw.json")),
      },
    ]);
    writeFileSync(join(zipDir, "all.zip"), zip.subarray(0, zip.length - 40));
    const r = sluice(home, ["advisories", "import", join(zipDir, "all.zip")]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toEqual([
      expect.stringMatching(/^sluice: .*all\.zip: not a readable zip archive/),
    ]);
    const after = JSON.parse(
      sluice(home, ["advisories", "status", "--json"]).out,
    );
    expect(after.snapshot.id).toBe(snapshotId);
    expect(after.byEcosystem).toEqual({ npm: 4 });
  });

  it("reports findings in human form and exits 1 at --fail-on", () => {
    const r = sluice(home, ["scan", "deps", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /scanned 3 packages in 1 lockfile against advisory snapshot snap_/,
    );
    expect(r.out).toContain("via express > lodash");
    expect(r.out.trim().split("\n").at(-1)).toBe(
      "4 findings: 1 critical, 2 high, 1 medium",
    );
  });

  it("writes JSON with the snapshot, and SARIF to a file", () => {
    const json = JSON.parse(
      sluice(home, [
        "scan",
        "deps",
        dir,
        "--format",
        "json",
        "--fail-on",
        "critical",
      ]).out,
    );
    expect(json.findings).toHaveLength(4);
    expect(json.scan.snapshot.id).toMatch(/^snap_/);
    expect(json.findings[0].properties).toMatchObject({
      package: "minimist",
      fixedVersion: "1.2.6",
      snapshot: json.scan.snapshot.id,
    });
    const out = join(dir, "deps.sarif");
    expect(
      sluice(home, ["scan", "deps", dir, "--format", "sarif", "--output", out])
        .code,
    ).toBe(1);
    const sarif = JSON.parse(readFileSync(out, "utf8"));
    expect(sarif.runs).toHaveLength(1);
    expect(sarif.runs[0].results).toHaveLength(4);
  });

  it("answers the same from the database when the advisory file is gone", () => {
    const scan = () =>
      JSON.parse(sluice(home, ["scan", "deps", dir, "--format", "json"]).out);
    const file = join(home, "advisories.idx");
    expect(existsSync(file)).toBe(true);
    const fromFile = scan();
    rmSync(file);
    const fromDatabase = scan();
    expect(fromDatabase.findings).toHaveLength(4);
    expect(fromDatabase.findings).toEqual(fromFile.findings);
    expect(fromDatabase.scan.snapshot).toEqual(fromFile.scan.snapshot);
  });

  it("names a malformed lockfile and still scans the others (exit 2)", () => {
    mkdirSync(join(dir, "svc"));
    writeFileSync(
      join(dir, "svc", "yarn.lock"),
      'a@^1:\n  version "1.0.0"\noops\n',
    );
    const r = sluice(home, ["scan", "deps", dir, "--format", "json"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^sluice: svc\/yarn.lock:3: /m);
    expect(JSON.parse(r.out).findings).toHaveLength(4);
  });

  it("fails cleanly when --online cannot reach the OSV API", () => {
    const r = sluice(home, [
      "scan",
      "deps",
      join(dir, "package-lock.json"),
      "--online",
    ]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^sluice: cannot reach the OSV API at http:\/\/127.0.0.1:9/,
      ),
    ]);
  });

  it("imports SARIF from another tool", () => {
    // A minimal SARIF 2.1.0 log as GitHub code scanning accepts it, from a tool that is not sluice.
    const sarif = join(dir, "acme.sarif");
    writeFileSync(
      sarif,
      JSON.stringify({
        version: "2.1.0",
        runs: [
          {
            tool: {
              driver: {
                name: "acme-secret-scan",
                rules: [
                  {
                    id: "SEC001",
                    defaultConfiguration: { level: "error" },
                    properties: { "security-severity": "8.0" },
                  },
                ],
              },
            },
            results: [
              {
                ruleId: "SEC001",
                level: "error",
                message: { text: "GitHub personal access token found" },
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: "src/app.js" },
                      region: { startLine: 1 },
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const r = sluice(home, ["scan", "sarif", sarif, "--format", "json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).findings[0]).toMatchObject({
      tool: "acme-secret-scan",
      ruleId: "SEC001",
      severity: "high",
    });
    expect(
      sluice(home, ["scan", "sarif", join(dir, "package-lock.json")]).err,
    ).toMatch(/not a SARIF 2.1.0 log/);
  });
});
