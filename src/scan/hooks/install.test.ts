import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { installHooks, uninstallHooks } from "./install.js";

const bin = fileURLToPath(new URL("../../../bin/sluice.js", import.meta.url));
const built = existsSync(
  fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url)),
);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "Ada",
  GIT_AUTHOR_EMAIL: "ada@example.com",
  GIT_COMMITTER_NAME: "Ada",
  GIT_COMMITTER_EMAIL: "ada@example.com",
};
const repo = (): string => {
  const d = mkdtempSync(join(tmpdir(), "sluice-hooks-"));
  dirs.push(d);
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: d });
  return d;
};
const commit = (cwd: string, message: string) =>
  spawnSync(
    "git",
    ["-c", "commit.gpgsign=false", "commit", "-q", "-m", message],
    { cwd, env, encoding: "utf8" },
  );

describe("installHooks", () => {
  it("chains an existing hook, is idempotent, and uninstall restores it", () => {
    const d = repo();
    const hooks = join(d, ".git", "hooks");
    writeFileSync(join(hooks, "pre-commit"), "#!/bin/sh\necho mine\n");
    chmodSync(join(hooks, "pre-commit"), 0o755);
    expect(installHooks(hooks, ["node", bin]).map((c) => c.action)).toEqual([
      "chained",
      "installed",
    ]);
    expect(installHooks(hooks, ["node", bin]).map((c) => c.action)).toEqual([
      "updated",
      "updated",
    ]);
    expect(
      readFileSync(join(hooks, "pre-commit.sluice-chained"), "utf8"),
    ).toContain("echo mine");
    // A new foreign hook while one is already chained: refused without --force.
    writeFileSync(join(hooks, "pre-push"), "#!/bin/sh\nexit 0\n");
    writeFileSync(
      join(hooks, "pre-push.sluice-chained"),
      "#!/bin/sh\nexit 0\n",
    );
    expect(() => installHooks(hooks, ["node", bin])).toThrow(/--force/);
    expect(uninstallHooks(hooks).map((c) => c.action)).toEqual([
      "restored",
      "left",
    ]);
    expect(readFileSync(join(hooks, "pre-commit"), "utf8")).toBe(
      "#!/bin/sh\necho mine\n",
    );
  });
});

describe("pre-push hook", () => {
  it("runs the dependency scan only when the pushed range changes a lockfile", () => {
    const d = repo();
    const hooks = join(d, ".git", "hooks");
    const out = join(d, ".git", "called.log");
    // The hook's "sluice" records its arguments instead of scanning.
    installHooks(hooks, ["sh", "-c", `echo "$@" >> '${out}'`, "sluice"]);
    const run = (files: Record<string, string>) => {
      for (const [f, text] of Object.entries(files))
        writeFileSync(join(d, f), text);
      execFileSync("git", ["add", "."], { cwd: d });
      const before = spawnSync("git", ["rev-parse", "HEAD"], {
        cwd: d,
        encoding: "utf8",
      }).stdout.trim();
      execFileSync(
        "git",
        [
          "-c",
          "commit.gpgsign=false",
          "-c",
          "core.hooksPath=/dev/null",
          "commit",
          "-q",
          "-m",
          "x",
        ],
        { cwd: d, env },
      );
      const after = execFileSync("git", ["rev-parse", "HEAD"], {
        cwd: d,
        encoding: "utf8",
      }).trim();
      const remote = /^[0-9a-f]{40}$/.test(before) ? before : "0".repeat(40);
      return spawnSync(join(hooks, "pre-push"), ["origin", "url"], {
        cwd: d,
        input: `refs/heads/main ${after} refs/heads/main ${remote}\n`,
        encoding: "utf8",
      });
    };
    expect(run({ "a.ts": "1" }).status).toBe(0);
    expect(existsSync(out)).toBe(false);
    expect(run({ "package-lock.json": "{}" }).status).toBe(0);
    expect(readFileSync(out, "utf8").trim()).toBe(
      "scan deps --allow-no-lockfiles .",
    );
  });
});

describe.skipIf(!built)("git hooks in a real repository (built CLI)", () => {
  it("refuses a commit that adds a secret, lets a clean one through, and runs the chained hook", () => {
    const d = repo();
    const hooks = join(d, ".git", "hooks");
    writeFileSync(
      join(hooks, "pre-commit"),
      `#!/bin/sh\necho chained-ran >> "${join(d, ".git", "chained.log")}"\n`,
    );
    chmodSync(join(hooks, "pre-commit"), 0o755);
    const install = spawnSync(process.execPath, [bin, "hooks", "install"], {
      cwd: d,
      encoding: "utf8",
    });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).toContain("pre-commit: chained");

    writeFileSync(join(d, "clean.ts"), "export const answer = 42;\n");
    execFileSync("git", ["add", "."], { cwd: d });
    const ok = commit(d, "clean");
    expect(ok.status, ok.stderr).toBe(0);

    writeFileSync(
      join(d, "leak.ts"),
      'export const t = "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";\n',
    );
    execFileSync("git", ["add", "."], { cwd: d });
    const refused = commit(d, "leak");
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("github-pat");
    expect(refused.stdout + refused.stderr).not.toContain(
      "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx",
    );
    expect(
      execFileSync("git", ["log", "--format=%s"], {
        cwd: d,
        encoding: "utf8",
      }).trim(),
    ).toBe("clean");
    expect(
      readFileSync(join(d, ".git", "chained.log"), "utf8")
        .trim()
        .split("\n"),
    ).toHaveLength(2);

    const un = spawnSync(process.execPath, [bin, "hooks", "uninstall"], {
      cwd: d,
      encoding: "utf8",
    });
    expect(un.stdout).toContain("pre-commit: restored");
  });
});
