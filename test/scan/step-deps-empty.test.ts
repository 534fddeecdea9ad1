import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock, newId } from "../../src/kernel/index.js";
import { createScanStep } from "../../src/scan/step.js";
import { createScanStore } from "../../src/scan/store.js";
import { testDatabases } from "../support/databases.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));

/** One small advisory, so these tests need nothing from ../shared. */
const advisory = {
  schema_version: "1.6.0",
  id: "GHSA-test-0000-0001",
  modified: "2025-01-01T00:00:00Z",
  summary: "prototype pollution in lodash",
  affected: [
    {
      package: { ecosystem: "npm", name: "lodash" },
      ranges: [
        {
          type: "SEMVER",
          events: [{ introduced: "0" }, { fixed: "4.17.19" }],
        },
      ],
    },
  ],
};

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-scan-empty-"));
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

describe.each(testDatabases)(
  "sluice/scan when the dependency scan scans nothing, on $name",
  ({ open }) => {
    it("warns (the default) or fails (on-empty: fail) with no advisories, with no lockfile, and names a manifest without a lockfile", async () => {
      const database = await open();
      try {
        const store = createScanStore(database, { clock });
        const step = createScanStep({
          advisories: store,
          findings: store,
          artifactsDir: (run) =>
            join(mkdtempSync(join(tmpdir(), "sluice-art-")), run),
          newId: (p) => newId(p, clock.now()),
        });
        const run = (dir: string, input: Record<string, unknown>) =>
          step({
            with: { secrets: false, ...input },
            env: {},
            workdir: dir,
            runId: newId("run", clock.now()),
            jobKey: "scan",
            facts: {} as never,
            log: () => {},
            signal: new AbortController().signal,
            clock,
          });
        const locked = tree({ "package-lock.json": lockfile });

        // No advisories imported: the scan was skipped, which is a warning, not a quiet ✓.
        const skipped = await run(locked, {});
        expect(skipped.status).toBe("success");
        expect(skipped.warnings).toEqual([
          expect.stringMatching(
            /^dependency scan skipped: no advisories imported .*sluice advisories update/,
          ),
        ]);
        const strict = await run(locked, { "on-empty": "fail" });
        expect(strict.status).toBe("failure");
        expect(strict.message).toMatch(
          /dependency scan skipped: .*\(on-empty: fail\)$/,
        );

        await store.importAdvisories({
          records: [advisory] as never,
          hash: "h",
          source: "inline",
          skipped: 0,
          skippedReasons: {},
          createdAt: new Date(clock.now()),
        });

        // A scan that found lockfiles and findings carries no warning.
        const scanned = await run(locked, { "fail-on": "critical" });
        expect(scanned).toMatchObject({
          status: "success",
          outputs: { findings: "1" },
        });
        expect(scanned.warnings).toBeUndefined();

        // No lockfile, but a package.json that declares dependencies: both are said.
        const bare = tree({
          "package.json": JSON.stringify({ dependencies: { lodash: "^4" } }),
          "web/Cargo.toml":
            '[package]\nname = "w"\n\n[dependencies]\nserde = "1"\n',
          "docs/package.json": JSON.stringify({ name: "docs" }),
        });
        const empty = await run(bare, {});
        expect(empty.status).toBe("success");
        expect(empty.warnings).toEqual([
          "dependency scan found no lockfile: nothing was scanned",
          expect.stringMatching(
            /^package\.json: no lockfile for this package\.json \(package-lock\.json, .*\): its dependencies were not scanned/,
          ),
          expect.stringMatching(
            /^web\/Cargo\.toml: no lockfile for this Cargo\.toml \(Cargo\.lock\)/,
          ),
        ]);
        expect(await run(bare, { "on-empty": "fail" })).toMatchObject({
          status: "failure",
          message:
            "dependency scan found no lockfile: nothing was scanned (on-empty: fail)",
        });

        // A workspace member is covered by the lockfile at the root.
        const workspace = tree({
          "package-lock.json": lockfile,
          "package.json": JSON.stringify({ workspaces: ["packages/*"] }),
          "packages/a/package.json": JSON.stringify({
            dependencies: { lodash: "^4" },
          }),
        });
        const covered = await run(workspace, { "fail-on": "critical" });
        expect(covered.status).toBe("success");
        expect(covered.warnings).toBeUndefined();

        expect(await run(locked, { "on-empty": "sometimes" })).toMatchObject({
          status: "failure",
          message: expect.stringMatching(/^sluice\/scan: with\.on-empty: /),
        });
      } finally {
        await database.close();
      }
    });
  },
);
