import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/index.js";
import { Detector } from "./detect.js";
import type { AllowlistSpec } from "./rule.js";
import { compileRuleSet } from "./rule.js";
import { defaultAllowlists, defaultRules } from "./rules/index.js";
import { scanSecrets } from "./scan.js";

const conformance = fileURLToPath(
  new URL("../../../../shared/conformance/", import.meta.url),
);
const secretlint = join(
  conformance,
  "secretlint-fixtures/packages/@secretlint",
);
const gitleaksRepos = join(conformance, "gitleaks/testdata/repos");

/**
 * Labelled secretlint cases where sluice differs on purpose, each with its reason. The test fails
 * if this list is not exactly the set of differing cases, so it never goes stale.
 */
const exceptions: Record<string, string> = {
  // Cases that test secretlint itself (its example rule, comment directives, rules outside its
  // recommended preset, user pattern options), not a credential format.
  "example/ng.secret":
    "secretlint's example rule reports the literal words `THIS IS SECRET`, which are not a credential format",
  "filter-comments/ng.secretlint-disable-line":
    "tests secretlint-disable comments around its example `THIS IS SECRET` rule; the lines left reported hold only that text (sluice's inline suppression is sluice:allow / gitleaks:allow)",
  "filter-comments/ng.secretlint-disable-next-line":
    "tests secretlint-disable-next-line around its example `THIS IS SECRET` rule; the lines left reported hold only that text",
  "filter-comments/ng.secretlint-disable-secretlint-enable":
    "tests secretlint-disable / secretlint-enable around its example `THIS IS SECRET` rule; the lines left reported hold only that text",
  "filter-comments/ng.secretlint-disable-target-id":
    "tests rule-id targeting of secretlint-disable around its example `THIS IS SECRET` rule; the lines left reported hold only that text",
  "no-homedir/ng.homedir":
    "secretlint-rule-no-homedir (outside secretlint's recommended preset) reports home directory paths, a privacy lint, not a credential",
  "no-homedir/ng.patial-homedir":
    "secretlint-rule-no-homedir (outside secretlint's recommended preset) reports home directory paths, a privacy lint, not a credential",
  "no-dotenv/ng.match":
    "secretlint-rule-no-dotenv (outside the recommended preset) reports any file named .env by its name; this one is empty, and sluice reports the secrets inside .env files instead",
  "pattern/ng.filePathGlobs-negation":
    "the file glob is the case's own secretlint-rule-pattern option (user configuration); sluice users add path rules with --config",
  "pattern/ng.pattern-allows-other-pattern":
    "the patterns are the case's own secretlint-rule-pattern options (user configuration, `apikey = foo-bar-baz`); sluice users add such rules with --config",
  "1password/ok.ops_prefix_but_is_not_jwt":
    "secretlint's 1Password rule skips this ops_ value because it is not in the token's JWT shape; its base64 decodes to JSON holding a `secretKey` value, which sluice's encoded-secret detector reports (a decoded secret key leaks whatever its wrapper)",
  "pattern/ng.patterns-and-pattern-error":
    "labelled ng, but secretlint's expected output is empty: a configuration error case of secretlint-rule-pattern",
  "basicauth/ng.basic-auth-ftps-url":
    "labelled ng, but secretlint's expected output is empty: the password is the placeholder `password`",
  // Cases that run one secretlint rule alone or with a secretlint option, where sluice's other
  // rules (as gitleaks') report on purpose.
  "aws/ok.AWS Access Key ID--enableIDScanRule-false":
    "tests secretlint's enableIDScanRule=false option; sluice reports AKIA… access key ids (gitleaks' aws-access-token) by default",
  "aws/ok.AWS Secret Access Key":
    "runs secretlint's AWS rule alone (40-character format); sluice's generic-api-key (gitleaks') reports the 56-character high-entropy value assigned to AWS_SECRET_ACCESS_KEY; secretlint has no generic rule",
  "basicauth/ok.database-urls-not-detected":
    "runs secretlint's basic-auth rule alone; the URLs are database connection strings, which secretlint's own database-connection-string rule (also in its recommended preset) reports, as sluice's does",
};

interface Case {
  id: string;
  dir: string;
  positive: boolean;
  expected: number;
  allows: string[];
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const pkg of readdirSync(secretlint)) {
    // The preset folders hold copies of the per-rule cases.
    if (pkg.startsWith("secretlint-rule-preset")) continue;
    const snapshots = join(secretlint, pkg, "test/snapshots");
    if (!existsSync(snapshots)) continue;
    for (const name of readdirSync(snapshots)) {
      if (!/^(ng|ok)\./.test(name)) continue;
      const dir = join(snapshots, name);
      const rc = join(dir, ".secretlintrc.json");
      // A case's `allows` option maps onto a sluice allowlist.
      const allows: string[] = existsSync(rc)
        ? (
            JSON.parse(readFileSync(rc, "utf8")) as {
              rules: {
                options?: {
                  allows?: string[];
                  patterns?: { allows?: string[] }[];
                };
              }[];
            }
          ).rules.flatMap((r) => [
            ...(r.options?.allows ?? []),
            ...(r.options?.patterns ?? []).flatMap((p) => p.allows ?? []),
          ])
        : [];
      const expected = (
        JSON.parse(readFileSync(join(dir, "output.json"), "utf8")) as {
          messages: unknown[];
        }
      ).messages.length;
      out.push({
        id: `${pkg.replace("secretlint-rule-", "")}/${name}`,
        dir,
        positive: name.startsWith("ng."),
        expected,
        allows,
      });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

describe.skipIf(!existsSync(secretlint))(
  "secretlint fixtures: every ng.* case reported, no ok.* case reported",
  () => {
    it("matches the labels, except the listed cases", () => {
      const all = cases();
      const differing: string[] = [];
      let ngReported = 0;
      let okQuiet = 0;
      let expectedMessages = 0;
      let coveredMessages = 0;
      for (const c of all) {
        const allowlists: AllowlistSpec[] = [...defaultAllowlists];
        if (c.allows.length > 0)
          allowlists.push({
            regexTarget: "match",
            regexes: c.allows.map((a) => a.replace(/^\/(.*)\/[a-z]*$/, "$1")),
          });
        const detector = new Detector(compileRuleSet(defaultRules, allowlists));
        let found = 0;
        for (const input of readdirSync(c.dir).filter((f) =>
          f.startsWith("input"),
        ))
          // At the default confidence (`medium`), as a scan reports.
          found += detector
            .detect({
              path: `${c.id}/${input}`,
              data: readFileSync(join(c.dir, input)),
            })
            .matches.filter((m) => m.confidence !== "low").length;
        const ok = c.positive ? found > 0 : found === 0;
        if (!ok) differing.push(c.id);
        if (c.positive && found > 0) ngReported++;
        if (!c.positive && found === 0) okQuiet++;
        if (c.positive) {
          expectedMessages += c.expected;
          coveredMessages += Math.min(found, c.expected);
        }
      }
      const ng = all.filter((c) => c.positive).length;
      const okCount = all.length - ng;
      console.log(
        `secretlint fixtures: ng reported ${ngReported}/${ng}, ok quiet ${okQuiet}/${okCount}, ` +
          `${differing.length} listed exceptions; expected messages ${coveredMessages}/${expectedMessages} matched by count`,
      );
      expect(differing).toEqual(
        Object.keys(exceptions).sort((a, b) => a.localeCompare(b)),
      );
    });
  },
);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
const copyRepo = (name: string): string => {
  const d = join(mkdtempSync(join(tmpdir(), "sluice-gitleaks-")), name);
  dirs.push(d);
  cpSync(join(gitleaksRepos, name), d, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", d]);
  if (existsSync(join(d, "dotGit")))
    renameSync(join(d, "dotGit"), join(d, ".git"));
  return d;
};

describe.skipIf(!existsSync(gitleaksRepos))("gitleaks testdata repos", () => {
  it("dir mode on repos/nogit finds the keys and the .env password; staged mode on repos/staged finds both staged keys", async () => {
    const nogit = await scanSecrets({
      target: { kind: "tree", path: copyRepo("nogit") },
      clock: systemClock,
      workers: 1,
    });
    const staged = await scanSecrets({
      target: { kind: "staged", path: copyRepo("staged") },
      clock: systemClock,
      workers: 1,
    });
    const show = (r: typeof nogit) =>
      r.findings
        .map((f) => `${f.location.path}:${f.location.startLine} ${f.ruleId}`)
        .sort();
    expect(show(nogit)).toEqual([
      ".env.prod:4 generic-api-key",
      "api.go:20 aws-access-token",
      "main.go:20 aws-access-token",
    ]);
    expect(show(staged)).toEqual([
      "api/api.go:6 aws-access-token",
      "api/api.go:7 aws-access-token",
    ]);
    console.log(
      `gitleaks repos: nogit ${nogit.findings.length} findings, staged ${staged.findings.length} findings`,
    );
  });
});
