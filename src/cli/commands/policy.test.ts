// `sluice policy test`, `sluice policy check` and `sluice gate facts` through the built CLI.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../../bin/sluice.js", import.meta.url));
const built = existsSync(
  fileURLToPath(new URL("../../../dist/policy/index.js", import.meta.url)),
);
let dir: string;
const sluice = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, SLUICE_HOME: join(dir, ".home") },
  });

const policy = `rules:
  - name: critical
    when: findings.critical > 0
    decision: deny
    message: critical findings
  - name: infra
    when: size(sensitiveFiles) > 0
    decision: hold
    approvals: { count: 1, group: sre }
    message: infra changed
  - name: small
    when: linesChanged < 100
    decision: approve
    message: small
sensitivePaths: ["infra/**"]
`;

const cases = (expected: string) => `policy: policy.yml
cases:
  - name: small
    facts: { linesChanged: 10, findings: { critical: 0 }, sensitiveFiles: [] }
    expect: { decision: approve, fired: [small] }
  - name: deny beats hold
    facts: { linesChanged: 10, findings: { critical: 2 }, sensitiveFiles: [infra/a.tf] }
    expect: { decision: ${expected}, fired: [critical, infra, small] }
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-policy-cli-"));
  writeFileSync(join(dir, "policy.yml"), policy);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!built)("sluice policy (built CLI)", () => {
  it("passes a table whose expectations hold", () => {
    writeFileSync(join(dir, "cases.yml"), cases("deny"));
    const r = sluice("policy", "test", "cases.yml");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("2 of 2 cases pass against policy.yml");
  });

  it("exits 1 and shows the difference on a mismatch", () => {
    writeFileSync(join(dir, "cases.yml"), cases("hold"));
    const r = sluice("policy", "test", "cases.yml");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("FAIL deny beats hold");
    expect(r.stdout).toContain(
      "decision: expected hold, got deny (critical: critical findings)",
    );
    expect(r.stdout).toContain("1 of 2 cases pass");
  });

  it("refuses a case naming an unknown fact, at file:line:col", () => {
    writeFileSync(
      join(dir, "bad-cases.yml"),
      "cases:\n  - name: x\n    facts: { lineChanged: 3 }\n    expect: { decision: approve }\n",
    );
    const r = sluice("policy", "test", "bad-cases.yml");
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe(
      "sluice: bad-cases.yml:3:14: unknown key `lineChanged` in `facts` of case 1; did you mean `linesChanged`?",
    );
  });

  it("refuses a policy whose rule reads an unknown fact", () => {
    writeFileSync(
      join(dir, "bad.yml"),
      "rules:\n  - name: x\n    when: reviewers > 1\n    decision: approve\n    message: m\n",
    );
    const r = sluice("policy", "check", "bad.yml");
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe(
      "sluice: bad.yml:3:11: rule `x`: CEL type error at column 1 of `when`: unknown fact `reviewers` (see docs/policy.md for the facts)",
    );
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe.skipIf(!built)("sluice gate facts (built CLI)", () => {
  it("shows the HEAD change's git facts and names the unknown ones", () => {
    const repo = join(dir, "repo");
    mkdirSync(join(repo, "infra"), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: repo,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "A",
          GIT_AUTHOR_EMAIL: "a@example.com",
          GIT_COMMITTER_NAME: "A",
          GIT_COMMITTER_EMAIL: "a@example.com",
        },
      });
    git("init", "-q");
    writeFileSync(join(repo, "README.md"), "x\n");
    git("add", ".");
    git("commit", "-qm", "one");
    writeFileSync(join(repo, "infra", "main.tf"), "a\nb\n");
    git("add", ".");
    git("commit", "-qm", "two");
    const r = spawnSync(process.execPath, [bin, "gate", "facts", "--json"], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, SLUICE_HOME: join(dir, ".home") },
    });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      facts: Record<string, unknown>;
      unknown: string[];
    };
    expect(out.facts.files).toEqual(["infra/main.tf"]);
    expect(out.facts.sensitiveFiles).toEqual(["infra/main.tf"]);
    expect(out.facts.linesAdded).toBe(2);
    expect(out.facts.author).toBe("a@example.com");
    expect(out.facts.findings).toBeUndefined();
    expect(out.unknown).toEqual(
      expect.arrayContaining([
        "findings",
        "testsFailed",
        "environment",
        "risk",
      ]),
    );
    const human = spawnSync(process.execPath, [bin, "gate", "facts"], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(human.stdout).toMatch(/unknown \(need a run\): .*findings/);
  });

  it("says so when there is no repository or no commit", () => {
    const empty = join(dir, "empty");
    mkdirSync(empty, { recursive: true });
    const outside = spawnSync(process.execPath, [bin, "gate", "facts"], {
      cwd: empty,
      encoding: "utf8",
      env: { ...process.env, GIT_CEILING_DIRECTORIES: dir },
    });
    expect(outside.status).toBe(2);
    expect(outside.stderr.trim()).toBe(
      `sluice: ${empty} is not in a git repository`,
    );
    execFileSync("git", ["init", "-q"], { cwd: empty });
    const fresh = spawnSync(process.execPath, [bin, "gate", "facts"], {
      cwd: empty,
      encoding: "utf8",
    });
    expect(fresh.status).toBe(2);
    expect(fresh.stderr.trim()).toBe(`sluice: no commit HEAD in ${empty}`);
  });
});
