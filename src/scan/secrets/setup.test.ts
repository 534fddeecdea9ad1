import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/index.js";
import { scanProjectSecrets } from "./setup.js";

// Built at run time so this file never holds a token-shaped literal.
const token = `ghp_${"wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"}`;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
function repo(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "sluice-setup-"));
  dirs.push(d);
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: d });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, ".."), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}
const scan = (path: string) =>
  scanProjectSecrets({
    target: { kind: "tree", path },
    clock: systemClock,
    workers: 1,
  });

describe("scanProjectSecrets: the project's rule file and baseline, and notices", () => {
  it("reads .gitleaks.toml from the repository's top folder when a subfolder is scanned, and says it turns rules off", async () => {
    const d = repo({
      ".gitleaks.toml": `[extend]\nuseDefault = true\ndisabledRules = ["github-pat", "no-such-rule"]\n`,
      "svc/app.ts": `export const t = "${token}";\n`,
    });
    const r = await scan(join(d, "svc"));
    expect(r.root).toBe(d);
    expect(r.configFile).toBe(join(d, ".gitleaks.toml"));
    expect(r.findings).toEqual([]);
    expect(r.notices).toEqual([
      ".gitleaks.toml turns off 1 rule it extends: github-pat",
    ]);
  });

  it("applies the project's baseline and says when it is the old unsalted format", async () => {
    const { createHash } = await import("node:crypto");
    const sha = (t: string) => createHash("sha256").update(t).digest("hex");
    const d = repo({
      "app.ts": `export const t = "${token}";\n`,
      ".sluice/secrets-baseline.json": JSON.stringify({
        version: 1,
        tool: "sluice-secrets",
        entries: [
          {
            ruleId: "github-pat",
            path: "app.ts",
            secretHash: sha(token),
            fingerprint: sha(`github-pat\u0000app.ts\u0000${sha(token)}`).slice(
              0,
              32,
            ),
          },
        ],
      }),
    });
    const r = await scan(d);
    expect(r.findings).toEqual([]);
    expect(r.accepted.map((f) => f.ruleId)).toEqual(["github-pat"]);
    expect(r.notices).toEqual([
      ".sluice/secrets-baseline.json is a version 1 baseline (unsalted hashes of the secrets): write a new one with --write-baseline",
    ]);
  });

  it("has no notice with the built-in rules", async () => {
    const r = await scan(repo({ "app.ts": `export const t = "${token}";\n` }));
    expect(r.notices).toEqual([]);
    expect(r.findings.map((f) => f.ruleId)).toEqual(["github-pat"]);
  });
});
