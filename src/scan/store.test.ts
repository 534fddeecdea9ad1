import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { loadAdvisories, scanDependencies } from "./index.js";
import type { Finding } from "./index.js";
import { testDatabases } from "../../test/support/databases.js";
import { ghsaSample as sampleDir } from "../../test/support/ghsa-sample.js";
import { openAdvisoryFile, writeAdvisoryFile } from "./deps/advisory-file.js";
import { createScanStore } from "./store.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));

/**
 * Not `vulnerableLockfile` (test/support/ghsa-sample.ts): minimist 1.2.6 is past the sample's
 * fixed versions, so only lodash's advisories hit.
 */
const lockfile = {
  name: "app",
  lockfileVersion: 3,
  packages: {
    "": { dependencies: { express: "^4", minimist: "^1" } },
    "node_modules/express": {
      version: "4.0.0",
      dependencies: { lodash: "^4" },
    },
    "node_modules/lodash": { version: "4.17.15" },
    "node_modules/minimist": { version: "1.2.6" },
  },
};

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-scan-store-"));
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify(lockfile, null, 2),
  );
  mkdirSync(join(dir, "svc"));
  writeFileSync(join(dir, "svc", "requirements.txt"), "requests==2.30.0\n");
  mkdirSync(join(dir, "broken"));
  writeFileSync(
    join(dir, "broken", "package-lock.json"),
    '{\n  "packages": {\n    x\n',
  );
  mkdirSync(join(dir, "node_modules", "dep"), { recursive: true });
  writeFileSync(
    join(dir, "node_modules", "dep", "package-lock.json"),
    JSON.stringify(lockfile),
  );
  return dir;
}

describe.each(testDatabases)("scan store on $name", ({ open }) => {
  it("imports advisories, indexes them and scans a project against the snapshot", async () => {
    const database = await open();
    try {
      const store = createScanStore(database, { clock });
      expect(await store.currentSnapshot()).toBeUndefined();
      const snapshot = await store.importAdvisories(
        loadAdvisories(sampleDir, clock),
      );
      expect(snapshot).toMatchObject({ imported: 4, total: 4, skipped: 0 });
      expect(await store.countByEcosystem()).toEqual({ npm: 4 });

      const result = await scanDependencies({
        target: project(),
        advisories: store,
      });
      expect(result.lockfiles.map((l) => l.path)).toEqual([
        "broken/package-lock.json",
        "package-lock.json",
        "svc/requirements.txt",
      ]);
      expect(result.errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/^broken\/package-lock.json:3: invalid JSON/),
      ]);
      const got = result.findings.map((f) => [
        f.ruleId,
        f.properties?.package,
        f.properties?.fixedVersion,
        f.properties?.snapshot,
      ]);
      expect(got.sort()).toEqual([
        ["GHSA-35jh-r3h4-6jhm", "lodash", "4.17.21", snapshot.id],
        ["GHSA-p6mc-m468-83gw", "lodash", "4.17.20", snapshot.id],
      ]);
      const p6mc = result.findings.find(
        (f) => f.ruleId === "GHSA-p6mc-m468-83gw",
      )!;
      expect(p6mc).toMatchObject({
        severity: "high",
        location: { path: "package-lock.json", startLine: 17 },
        properties: {
          aliases: ["CVE-2020-8203"],
          dependencyPath: ["express", "lodash"],
          direct: false,
          version: "4.17.15",
          cvssScore: 7.4,
        },
      });
    } finally {
      await database.close();
    }
  });

  it("re-importing keeps newer records, records a new snapshot and keeps the index right", async () => {
    const database = await open();
    try {
      const store = createScanStore(database, { clock });
      const dir = mkdtempSync(join(tmpdir(), "sluice-adv-"));
      const record = (modified: string, name: string) => ({
        id: "GHSA-x",
        modified,
        affected: [
          {
            package: { ecosystem: "PyPI", name },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
          },
        ],
      });
      writeFileSync(
        join(dir, "a.json"),
        JSON.stringify(record("2024-02-01T00:00:00Z", "Django")),
      );
      const first = await store.importAdvisories(loadAdvisories(dir, clock));
      writeFileSync(
        join(dir, "a.json"),
        JSON.stringify(record("2024-01-01T00:00:00Z", "Flask")),
      );
      clock.advance(1000);
      const second = await store.importAdvisories(loadAdvisories(dir, clock));
      expect(second.id).not.toBe(first.id);
      expect((await store.currentSnapshot())?.id).toBe(second.id);
      expect(
        await store.recordsFor(new Map([["PyPI", new Set(["flask"])]])),
      ).toEqual([]);
      writeFileSync(
        join(dir, "a.json"),
        JSON.stringify(record("2024-03-01T00:00:00Z", "Flask")),
      );
      await store.importAdvisories(loadAdvisories(dir, clock));
      expect(
        (await store.recordsFor(new Map([["PyPI", new Set(["django"])]])))
          .length,
      ).toBe(0);
      expect(
        (await store.recordsFor(new Map([["PyPI", new Set(["flask"])]])))[0]
          ?.modified,
      ).toBe("2024-03-01T00:00:00Z");
    } finally {
      await database.close();
    }
  });

  it("writes an advisory file that answers every scan as the store does", async () => {
    const database = await open();
    try {
      const store = createScanStore(database, { clock });
      const snapshot = await store.importAdvisories(
        loadAdvisories(sampleDir, clock),
      );
      const path = join(
        mkdtempSync(join(tmpdir(), "sluice-adv-file-")),
        "advisories.idx",
      );
      writeAdvisoryFile(path, snapshot, await store.advisoryEntries());
      const file = openAdvisoryFile(path)!;
      try {
        expect(await file.currentSnapshot()).toEqual(snapshot);
        const target = project();
        const fromStore = await scanDependencies({ target, advisories: store });
        const fromFile = await scanDependencies({ target, advisories: file });
        expect(fromFile.findings.length).toBeGreaterThan(0);
        expect(fromFile).toEqual(fromStore);
        const everyKey = new Map([
          ["npm", new Set(["lodash", "minimist", "express", "absent"])],
        ]);
        const byId = (records: { id: string }[]) =>
          [...records].sort((a, b) => a.id.localeCompare(b.id));
        expect(byId(await file.recordsFor(everyKey))).toEqual(
          byId(await store.recordsFor(everyKey)),
        );
      } finally {
        file.close();
      }
    } finally {
      await database.close();
    }
  });

  it("stores findings with a run and reads them back", async () => {
    const database = await open();
    try {
      const store = createScanStore(database, { clock });
      const finding: Finding = {
        tool: "secrets",
        ruleId: "github-pat",
        severity: "high",
        message: "GitHub token ghp_****",
        location: { path: "a.js", startLine: 2 },
        fingerprint: "fp",
        properties: { redacted: "ghp_****" },
      };
      await store.saveScan({
        id: "scan_1",
        runId: "run_1",
        summary: { total: 2 },
        findings: [finding, { ...finding, fingerprint: "fp2" }],
        createdAt: new Date(clock.now()),
      });
      await store.saveScan({
        id: "scan_2",
        runId: "run_2",
        summary: {},
        findings: [],
        createdAt: new Date(clock.now()),
      });
      expect(await store.findingsForRun("run_1")).toEqual([
        finding,
        { ...finding, fingerprint: "fp2" },
      ]);
      expect(await store.findingsForRun("run_2")).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
