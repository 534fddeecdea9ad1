import { describe, expect, it } from "vitest";
import type { Finding } from "../finding.js";
import { formatHuman, summaryLine } from "./human.js";
import { formatJson } from "./json.js";

const source = [
  "const a = 1;",
  'const token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";',
  "export {};",
].join("\n");
const secret: Finding = {
  tool: "secrets",
  ruleId: "github-pat",
  severity: "high",
  message: "GitHub personal access token: ghp_****",
  location: {
    path: "src/app.js",
    startLine: 2,
    startColumn: 16,
    endLine: 2,
    endColumn: 56,
  },
  fingerprint: "f1",
  properties: { redacted: "ghp_****" },
};
const vuln = (id: string, severity: Finding["severity"]): Finding => ({
  tool: "deps",
  ruleId: id,
  severity,
  message: `lodash 4.17.15: ${id}`,
  location: { path: "package-lock.json", startLine: 7 },
  fingerprint: id,
  properties: {
    package: "lodash",
    version: "4.17.15",
    ecosystem: "npm",
    fixedVersion: "4.17.21",
    aliases: ["CVE-2021-23337"],
    dependencyPath: ["app", "lodash"],
  },
});

describe("human report", () => {
  it("groups by package, counts by severity and shows fixes and paths", () => {
    const text = formatHuman({
      findings: [vuln("GHSA-1", "medium"), vuln("GHSA-2", "critical")],
    });
    expect(text).toContain("lodash 4.17.15 (npm) (2)");
    expect(text).toContain("fixed in 4.17.21");
    expect(text).toContain("via app > lodash");
    expect(text.indexOf("GHSA-2")).toBeLessThan(text.indexOf("GHSA-1"));
    expect(text.trim().split("\n").at(-1)).toBe(
      "2 findings: 1 critical, 1 medium",
    );
  });

  it("prints a code frame with the secret masked", () => {
    const text = formatHuman(
      { findings: [secret] },
      { readSource: () => source },
    );
    expect(text).toContain("secrets: github-pat (1)");
    expect(text).toContain('> 2 | const token = "ghp_****";');
    expect(text).toContain("  1 | const a = 1;");
    expect(text).not.toContain("abcdefghijklmnop");
  });

  it("names the required findings of a composite rule", () => {
    const composite: Finding = {
      ...secret,
      ruleId: "primary-rule",
      properties: {
        redacted: "hun…",
        requiredFindings: [
          { ruleId: "username-rule", startLine: 1, redacted: "a…" },
        ],
      },
    };
    const text = formatHuman({ findings: [composite] });
    expect(text).toContain("with username-rule at line 1");
  });

  it("skips the frame when the file cannot be read", () => {
    const text = formatHuman(
      { findings: [secret] },
      { readSource: () => undefined },
    );
    expect(text).not.toContain(" | ");
  });

  it.each([
    [[], "no findings"],
    [[secret], "1 finding: 1 high"],
  ] as const)("summary of %j", (findings, line) => {
    expect(summaryLine(findings)).toBe(line);
  });
});

describe("JSON report", () => {
  it("writes findings, metadata and counts", () => {
    const parsed = JSON.parse(
      formatJson({ findings: [secret], metadata: { snapshot: "s1" } }),
    );
    expect(parsed.findings).toHaveLength(1);
    expect(parsed.scan).toMatchObject({
      snapshot: "s1",
      total: 1,
      counts: { high: 1, low: 0 },
    });
  });
});
