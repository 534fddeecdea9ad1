import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, bin } from "./cli.js";
import { filesContaining } from "./secrets-cli.js";

/**
 * Issue 14, accounts from the built CLI: every command has --help, a password is never taken
 * from an argument, a token is printed once, and neither is found anywhere in the home.
 */

const password = "a password nobody guesses";

describe("sluice users and tokens (issue 14)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-accounts-e2e-"));
  const run = (args: string[], input?: string) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      cwd: home,
      input: input ?? "",
      encoding: "utf8",
      env: {
        ...process.env,
        NO_COLOR: "1",
        SLUICE_HOME: home,
        SLUICE_SERVER_IDLE: "20s",
      },
    });
    return {
      code: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  };
  beforeAll(() => assertBuilt());
  afterAll(() => {
    // Its commands started the home's local server on demand.
    stopLocalServer(home);
    rmSync(home, { recursive: true, force: true });
  });

  it.each([
    ["users", "add"],
    ["users", "list"],
    ["users", "rm"],
    ["users", "role"],
    ["users", "email"],
    ["tokens", "create"],
    ["tokens", "list"],
    ["tokens", "revoke"],
  ])("sluice %s %s --help describes the command", (group, command) => {
    const result = run([group, command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: sluice /);
    expect(result.stdout.split("\n")[2]!.length).toBeGreaterThan(10);
  });

  it("refuses a password given as an argument, without echoing it", () => {
    const result = run(["users", "add", "dana", password]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/never from an argument/);
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it("adds a user from a piped password, prints a token once, and keeps neither in the home", () => {
    const added = run(
      ["users", "add", "dana", "--role", "shop=developer"],
      password,
    );
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/user dana added \(developer on shop\)/);
    const created = run([
      "tokens",
      "create",
      "--user",
      "dana",
      "--role",
      "shop=developer",
      "--expires",
      "30d",
    ]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^sluice_tok\.tok_[0-9a-z]{18}\.[\w-]{43}$/);
    expect(created.stderr).toMatch(/shown this once/);
    const secret = token.split(".")[2]!;
    const listed = run(["tokens", "list", "--json"]);
    expect(listed.code).toBe(0);
    const [summary] = JSON.parse(listed.stdout) as {
      id: string;
      user: string;
    }[];
    expect(summary).toMatchObject({ user: "dana" });
    expect(listed.stdout).not.toContain(secret);
    // Not in the log, not in the database files: only hashes are stored.
    expect(filesContaining(home, secret)).toEqual([]);
    expect(filesContaining(home, password)).toEqual([]);
    const revoked = run(["tokens", "revoke", summary!.id]);
    expect(revoked.code).toBe(0);
    expect(run(["tokens", "list"]).stdout).toMatch(/revoked/);
  });

  it("says in one line what is wrong with a bad role or an unknown user", () => {
    const badRole = run(["users", "role", "dana", "shop", "boss"]);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr.trim()).toBe(
      "sluice: unknown role boss: use viewer, developer, approver or admin",
    );
    const unknown = run(["users", "rm", "nobody"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("sluice: no user nobody");
  });

  it("keeps a person's email (lower case) for the gate's author check, and refuses what is none", () => {
    const added = run([
      "users",
      "add",
      "ci-bot",
      "--no-password",
      "--email",
      "CI-Bot@Example.com",
    ]);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const listed = run(["users", "list"]);
    expect(listed.stdout).toMatch(/^ci-bot\tci-bot@example\.com\t/m);
    const bad = run(["users", "email", "ci-bot", "bot at example"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'sluice: "bot at example" is not an email address',
    );
    const removed = run(["users", "email", "ci-bot", "-"]);
    expect(removed.stdout.trim()).toBe("ci-bot has no email now");
    expect(run(["users", "list"]).stdout).toMatch(/^ci-bot\t-\t/m);
  });
});
