import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, sluice } from "./cli.js";

// Issue 9.13: `flags enable` on an enabled flag reported a change, and audit entries said `by cli`.
// Issue 10.7: JSON Logic nested 2,000 deep overflowed the stack in `flags import`.
describe("flags audit from the built CLI (local store)", () => {
  const root = mkdtempSync(join(tmpdir(), "sluice-flags-audit-"));
  const repo = join(root, "repo");
  const plain = join(root, "plain");
  // No $SLUICE_ACTOR, and a HOME of our own: only the repository's git config names the user.
  const env = {
    SLUICE_HOME: join(root, "home"),
    HOME: join(root, "user-home"),
    GIT_CONFIG_NOSYSTEM: "1",
    SLUICE_ACTOR: "",
  };
  const scope = ["--project", "shop", "--env", "production"];
  const flagSet = {
    flags: {
      checkout: {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "off",
      },
    },
  };

  beforeAll(() => {
    assertBuilt();
    for (const dir of [repo, plain, env.HOME])
      execFileSync("mkdir", ["-p", dir]);
    execFileSync("git", ["init", "-q", repo]);
    execFileSync("git", ["config", "user.name", "Ana Lima"], { cwd: repo });
    execFileSync("git", ["config", "user.email", "ana@example.com"], {
      cwd: repo,
    });
    writeFileSync(join(root, "flags.json"), JSON.stringify(flagSet));
  });
  afterAll(() => {
    // Its commands started the home's local server on demand.
    stopLocalServer(env.SLUICE_HOME);
    rmSync(root, { recursive: true, force: true });
  });

  const history = (cwd: string) => {
    const result = sluice(cwd, env, ["flags", "history", ...scope, "--json"]);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as { action: string; actor: string }[];
  };

  it("records the git user of the current folder as the actor", () => {
    const imported = sluice(repo, env, [
      "flags",
      "import",
      join(root, "flags.json"),
      ...scope,
    ]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const disabled = sluice(repo, env, [
      "flags",
      "disable",
      "checkout",
      ...scope,
    ]);
    expect(disabled.stdout).toBe(
      "flag checkout disabled (flag set version 2)\n",
    );
    expect(history(repo).map((e) => [e.action, e.actor])).toEqual([
      ["disable", "Ana Lima <ana@example.com>"],
      ["import", "Ana Lima <ana@example.com>"],
    ]);
  });

  it("says a flag already in the asked state is unchanged, and writes no audit entry", () => {
    const before = history(repo).length;
    const again = sluice(repo, env, ["flags", "disable", "checkout", ...scope]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      "flag checkout is already disabled; unchanged (flag set version 2)\n",
    );
    expect(history(repo)).toHaveLength(before);
  });

  it("falls back to the operating system's user outside a git repository", () => {
    const enabled = sluice(plain, env, [
      "flags",
      "enable",
      "checkout",
      ...scope,
    ]);
    expect(enabled.stdout).toBe("flag checkout enabled (flag set version 3)\n");
    const [latest] = history(plain);
    expect(latest).toMatchObject({
      action: "enable",
      actor: userInfo().username,
    });
    expect(latest!.actor).not.toBe("cli");
  });

  it("refuses JSON Logic nested 2,000 deep with one clear line, and stores nothing", () => {
    let rule: unknown = { var: "email" };
    for (let i = 0; i < 2000; i++) rule = { "!": [rule] };
    const deep = {
      flags: {
        checkout: {
          ...flagSet.flags.checkout,
          targeting: { if: [rule, "on", "off"] },
        },
      },
    };
    const file = join(root, "deep.json");
    writeFileSync(file, JSON.stringify(deep));
    const result = sluice(repo, env, ["flags", "import", file, ...scope]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /^sluice: invalid flag set at \$\.flags\.checkout\.targeting\.if\[0\](\["!"\]|\[0\])+: objects and arrays nest more than 100 levels deep here; a flag set may nest at most 100\n$/,
    );
    expect(result.stderr).not.toMatch(/Maximum call stack|at .*\.js:\d+/);
    const list = sluice(repo, env, ["flags", "get", "checkout", ...scope]);
    expect(JSON.parse(list.stdout)).not.toHaveProperty("targeting");
  });
});
