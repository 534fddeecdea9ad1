import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock, newId } from "../../src/kernel/index.js";
import type { BuiltinStepResult } from "../../src/pipeline/index.js";
import { createScanStep } from "../../src/scan/step.js";
import { createScanStore } from "../../src/scan/store.js";
import { testDatabases } from "../support/databases.js";

// One secret scan for the pre-commit hook, `sluice scan secrets` and the sluice/scan step:
// - issue 11: a secret allowed in .gitleaks.toml or in the baseline passed the hook and the
//   command, and failed the step (which did its own setup);
// - issues 9.6 and 10.4: a secret next to another (the AWS key id and its secret key) was
//   printed whole in the other's context lines; no form may print one;
// - issue 9.7: a hard-coded password passed the hook.
// Built at run time so this file never holds a token-shaped literal.
const awsId = `AKIA${"QYLPMN5HHHFPZAM2"}`;
const awsSecret = `1tUm636uS1yOEcfP5pvfqJ${"/ml36mF7AkyHsEU0IU"}`;
const stripe = `sk_live_${"4eC39HqLyjWDarjtT1zdp7dc"}`;
const allowed = `ghp_${"wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"}`;
const password = `Xk9mPq27${"vLr4Tz8w"}`;
const every = [awsId, awsSecret, stripe, allowed, password];

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
const built = existsSync(
  fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url)),
);
const clock = new ManualClock(Date.UTC(2026, 0, 1));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
const tmp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
const home = tmp("sluice-home-");
const env = {
  ...process.env,
  SLUICE_HOME: home,
  GIT_AUTHOR_NAME: "Ada",
  GIT_AUTHOR_EMAIL: "ada@example.com",
  GIT_COMMITTER_NAME: "Ada",
  GIT_COMMITTER_EMAIL: "ada@example.com",
};
const git = (cwd: string, ...args: string[]) =>
  spawnSync("git", ["-c", "commit.gpgsign=false", ...args], {
    cwd,
    env,
    encoding: "utf8",
  });
const sluice = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: "utf8" });

/** The project: an allowlisted token, a baselined key, and (later) the secrets of a change. */
function project(): string {
  const d = tmp("sluice-everywhere-");
  git(d, "init", "-q", "-b", "main");
  writeFileSync(
    join(d, ".gitleaks.toml"),
    `[extend]\nuseDefault = true\n\n[[allowlists]]\ndescription = "the fixture token of the docs"\nregexTarget = "secret"\nregexes = ['''^${allowed}$''']\n`,
  );
  mkdirSync(join(d, "docs"));
  writeFileSync(join(d, "docs", "example.ts"), `const t = "${allowed}";\n`);
  writeFileSync(join(d, ".env"), `STRIPE_KEY=${stripe}\n`);
  return d;
}

/**
 * What a change adds: the AWS pair on adjacent lines between the baselined key and an allowed
 * token, and a password.
 */
function addSecrets(d: string): void {
  writeFileSync(
    join(d, ".env"),
    `STRIPE_KEY=${stripe}\nAWS_ACCESS_KEY_ID=${awsId}\nAWS_SECRET_ACCESS_KEY=${awsSecret}\nGITHUB_TOKEN=${allowed}\n`,
  );
  writeFileSync(
    join(d, "settings.py"),
    `DATABASES = {\n    'default': {\n        'USER': 'shop',\n        'PASSWORD': '${password}',\n    }\n}\n`,
  );
}

const leaks = (text: string): string[] => every.filter((s) => text.includes(s));

describe.skipIf(!built)(
  "a secret scan is the same everywhere (built CLI)",
  () => {
    describe.each(testDatabases)(
      "and in the sluice/scan step on $name",
      ({ open }) => {
        it("passes allowed and baselined secrets in all three, fails the new ones in all three, and prints no secret in any form", async () => {
          const d = project();
          const write = sluice(
            d,
            "scan",
            "secrets",
            "--write-baseline",
            ".sluice/secrets-baseline.json",
          );
          expect(write.stderr).toContain("wrote 1 findings to baseline");
          expect(sluice(d, "hooks", "install").status).toBe(0);

          const database = await open();
          try {
            const store = createScanStore(database, { clock });
            const artifacts = tmp("sluice-artifacts-");
            const step = createScanStep({
              advisories: store,
              findings: store,
              artifactsDir: (run) => join(artifacts, run),
              newId: (p) => newId(p, clock.now()),
              workers: 1,
              hashKeyFile: join(home, "secret-hash.key"),
            });
            const lines: string[] = [];
            const runStep = (runId: string): Promise<BuiltinStepResult> =>
              step({
                with: { deps: false },
                env: {},
                workdir: d,
                runId,
                jobKey: "scan",
                facts: {} as never,
                log: (l) => lines.push(l),
                signal: new AbortController().signal,
                clock,
              });

            // Allowed (.gitleaks.toml) and baselined (.sluice/secrets-baseline.json): all pass.
            const clean = sluice(d, "scan", "secrets");
            expect(clean.stderr + clean.stdout).toContain("no findings");
            expect(clean.status).toBe(0);
            git(d, "add", "-A");
            const first = git(d, "commit", "-q", "-m", "allowed and baselined");
            expect(first.stderr + first.stdout).toContain("no findings");
            expect(first.status).toBe(0);
            const passed = await runStep("run_1");
            expect(passed.status).toBe("success");
            expect(passed.outputs?.findings).toBe("0");

            // The change's secrets fail all three; no form prints any secret.
            addSecrets(d);
            const forms = ["human", "json", "sarif"].map((format) =>
              sluice(d, "scan", "secrets", "--format", format),
            );
            for (const r of forms) {
              expect(r.status).toBe(1);
              expect(leaks(r.stdout + r.stderr)).toEqual([]);
            }
            const human = forms[0]!.stdout;
            expect(human).toContain("aws-access-token");
            expect(human).toContain("aws-secret-access-key");
            expect(human).toContain("generic-api-key");
            // The neighbours are masked, the baselined key's line too.
            expect(human).toContain("| STRIPE_KEY=sk_l…");
            expect(human).toContain("| AWS_ACCESS_KEY_ID=AKIA…");
            expect(human).toContain("| AWS_SECRET_ACCESS_KEY=1tUm…");
            expect(human).toContain("| GITHUB_TOKEN=ghp_…");
            const json = JSON.parse(forms[1]!.stdout) as {
              findings: { ruleId: string }[];
            };
            expect(json.findings.map((f) => f.ruleId).sort()).toEqual([
              "aws-access-token",
              "aws-secret-access-key",
              "generic-api-key",
            ]);

            git(d, "add", "-A");
            const hook = git(d, "commit", "-q", "-m", "add keys");
            // git sends a hook's standard output to its standard error.
            const hookOutput = hook.stdout + hook.stderr;
            expect(hook.status).not.toBe(0);
            expect(hookOutput).toContain("generic-api-key");
            expect(leaks(hookOutput)).toEqual([]);
            expect(hookOutput).toContain("| AWS_SECRET_ACCESS_KEY=1tUm…");

            const failed = await runStep("run_2");
            expect(failed).toMatchObject({
              status: "failure",
              message: "3 findings at or above medium",
            });
            expect(leaks(lines.join("\n"))).toEqual([]);
            expect(
              leaks(JSON.stringify(await store.findingsForRun("run_2"))),
            ).toEqual([]);

            // The assertions above can fail: with --show-secrets the values are there.
            const shown = sluice(d, "scan", "secrets", "--show-secrets");
            expect(leaks(shown.stdout).sort()).toEqual(
              [awsId, awsSecret, password, stripe, allowed].sort(),
            );
          } finally {
            await database.close();
          }
        });

        it("says in the report and in the step's log and warnings that a rule file replaces the built-in rules", async () => {
          const d = tmp("sluice-replaced-");
          git(d, "init", "-q", "-b", "main");
          writeFileSync(
            join(d, ".gitleaks.toml"),
            `[[rules]]\nid = "only-mine"\nregex = '''mine_[a-z]{8}'''\nkeywords = ["mine_"]\n`,
          );
          writeFileSync(join(d, "a.ts"), `const t = "${allowed}";\n`);
          const notice =
            ".gitleaks.toml replaces sluice's built-in secret rules (it has no [extend] useDefault = true): only its 1 rule ran";
          const human = sluice(d, "scan", "secrets");
          expect(human.status).toBe(0);
          expect(human.stdout).toContain(`note: ${notice}`);
          const json = JSON.parse(
            sluice(d, "scan", "secrets", "--format", "json").stdout,
          ) as { scan: { notices: string[] } };
          expect(json.scan.notices).toEqual([notice]);
          const sarif = JSON.parse(
            sluice(d, "scan", "secrets", "--format", "sarif").stdout,
          ) as { runs: { properties?: { notices?: string[] } }[] };
          expect(sarif.runs[0]!.properties?.notices).toEqual([notice]);

          const database = await open();
          try {
            const store = createScanStore(database, { clock });
            const artifacts = tmp("sluice-artifacts-");
            const lines: string[] = [];
            const result = await createScanStep({
              advisories: store,
              findings: store,
              artifactsDir: (run) => join(artifacts, run),
              newId: (p) => newId(p, clock.now()),
              workers: 1,
            })({
              with: { deps: false },
              env: {},
              workdir: d,
              runId: "run_3",
              jobKey: "scan",
              facts: {} as never,
              log: (l) => lines.push(l),
              signal: new AbortController().signal,
              clock,
            });
            expect(result.status).toBe("success");
            expect(result.warnings).toEqual([`secrets: ${notice}`]);
            expect(lines).toContain(`secrets: ${notice}`);
          } finally {
            await database.close();
          }
        });
      },
    );
  },
);
