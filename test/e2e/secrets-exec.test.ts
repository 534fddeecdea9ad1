import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, bin } from "./cli.js";
import { secretsHome } from "./secrets-cli.js";

beforeAll(assertBuilt);

describe("sluice secrets exec", () => {
  it("runs a command with the environment's secrets, its output masked, its exit code passed on", () => {
    const { home, run } = secretsHome();
    const token = 'tok/9f3a+"q&=z-exec';
    expect(
      run(["secrets", "set", "TOKEN", "--project", "shop"], "project-level-1")
        .code,
    ).toBe(0);
    expect(
      run(
        ["secrets", "set", "TOKEN", "--project", "shop", "--env", "prod"],
        token,
      ).code,
    ).toBe(0);
    expect(
      run(["secrets", "set", "OTHER", "--project", "shop"], "other-value-2")
        .code,
    ).toBe(0);
    // The key given as text: the command must not receive it.
    const key =
      /AGE-SECRET-KEY-1\S+/.exec(
        readFileSync(join(home, "age-identity.txt"), "utf8"),
      )?.[0] ?? "";
    expect(key).not.toBe("");
    const script = [
      'echo "raw $TOKEN"',
      'printf %s "$TOKEN" | base64',
      "node -e 'console.log(encodeURIComponent(process.env.TOKEN), JSON.stringify(process.env.TOKEN))'",
      'printf "split %s" "${TOKEN:0:5}"; sleep 1; printf "%s\\n" "${TOKEN:5}"',
      'echo "other $OTHER" >&2',
      'echo "identity ${SLUICE_AGE_IDENTITY:-unset}"',
      "exit 3",
    ].join("\n");
    const result = run(
      [
        "secrets",
        "exec",
        "--project",
        "shop",
        "--env",
        "prod",
        "--",
        "bash",
        "-c",
        script,
      ],
      "",
      { SLUICE_AGE_IDENTITY: key },
    );
    expect(result.code).toBe(3);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("raw ***");
    // base64 keeps the few characters that depend on the bytes around the value.
    expect(lines[1]).toMatch(/^\*\*\*.{0,4}$/);
    expect(lines.slice(2)).toEqual([
      '*** "***"',
      "split ***",
      "identity unset",
      "",
    ]);
    expect(result.stdout).not.toContain(key);
    expect(result.stderr).toBe("other ***\n");
    for (const form of [
      token,
      Buffer.from(token).toString("base64").replace(/=+$/, ""),
      encodeURIComponent(token),
    ])
      expect(result.stdout).not.toContain(form);
    // The read is audited; the store is free while the command runs (a nested sluice opens it).
    const nested = run([
      "secrets",
      "exec",
      "--project",
      "shop",
      "--",
      process.execPath,
      bin,
      "secrets",
      "audit",
      "--project",
      "shop",
    ]);
    expect(nested.code).toBe(0);
    expect(nested.stdout).toMatch(/\tread\tTOKEN v1\tenv prod\t/);
    const missing = run([
      "secrets",
      "exec",
      "--project",
      "shop",
      "--",
      "no-such-command-x",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^sluice: cannot run no-such-command-x: /);
  }, 240_000);
});
