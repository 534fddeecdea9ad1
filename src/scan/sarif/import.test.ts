import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { toSarif } from "../report/index.js";
import { importSarif } from "./import.js";
import { describeWithShared } from "../../../test/support/shared.js";

const dir = fileURLToPath(
  new URL("../../../../shared/conformance/sarif/", import.meta.url),
);
const read = (f: string) =>
  JSON.parse(readFileSync(`${dir}${f}`, "utf8")) as unknown;

/** What ESLint's SARIF formatter writes: an rtm.5 schema, rules without fullDescription. */
const eslint = {
  $schema: "http://json.schemastore.org/sarif-2.1.0-rtm.5",
  version: "2.1.0",
  runs: [
    {
      tool: {
        driver: {
          name: "ESLint",
          informationUri: "https://eslint.org",
          rules: [
            {
              id: "security/detect-eval-with-expression",
              shortDescription: { text: "Detects eval(var)" },
              helpUri: "https://example.org/r",
            },
          ],
        },
      },
      artifacts: [{ location: { uri: "file:///repo/src/x.ts" } }],
      results: [
        {
          level: "error",
          message: { text: "eval with argument of type Identifier" },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: "src/x.ts", index: 0 },
                region: {
                  startLine: 3,
                  startColumn: 1,
                  endLine: 3,
                  endColumn: 9,
                },
              },
            },
          ],
          ruleId: "security/detect-eval-with-expression",
          ruleIndex: 0,
        },
      ],
    },
  ],
};

describe("importing SARIF from other tools", () => {
  it("turns ESLint results into findings and re-emits GitHub-ready SARIF", () => {
    const imported = importSarif(eslint, "eslint.sarif");
    expect(imported.findings).toEqual([
      expect.objectContaining({
        tool: "ESLint",
        ruleId: "security/detect-eval-with-expression",
        severity: "high",
        location: {
          path: "src/x.ts",
          startLine: 3,
          startColumn: 1,
          endLine: 3,
          endColumn: 9,
        },
      }),
    ]);
    expect(imported.warnings[0]).toMatch(/pre-release SARIF schema/);
    const out = toSarif(imported);
    expect(out.runs[0]!.tool.driver.name).toBe("ESLint");
    expect(out.runs[0]!.tool.driver.rules?.[0]?.fullDescription?.text).toBe(
      "Detects eval(var)",
    );
  });

  it.each([
    [{}, /version is undefined/],
    [{ version: "2.1.0" }, /runs is not a list/],
    [
      { version: "2.1.0", runs: [{ tool: {} }] },
      /runs\[0\] has no tool.driver/,
    ],
    [
      {
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "x" } }, results: [{ ruleId: "a" }] }],
      },
      /results\[0\] has no message/,
    ],
  ])("rejects %j", (value, message) => {
    expect(() => importSarif(value, "x.sarif")).toThrow(message);
  });
});

describeWithShared(dir)("the conformance SARIF files", () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(read("sarif-schema-2.1.0.json") as object);

  it.each([
    "minimal-github-ok.sarif",
    "gitleaks-sarif_simple.sarif",
    "invalid-example.sarif",
  ])("%s imports and re-emits schema-valid SARIF", (file) => {
    const imported = importSarif(read(file), file);
    expect(imported.findings.length).toBeGreaterThan(0);
    const out = toSarif(imported);
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
  });

  it("keeps the tool's partial fingerprint and security-severity", () => {
    const imported = importSarif(read("minimal-github-ok.sarif"), "m.sarif");
    expect(imported.findings[0]).toMatchObject({
      fingerprint: "39fa2ee980eb94b0:1",
      severity: "high",
      tool: "acme-secret-scan",
    });
  });

  it("repairs what GitHub rejects in the invalid example (startLine 0, absolute file URI)", () => {
    const imported = importSarif(read("invalid-example.sarif"), "bad.sarif");
    expect(imported.findings[0]!.location).toEqual({
      path: "/abs/path/a.js",
      startLine: 1,
    });
    expect(imported.warnings).toEqual([
      expect.stringMatching(/startLine 0; using 1/),
    ]);
  });
});
