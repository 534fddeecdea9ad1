// Every classifier on real diffs: each row commits a change with git in a temp repo, reads its
// facts with gitChangeFacts, and decides it with the default policy (run facts filled in).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { defaultPolicyText } from "./default-policy.js";
import type { Facts } from "./facts.js";
import { gitChangeFacts } from "./git.js";
import { parsePolicy } from "./loader.js";

const policy = parsePolicy(defaultPolicyText, "default");
let repo: string;

const git = (...args: string[]) =>
  execFileSync("git", args, {
    cwd: repo,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Dev",
      GIT_AUTHOR_EMAIL: "dev@example.com",
      GIT_COMMITTER_NAME: "Dev",
      GIT_COMMITTER_EMAIL: "dev@example.com",
    },
  });

/** Writes files (null deletes) and commits them; returns the commit. */
function commit(
  files: Record<string, string | null>,
  message = "change",
): string {
  for (const [path, text] of Object.entries(files)) {
    const full = join(repo, path);
    if (text === null) rmSync(full);
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }
  git("add", "-A");
  git("commit", "-q", "--allow-empty", "-m", message);
  return git("rev-parse", "HEAD").trim();
}

const lines = (n: number, prefix = "line") =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i}`).join("\n") + "\n";

const packageJson = (express: string, scripts = "vitest run") =>
  `{\n  "name": "app",\n  "scripts": {\n    "test": "${scripts}"\n  },\n  "dependencies": {\n    "express": "${express}"\n  }\n}\n`;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "sluice-policy-git-"));
  git("init", "-q", "-b", "main");
  commit(
    {
      "README.md": "# app\n",
      "src/app.ts": "export const add = (a: number, b: number) => a + b;\n",
      "src/app.test.ts": "import { add } from './app';\n",
      "package.json": packageJson("4.18.0"),
      "package-lock.json": '{ "lockfileVersion": 3, "v": "4.18.0" }\n',
      "go.mod": "module example.com/app\n\nrequire golang.org/x/text v0.14.0\n",
      "infra/main.tf": 'resource "x" "y" {}\n',
    },
    "initial",
  );
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

/** The run facts a git-only reading lacks: green tests, no findings, production, a Tuesday. */
const run: Facts = {
  testsPassed: 10,
  testsFailed: 0,
  findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  findingsByKind: { secret: 0, dependency: 0 },
  environment: "production",
  failedRuns: 0,
  flakySteps: [],
  weekday: "tuesday",
  hour: 10,
  inFreeze: false,
  freezeWindows: [],
};

interface Row {
  name: string;
  files: Record<string, string | null>;
  message?: string;
  expect: Partial<Facts>;
  decision: "approve" | "hold" | "deny";
  fired: string[];
}

const rows: Row[] = [
  {
    name: "docs only",
    files: {
      "README.md": "# app\n\nHow to run it.\n",
      "docs/guide.md": "guide\n",
    },
    expect: {
      docsOnly: true,
      testsOnly: false,
      codeChanged: false,
      linesAdded: 3,
      linesRemoved: 0,
      filesChanged: 2,
    },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only", "small-tested-change"],
  },
  {
    name: "tests only",
    files: { "src/app.test.ts": "import { add } from './app';\nadd(1, 2);\n" },
    expect: {
      testsOnly: true,
      docsOnly: false,
      codeChanged: false,
      testsChangedWithCode: false,
    },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only", "small-tested-change"],
  },
  {
    name: "formatting only (indentation and a blank line)",
    files: {
      "src/app.ts":
        "\nexport  const add = (a: number,   b: number) => a + b;\n",
    },
    expect: {
      formattingOnly: true,
      codeChanged: true,
      linesAdded: 2,
      linesRemoved: 1,
    },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only", "small-tested-change"],
  },
  {
    name: "not formatting: a changed token",
    files: {
      "src/app.ts": "export const add = (a: number, b: number) => b + a;\n",
    },
    expect: {
      formattingOnly: false,
      codeChanged: true,
      testsChangedWithCode: false,
    },
    // Small, and the run's tests passed.
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "dependency bump: package.json version line and the lockfile",
    files: {
      "package.json": packageJson("4.19.2"),
      "package-lock.json": '{ "lockfileVersion": 3, "v": "4.19.2" }\n',
    },
    expect: { dependencyBumpOnly: true, codeChanged: false },
    decision: "approve",
    fired: ["dependency-bump", "small-tested-change"],
  },
  {
    name: "dependency bump: go.mod",
    files: {
      "go.mod": "module example.com/app\n\nrequire golang.org/x/text v0.15.0\n",
    },
    expect: { dependencyBumpOnly: true },
    decision: "approve",
    fired: ["dependency-bump", "small-tested-change"],
  },
  {
    name: "not a bump: a script changed in package.json",
    files: { "package.json": packageJson("4.19.2", "vitest run --coverage") },
    expect: { dependencyBumpOnly: false },
    // Small, and the run's tests passed.
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "generated files by header and by path",
    files: {
      "api/api.pb.go":
        "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n",
      "web/out/app.gen.js": "x\n",
      "src/schema.ts": "// @generated by our tool\nexport const s = 1;\n",
    },
    expect: {
      generatedFiles: ["api/api.pb.go", "src/schema.ts", "web/out/app.gen.js"],
      codeChanged: false,
    },
    // Small, and the run's tests passed.
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "small change with its tests",
    files: {
      "src/app.ts":
        "export const add = (a: number, b: number) => a + b;\nexport const sub = (a: number, b: number) => a - b;\n",
      "src/app.test.ts": "import { add, sub } from './app';\n",
    },
    expect: {
      testsChangedWithCode: true,
      codeChanged: true,
      linesAdded: 3,
      linesRemoved: 3,
      sensitiveFiles: [],
    },
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "pipeline config is not code: a 4-line change to sluice.yml",
    files: {
      "sluice.yml":
        "name: app\njobs:\n  test:\n    steps: [{ run: npm test }]\n",
    },
    expect: {
      files: ["sluice.yml"],
      codeChanged: false,
      testsChangedWithCode: false,
      linesAdded: 4,
      sensitiveFiles: [],
    },
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "CI config is not code, but workflows are sensitive",
    files: {
      ".github/workflows/ci.yml": "on: push\n",
      ".sluice/templates/web.yml": "jobs: {}\n",
    },
    expect: {
      codeChanged: false,
      sensitiveFiles: [".github/workflows/ci.yml"],
    },
    decision: "hold",
    fired: [],
  },
  {
    name: "a file named like pipeline config in a subfolder is code",
    files: { "src/sluice.yml": "x: 1\n" },
    expect: { codeChanged: true, testsChangedWithCode: false },
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "500-line AI-assisted change to infra/",
    files: {
      "infra/main.tf": lines(450, "# setting"),
      "src/infra.ts": lines(50),
      "src/infra.test.ts": "test\n",
    },
    message:
      "infra: new network\n\nCo-authored-by: Claude <noreply@anthropic.com>",
    expect: {
      sensitiveFiles: ["infra/main.tf"],
      cohort: "ai-assisted",
      linesAdded: 501,
    },
    decision: "hold",
    fired: ["large-sensitive-change"],
  },
  {
    name: "a deleted file counts its removed lines",
    files: { "src/infra.ts": null },
    expect: {
      files: ["src/infra.ts"],
      linesRemoved: 50,
      linesAdded: 0,
      codeChanged: true,
    },
    // Small, and the run's tests passed.
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "a revert",
    files: { "docs/guide.md": null },
    message:
      'Revert "docs"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.',
    expect: { isRevert: true, docsOnly: true, cohort: "unmarked" },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only", "small-tested-change"],
  },
  {
    name: "an empty commit is none of the classifiers",
    files: {},
    expect: {
      filesChanged: 0,
      docsOnly: false,
      testsOnly: false,
      formattingOnly: false,
      dependencyBumpOnly: false,
    },
    // Small, and the run's tests passed.
    decision: "approve",
    fired: ["small-tested-change"],
  },
];

describe("classifiers on real git diffs", () => {
  it.each(rows)("$name", (row) => {
    const sha = commit(row.files, row.message);
    const { change, facts } = gitChangeFacts({
      cwd: repo,
      sensitivePaths: policy.sensitivePaths,
    });
    expect(change.sha).toBe(sha);
    for (const [key, value] of Object.entries(row.expect))
      expect([key, facts[key as keyof Facts]]).toEqual([key, value]);
    expect(facts.author).toBe("dev@example.com");
    const decision = decide(policy, { ...facts, ...run });
    expect(decision.decision).toBe(row.decision);
    expect(decision.fired.map((f) => f.rule).sort()).toEqual(
      [...row.fired].sort(),
    );
  });

  it("leaves run facts unknown and refuses a commit that does not exist", () => {
    const { facts } = gitChangeFacts({ cwd: repo, sensitivePaths: [] });
    expect(facts.findings).toBeUndefined();
    expect(facts.testsFailed).toBeUndefined();
    expect(() =>
      gitChangeFacts({ cwd: repo, rev: "nope", sensitivePaths: [] }),
    ).toThrow(/no commit nope in /);
  });
});
