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
    expect(text).not.toContain("no fixed version");
    expect(text.indexOf("GHSA-2")).toBeLessThan(text.indexOf("GHSA-1"));
    expect(text.trim().split("\n").at(-1)).toBe(
      "2 findings: 1 critical, 1 medium",
    );
  });

  it("says 'no fixed version' only when there is none (issue 9.13)", () => {
    const named = {
      ...vuln("GHSA-3", "high"),
      message: "lodash: fixed in 4.17.21",
    };
    const unfixed = vuln("GHSA-4", "high");
    delete unfixed.properties!.fixedVersion;
    expect(formatHuman({ findings: [named] })).not.toContain(
      "no fixed version",
    );
    expect(formatHuman({ findings: [unfixed] })).toContain("no fixed version");
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

  // Issues 9.6 and 10.4: the frame of one secret printed its neighbour's line whole.
  const keyId = `AKIA${"QYLPMN5HHHFPZAM2"}`;
  const secretKey = `1tUm636uS1yOEcfP5pvfqJ${"/ml36mF7AkyHsEU0IU"}`;
  const envFile = `# aws\nAWS_ACCESS_KEY_ID=${keyId}\nAWS_SECRET_ACCESS_KEY=${secretKey}\n`;
  const awsFinding = (
    ruleId: string,
    line: number,
    column: number,
    value: string,
  ): Finding => ({
    tool: "secrets",
    ruleId,
    severity: "critical",
    message: `${ruleId}: ${value.slice(0, 4)}…`,
    location: {
      path: ".env",
      startLine: line,
      startColumn: column,
      endLine: line,
      endColumn: column + value.length,
    },
    fingerprint: ruleId,
    properties: { redacted: `${value.slice(0, 4)}…` },
  });
  const idFinding = awsFinding("aws-access-token", 2, 19, keyId);
  const keyFinding = awsFinding("aws-secret-access-key", 3, 23, secretKey);

  it("masks every secret on every printed line, a neighbour's too", () => {
    const text = formatHuman(
      { findings: [idFinding, keyFinding] },
      { readSource: () => envFile, contextLines: 3 },
    );
    expect(text).not.toContain(keyId);
    expect(text).not.toContain(secretKey);
    expect(text).toContain("  3 | AWS_SECRET_ACCESS_KEY=1tUm…");
    expect(text).toContain("> 2 | AWS_ACCESS_KEY_ID=AKIA…");
    expect(text).toContain("  1 | # aws");
  });

  it("masks a secret left out of the report (baselined) where a neighbour's frame shows it", () => {
    const text = formatHuman(
      { findings: [keyFinding], suppressed: [idFinding] },
      { readSource: () => envFile },
    );
    expect(text).not.toContain(keyId);
    expect(text).toContain("  2 | AWS_ACCESS_KEY_ID=AKIA…");
    expect(text).not.toContain("aws-access-token");
  });

  it("masks a value an allowlist let through where a neighbour's frame shows it", () => {
    const text = formatHuman(
      {
        findings: [keyFinding],
        masks: [
          {
            path: ".env",
            startLine: 2,
            startColumn: 19,
            endLine: 2,
            endColumn: 39,
            shown: "AKIA…",
          },
        ],
      },
      { readSource: () => envFile },
    );
    expect(text).not.toContain(keyId);
    expect(text).toContain("  2 | AWS_ACCESS_KEY_ID=AKIA…");
  });

  it("masks the parts of a composite finding on other lines", () => {
    const composite: Finding = {
      ...keyFinding,
      properties: {
        redacted: "1tUm…",
        requiredFindings: [
          {
            ruleId: "aws-access-token",
            startLine: 2,
            startColumn: 19,
            endLine: 2,
            endColumn: 39,
            redacted: "AKIA…",
          },
        ],
      },
    };
    const text = formatHuman(
      { findings: [composite] },
      { readSource: () => envFile },
    );
    expect(text).not.toContain(keyId);
    expect(text).toContain("AWS_ACCESS_KEY_ID=AKIA…");
  });

  it("prints no frame when the file no longer holds the secret where it was found", () => {
    const moved = `# aws\n# a line added since the scan\nAWS_ACCESS_KEY_ID=${keyId}\nAWS_SECRET_ACCESS_KEY=${secretKey}\n`;
    const text = formatHuman(
      { findings: [idFinding, keyFinding] },
      { readSource: () => moved },
    );
    expect(text).not.toContain(" | ");
    expect(text).not.toContain(keyId);
    expect(text).not.toContain(secretKey);
  });

  it("folds the hidden lines of a multi-line secret into one line", () => {
    const body = Array.from({ length: 27 }, (_, i) => `MIIE${i}abcdefgh`);
    const pem = [
      'key = """',
      "-----BEGIN RSA PRIVATE KEY-----",
      ...body,
      "-----END RSA PRIVATE KEY-----",
      '"""',
    ];
    const privateKey: Finding = {
      tool: "secrets",
      ruleId: "private-key",
      severity: "critical",
      message: "private key: ----…",
      location: {
        path: "key.py",
        startLine: 2,
        startColumn: 1,
        endLine: 30,
        endColumn: 30,
      },
      fingerprint: "pk",
      properties: { redacted: "----…" },
    };
    const frame = formatHuman(
      { findings: [privateKey] },
      { readSource: () => pem.join("\n") },
    )
      .split("\n")
      .filter((l) => l.includes(" | "));
    expect(frame).toEqual([
      '          1 | key = """',
      "     >    2 | ----…",
      "     > 3-30 | … (28 lines of the secret hidden)",
      '         31 | """',
    ]);
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
