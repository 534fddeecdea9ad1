import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { actorOf, actorOfAsync } from "./actor.js";

describe("actorOf: who changes things from this shell", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  /** A repository whose local git config sets `config`; global config left out. */
  const repo = (config: Record<string, string[]>) => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-actor-"));
    dirs.push(dir);
    execFileSync("git", ["init", "-q", dir]);
    for (const [key, values] of Object.entries(config))
      for (const value of values)
        execFileSync("git", ["config", "--add", key, value], { cwd: dir });
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: "1",
      USER: "os-user",
    };
    return { cwd: dir, env };
  };

  it.each([
    [
      "name and email",
      { "user.name": ["Ada Lovelace"], "user.email": ["ada@example.com"] },
      "Ada Lovelace <ada@example.com>",
    ],
    ["a name alone", { "user.name": ["Ada"] }, "Ada"],
    [
      "an email alone",
      { "user.email": ["ada@example.com"] },
      "ada@example.com",
    ],
    // As `git config --get`: the last value of a key set twice.
    [
      "a key set twice",
      { "user.name": ["Old Name", "New Name"], "user.email": ["a@b.c"] },
      "New Name <a@b.c>",
    ],
  ])(
    "%s: git's identity, the same from both forms",
    async (_, config, want) => {
      const shell = repo(config);
      expect(actorOf(shell)).toBe(want);
      expect(await actorOfAsync(shell)).toBe(want);
    },
  );

  it("SLUICE_ACTOR first; without a git identity, the operating system's user", async () => {
    const shell = repo({ "user.name": ["Ada"] });
    const named = { ...shell, env: { ...shell.env, SLUICE_ACTOR: "bot" } };
    expect(actorOf(named)).toBe("bot");
    expect(await actorOfAsync(named)).toBe("bot");
    const none = repo({});
    expect(actorOf(none)).toBe(await actorOfAsync(none));
    expect(actorOf(none)).not.toBe("");
  });
});
