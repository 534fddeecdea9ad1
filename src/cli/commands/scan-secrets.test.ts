import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../../bin/sluice.js", import.meta.url));
const built = existsSync(
  fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url)),
);
const schemaFile = fileURLToPath(
  new URL(
    "../../../../shared/conformance/sarif/sarif-schema-2.1.0.json",
    import.meta.url,
  ),
);
const token = "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";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
const project = (): string => {
  const d = mkdtempSync(join(tmpdir(), "sluice-cli-secrets-"));
  dirs.push(d);
  writeFileSync(join(d, "app.ts"), `export const token = "${token}";\n`);
  return d;
};
const sluice = (
  cwd: string,
  args: string[],
  input?: string,
  env: Record<string, string> = {},
) =>
  spawnSync(process.execPath, [bin, "scan", "secrets", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
    ...(input ? { input } : {}),
  });

describe.skipIf(!built)("sluice scan secrets (built CLI)", () => {
  it("exits 1 with a redacted human report, and 0 under a higher --fail-on", () => {
    const d = project();
    const r = sluice(d, ["."]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("github-pat");
    expect(r.stdout + r.stderr).not.toContain(token);
    expect(r.stderr).toMatch(/scanned 1 files/);
    writeFileSync(join(d, "app.ts"), "export const nothing = 1;\n");
    expect(sluice(d, ["."]).status).toBe(0);
  });

  it("writes {findings: [...]} as JSON and shows the secret only with --show-secrets", () => {
    const d = project();
    const json = JSON.parse(sluice(d, ["--format", "json"]).stdout) as {
      findings: { ruleId: string; properties: { redacted: string } }[];
    };
    expect(json.findings.map((f) => f.ruleId)).toEqual(["github-pat"]);
    expect(json.findings[0]!.properties.redacted).toBe("ghp_…");
    expect(sluice(d, ["--format", "json", "--show-secrets"]).stdout).toContain(
      token,
    );
  });

  it.skipIf(!existsSync(schemaFile))(
    "writes SARIF 2.1.0 that validates against the schema, to --output",
    () => {
      const d = project();
      const out = join(d, "out.sarif");
      expect(
        sluice(d, [".", "--format", "sarif", "--output", out]).status,
      ).toBe(1);
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats.default(ajv);
      const validate = ajv.compile(
        JSON.parse(readFileSync(schemaFile, "utf8")) as object,
      );
      const sarif = JSON.parse(readFileSync(out, "utf8")) as {
        runs: { results: { ruleId: string }[] }[];
      };
      expect(
        validate(sarif),
        JSON.stringify(validate.errors?.slice(0, 3)),
      ).toBe(true);
      expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual([
        "github-pat",
      ]);
      expect(readFileSync(out, "utf8")).not.toContain(token);
    },
  );

  it("accepts findings through --write-baseline / --baseline, and refuses a baseline of another version", () => {
    const d = project();
    const w = sluice(d, [".", "--write-baseline", "baseline.json"]);
    expect(w.status).toBe(0);
    expect(readFileSync(join(d, "baseline.json"), "utf8")).not.toContain(token);
    expect(sluice(d, [".", "--baseline", "baseline.json"]).status).toBe(0);
    writeFileSync(
      join(d, "old.json"),
      JSON.stringify({ version: 0, tool: "sluice-secrets", entries: [] }),
    );
    const bad = sluice(d, [".", "--baseline", "old.json"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/baseline format version 0 is not supported/);
  });

  it("keys the report's hashes with the home's key (0600), and scans with its own key when the home cannot hold one", () => {
    const d = project();
    const home = join(d, "home");
    const hashes = (env: Record<string, string>) => {
      const r = sluice(d, [".", "--format", "json"], undefined, env);
      expect(r.status).toBe(1);
      return {
        err: r.stderr,
        hash: (
          JSON.parse(r.stdout) as {
            findings: { properties: { secretHash: string } }[];
          }
        ).findings[0]!.properties.secretHash,
      };
    };
    const first = hashes({ SLUICE_HOME: home });
    expect(hashes({ SLUICE_HOME: home }).hash).toBe(first.hash);
    expect(statSync(join(home, "secret-hash.key")).mode & 0o777).toBe(0o600);
    // A file where the home should be: no key file can be made there.
    writeFileSync(join(d, "not-a-folder"), "");
    const own = hashes({ SLUICE_HOME: join(d, "not-a-folder") });
    expect(own.err).toMatch(/fingerprints hold for this scan only/);
    expect(own.hash).not.toBe(first.hash);
  });

  it("scans stdin with -", () => {
    const r = sluice(
      project(),
      ["-", "--format", "json", "--stdin-name", "clipboard.txt"],
      `x\n${token}\n`,
    );
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings[0].location).toMatchObject({
      path: "clipboard.txt",
      startLine: 2,
    });
  });

  it.each([
    [["--max-file-size", "lots"], /--max-file-size/],
    [["--staged", "--all"], /only one of/],
    [["missing-folder"], /no such file or folder/],
    [["--config", "nope.toml"], /cannot read the rule file/],
  ])("rejects %j with one line and exit 2", (args, message) => {
    const r = sluice(project(), args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("reports a rule that cannot compile by id, still scans with the others, and exits 2 when nothing else fails", () => {
    const d = project();
    writeFileSync(
      join(d, "rules.toml"),
      `[extend]\nuseDefault = true\n[[rules]]\nid = "greek"\nregex = '''\\p{Greek}+'''\n`,
    );
    writeFileSync(join(d, "app.ts"), "clean\n");
    const r = sluice(d, [".", "--config", "rules.toml"]);
    expect(r.stderr).toMatch(/rule greek skipped: Unicode classes/);
    expect(r.status).toBe(2);
  });

  it("marks the scan incomplete in the JSON report and the exit status when a contextual rule's override cannot compile, one line per problem (issue 15)", () => {
    const d = project();
    writeFileSync(
      join(d, ".gitleaks.toml"),
      `[extend]\nuseDefault = true\n[[rules]]\nid = "password-assignment"\nregex = '''password=(a++)'''\nkeywords = ["password"]\n`,
    );
    writeFileSync(join(d, "app.ts"), "clean\n");
    const r = sluice(d, [".", "--format", "json"]);
    expect(r.status).toBe(2);
    const lines = r.stderr.split("\n");
    expect(lines.filter((l) => l.includes("password-assignment"))).toEqual([
      "sluice: rule password-assignment skipped: possessive quantifiers are not supported",
    ]);
    expect(lines).toContain("sluice: the scan is incomplete (see above)");
    const scan = (JSON.parse(r.stdout) as { scan: Record<string, unknown> })
      .scan;
    expect(scan.incomplete).toBe(true);
    expect(scan.ruleProblems).toEqual([
      expect.objectContaining({ ruleId: "password-assignment" }),
    ]);
  });

  it("says so in SARIF too: the run's invocation is not executionSuccessful, with one error notification per problem (issue 15)", () => {
    const d = project();
    writeFileSync(
      join(d, ".gitleaks.toml"),
      `[extend]\nuseDefault = true\n[[rules]]\nid = "password-assignment"\nregex = '''password=(a++)'''\nkeywords = ["password"]\n`,
    );
    const r = sluice(d, [".", "--format", "sarif"]);
    expect(r.status).toBe(1);
    const run = (
      JSON.parse(r.stdout) as {
        runs: { invocations: unknown[]; results: unknown[] }[];
      }
    ).runs[0]!;
    expect(run.results).toHaveLength(1);
    expect(run.invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: "error",
            message: {
              text: "rule password-assignment skipped: possessive quantifiers are not supported",
            },
          },
        ],
      },
    ]);
    const clean = sluice(project(), [".", "--format", "sarif"]);
    expect(
      (JSON.parse(clean.stdout) as { runs: { invocations: unknown[] }[] })
        .runs[0]!.invocations,
    ).toEqual([{ executionSuccessful: true }]);
  });
});
