import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { Finding } from "../finding.js";
import { levelOf, toSarif } from "./sarif.js";
import { describeWithShared } from "../../../test/support/shared.js";

const sarifDir = fileURLToPath(
  new URL("../../../../shared/conformance/sarif/", import.meta.url),
);

const secret: Finding = {
  tool: "secrets",
  ruleId: "github-pat",
  severity: "high",
  message: "GitHub personal access token: ghp_****",
  location: {
    path: "src/app.js",
    startLine: 3,
    startColumn: 16,
    endLine: 3,
    endColumn: 56,
  },
  fingerprint: "github-pat:5f0c3b1e9b0d4c8a",
  properties: { secretHash: "5f0c3b1e9b0d4c8a", redacted: "ghp_****" },
};
const advisory: Finding = {
  tool: "deps",
  ruleId: "GHSA-p6mc-m468-83gw",
  severity: "high",
  message: "lodash 4.17.15: Prototype Pollution in lodash",
  location: { path: "web app/package-lock.json", startLine: 12 },
  fingerprint: "deps:npm:lodash:4.17.15:GHSA-p6mc-m468-83gw",
  properties: {
    package: "lodash",
    version: "4.17.15",
    cvssScore: 7.4,
    aliases: ["CVE-2020-8203"],
  },
};
const lint: Finding = {
  tool: "eslint",
  ruleId: "security/detect-eval-with-expression",
  severity: "medium",
  message: "eval with argument of type Identifier",
  location: { path: "src/x.ts", startLine: 0 },
  fingerprint: "eslint:abc",
};

describeWithShared(sarifDir)("SARIF output against the 2.1.0 schema", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(
    JSON.parse(readFileSync(`${sarifDir}sarif-schema-2.1.0.json`, "utf8")),
  );

  it("accepts the reference files and rejects the invalid example (the validator works)", () => {
    for (const [file, ok] of [
      ["minimal-github-ok.sarif", true],
      ["gitleaks-sarif_simple.sarif", true],
      ["invalid-example.sarif", false],
    ] as const) {
      expect(
        validate(JSON.parse(readFileSync(`${sarifDir}${file}`, "utf8"))),
        file,
      ).toBe(ok);
    }
  });

  it.each([
    ["no findings, two tools", [], ["secrets", "deps"]],
    ["one secret", [secret], []],
    ["secrets, deps and an imported tool", [secret, advisory, lint], []],
  ] as const)("%s is schema-valid", (_name, findings, tools) => {
    const log = toSarif({
      findings: [...findings],
      tools: tools.map((name) => ({ name })),
    });
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("an incomplete scan's invocation is schema-valid", () => {
    const log = toSarif({
      findings: [secret],
      metadata: { incomplete: true, errors: [{ path: "a", message: "b" }] },
    });
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe("SARIF invocations carry whether the scan is complete (§3.20)", () => {
  it("an incomplete scan is not executionSuccessful, one error notification per problem", () => {
    const log = toSarif({
      findings: [secret],
      metadata: {
        incomplete: true,
        errors: [{ path: "big.bin", message: "unreadable" }],
        ruleProblems: [{ ruleId: "greek", message: "Unicode classes" }],
        timeouts: [{ ruleId: "slow", path: "min.js" }],
        cutOff: [{ ruleId: "slow", timeouts: 3 }],
      },
    });
    expect(log.runs[0]!.invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          "big.bin not scanned: unreadable",
          "rule greek skipped: Unicode classes",
          "rule slow stopped on min.js: over its time budget (its findings there are missing)",
          "rule slow cut off for the rest of the scan after 3 files over budget",
        ].map((text) => ({ level: "error", message: { text } })),
      },
    ]);
  });

  it("a complete scan is executionSuccessful; a report that says nothing of it has no invocation", () => {
    const complete = toSarif({
      findings: [secret],
      metadata: { incomplete: false, errors: [] },
    });
    expect(complete.runs[0]!.invocations).toEqual([
      { executionSuccessful: true },
    ]);
    expect(toSarif({ findings: [secret] }).runs[0]!.invocations).toBe(
      undefined,
    );
  });
});

describe("SARIF follows GitHub's ingestion rules", () => {
  const log = toSarif({
    findings: [
      secret,
      advisory,
      lint,
      { ...secret, location: { ...secret.location, startLine: 9 } },
    ],
    rules: [
      {
        tool: "secrets",
        id: "github-pat",
        shortDescription: "GitHub personal access token",
        fullDescription: "A GitHub personal access token (ghp_...) was found.",
        help: "Revoke the token.",
      },
    ],
  });

  const runOf = (name: string) =>
    log.runs.find((r) => r.tool.driver.name === name)!;

  it("has the final $schema and one run per tool with distinct categories", () => {
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    expect(log.runs.map((r) => r.tool.driver.name).sort()).toEqual([
      "eslint",
      "sluice-deps",
      "sluice-secrets",
    ]);
    const ids = log.runs.map((r) => r.automationDetails?.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("gives every rule full descriptions, help and a security-severity; results point at their rule", () => {
    for (const run of log.runs) {
      const rules = run.tool.driver.rules ?? [];
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.shortDescription?.text).toBeTruthy();
        expect(rule.fullDescription?.text).toBeTruthy();
        expect(rule.help?.text).toBeTruthy();
        expect(Number(rule.properties?.["security-severity"])).toBeGreaterThan(
          0,
        );
      }
      for (const result of run.results ?? []) {
        expect(rules[result.ruleIndex!]?.id).toBe(result.ruleId);
        expect(
          result.partialFingerprints?.["sluiceFingerprint/v1"],
        ).toBeTruthy();
        const region = result.locations?.[0]?.physicalLocation?.region;
        expect(region?.startLine).toBeGreaterThanOrEqual(1);
      }
    }
    const secrets = runOf("sluice-secrets");
    expect(secrets.tool.driver.rules).toHaveLength(1);
    expect(secrets.results).toHaveLength(2);
    expect(secrets.tool.driver.rules?.[0]?.fullDescription?.text).toContain(
      "ghp_",
    );
    expect(secrets.results?.[0]?.partialFingerprints?.["secretHash/v1"]).toBe(
      "5f0c3b1e9b0d4c8a",
    );
  });

  it("uses the CVSS score for security-severity and encodes paths as relative URIs", () => {
    const deps = runOf("sluice-deps");
    expect(deps.tool.driver.rules?.[0]?.properties?.["security-severity"]).toBe(
      "7.4",
    );
    expect(
      deps.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation,
    ).toEqual({
      uri: "web%20app/package-lock.json",
      uriBaseId: "%SRCROOT%",
    });
  });

  it.each([
    ["critical", "error"],
    ["high", "error"],
    ["medium", "warning"],
    ["low", "note"],
    ["info", "note"],
  ] as const)("severity %s is level %s", (severity, level) => {
    expect(levelOf(severity)).toBe(level);
  });
});
