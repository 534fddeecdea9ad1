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
  "example/ng.secret":
    "a toy rule that reports the words `THIS IS SECRET`, not a credential format",
  "filter-comments/ng.secretlint-disable-line":
    "tests secretlint-disable comments around the toy `THIS IS SECRET` rule",
  "filter-comments/ng.secretlint-disable-next-line":
    "tests secretlint-disable comments around the toy `THIS IS SECRET` rule",
  "filter-comments/ng.secretlint-disable-secretlint-enable":
    "tests secretlint-disable comments around the toy `THIS IS SECRET` rule",
  "filter-comments/ng.secretlint-disable-target-id":
    "tests secretlint-disable comments around the toy `THIS IS SECRET` rule",
  "no-homedir/ng.homedir":
    "a home directory path is not a credential; out of scope for the secret scanner",
  "no-homedir/ng.patial-homedir":
    "a home directory path is not a credential; out of scope for the secret scanner",
  "no-dotenv/ng.match":
    "reports any file named .env (the case has no content); sluice reports the secrets in it instead",
  "pattern/ng.basic-test":
    "user patterns of secretlint-rule-pattern (sluice users add gitleaks-format rules with --config)",
  "pattern/ng.filePathGlobs-negation":
    "user patterns of secretlint-rule-pattern (sluice users add gitleaks-format rules with --config)",
  "pattern/ng.pattern-allows-other-pattern":
    "user patterns of secretlint-rule-pattern (sluice users add gitleaks-format rules with --config)",
  "pattern/ng.patterns-and-pattern-error":
    "a configuration error case of secretlint-rule-pattern; secretlint itself reports nothing",
  "basicauth/ng.basic-auth-ftps-url":
    "secretlint's own expected output is empty: the password is the placeholder `password`",
  "aws/ok.AWS Access Key ID--enableIDScanRule-false":
    "sluice reports AWS access key ids (gitleaks' aws-access-token); secretlint only with enableIDScanRule",
  "aws/ok.AWS Secret Access Key":
    "generic-api-key (low severity, below the default --fail-on) flags high-entropy values assigned to *_KEY variables, including this base64 sample",
  "basicauth/ok.database-urls-not-detected":
    "the case checks that secretlint's basic-auth rule leaves DB URLs to its DB rule; sluice's database-connection-string rule reports `mysql://dbuser:secret@…` on purpose",
  "gcp/ok.invalid-p12-empty":
    "pkcs12-file flags every .p12/.pfx file by name (gitleaks); secretlint opens the keystore with an empty password",
  "gcp/ok.invalid-p12-huge-iter":
    "pkcs12-file flags every .p12/.pfx file by name (gitleaks); secretlint opens the keystore with an empty password",
  "gcp/ok.invalid-p12-no-mac":
    "pkcs12-file flags every .p12/.pfx file by name (gitleaks); secretlint opens the keystore with an empty password",
  "gcp/ok.invalid-p12-random":
    "pkcs12-file flags every .p12/.pfx file by name (gitleaks); secretlint opens the keystore with an empty password",
  "gcp/ok.invalid-p12-truncated":
    "pkcs12-file flags every .p12/.pfx file by name (gitleaks); secretlint opens the keystore with an empty password",
  "gcp/ok.secure-privatekey-p12":
    "pkcs12-file flags every .p12/.pfx file by name (gitleaks); secretlint opens the keystore with an empty password",
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
              rules: { options?: { allows?: string[] } }[];
            }
          ).rules.flatMap((r) => r.options?.allows ?? [])
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
          found += detector.detect({
            path: `${c.id}/${input}`,
            data: readFileSync(join(c.dir, input)),
          }).matches.length;
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
