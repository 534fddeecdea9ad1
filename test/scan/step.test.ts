import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { ManualClock, newId } from "../../src/kernel/index.js";
import { loadAdvisories } from "../../src/scan/index.js";
import { createScanStep } from "../../src/scan/step.js";
import { createScanStore } from "../../src/scan/store.js";
import { testDatabases } from "../support/databases.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const shared = fileURLToPath(
  new URL("../../../shared/conformance/", import.meta.url),
);
const clock = new ManualClock(Date.UTC(2026, 0, 1));
// Built at run time so this file never holds a token-shaped literal.
const token = `ghp_${"aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"}`;

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-scan-step-"));
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify(
      {
        lockfileVersion: 3,
        packages: {
          "": { dependencies: { lodash: "^4" } },
          "node_modules/lodash": { version: "4.17.15" },
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, "config.js"), `export const token = "${token}";\n`);
  writeFileSync(
    join(dir, "eslint.sarif"),
    JSON.stringify({
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "ESLint",
              rules: [{ id: "no-eval", shortDescription: { text: "no eval" } }],
            },
          },
          results: [
            {
              ruleId: "no-eval",
              level: "warning",
              message: { text: "eval is evil" },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: "config.js" },
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
  return dir;
}

describe.each(testDatabases)("the sluice/scan step on $name", ({ open }) => {
  it("scans secrets, deps and SARIF, stores findings with the run, writes a SARIF artifact, fails at fail-on", async () => {
    const database = await open();
    try {
      const store = createScanStore(database, { clock });
      await store.importAdvisories(
        loadAdvisories(join(fixtures, "osv", "ghsa-sample"), clock),
      );
      const artifacts = mkdtempSync(join(tmpdir(), "sluice-artifacts-"));
      const step = createScanStep({
        advisories: store,
        findings: store,
        artifactsDir: (run) => join(artifacts, run),
        newId: (p) => newId(p, clock.now()),
        workers: 1,
      });
      const dir = workdir();
      const lines: string[] = [];
      const run = (withInput: Record<string, unknown>, runId: string) =>
        step({
          with: withInput,
          env: {},
          workdir: dir,
          runId,
          jobKey: "scan",
          facts: {} as never,
          log: (l) => lines.push(l),
          signal: new AbortController().signal,
          clock,
        });

      const result = await run(
        { sarif: ["eslint.sarif"], "fail-on": "high" },
        "run_1",
      );
      expect(result).toMatchObject({
        status: "failure",
        message: "3 findings at or above high",
        outputs: { findings: "4", blocking: "3" },
      });
      const stored = await store.findingsForRun("run_1");
      expect(stored.map((f) => `${f.tool}:${f.ruleId}`).sort()).toEqual([
        "ESLint:no-eval",
        "deps:GHSA-35jh-r3h4-6jhm",
        "deps:GHSA-p6mc-m468-83gw",
        expect.stringMatching(/^secrets:/),
      ]);
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(lines.join("\n")).not.toContain(token);

      const sarifPath = result.outputs!.sarif!;
      expect(sarifPath).toBe(join(artifacts, "run_1", "scan-scan.sarif"));
      const sarif = JSON.parse(readFileSync(sarifPath, "utf8"));
      expect(
        sarif.runs
          .map(
            (r: { tool: { driver: { name: string } } }) => r.tool.driver.name,
          )
          .sort(),
      ).toEqual(["ESLint", "sluice-deps", "sluice-secrets"]);
      if (existsSync(join(shared, "sarif"))) {
        const ajv = new Ajv2020({ strict: false });
        addFormats.default(ajv);
        const validate = ajv.compile(
          JSON.parse(
            readFileSync(
              join(shared, "sarif", "sarif-schema-2.1.0.json"),
              "utf8",
            ),
          ),
        );
        expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
      }

      const lenient = await run(
        { secrets: false, "fail-on": "critical" },
        "run_2",
      );
      expect(lenient).toMatchObject({
        status: "success",
        outputs: { findings: "2", blocking: "0" },
      });
      expect(await store.findingsForRun("run_2")).toHaveLength(2);

      expect(await run({ "fail-on": "severe" }, "run_3")).toMatchObject({
        status: "failure",
        message: expect.stringMatching(/^sluice\/scan: with.fail-on: /),
      });
      expect(await run({ extra: 1 }, "run_4")).toMatchObject({
        status: "failure",
      });
    } finally {
      await database.close();
    }
  });
});
