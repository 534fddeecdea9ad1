import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "./cli.js";
import { filesContaining, secretsHome } from "./secrets-cli.js";

beforeAll(assertBuilt);

// Each test spawns the CLI a dozen times, each opening the embedded database.
describe("sluice secrets", () => {
  it("sets from stdin, reads back with an audit row, and never prints or stores a value in clear", () => {
    const { home, run } = secretsHome();
    const value = "s3cr3t-e2e-value-7731";
    const set = run(
      ["secrets", "set", "DB_PASSWORD", "--project", "shop"],
      `${value}\n`,
    );
    expect(set.stderr).toMatch(
      /^sluice: created your age identity .*age-identity.txt \(mode 0600\)\. Back it up/,
    );
    expect(set.stdout).toBe(
      "secret DB_PASSWORD saved (shop, project-wide, version 1)\n",
    );
    expect(set.code).toBe(0);
    // The notice is one-time: the key file exists now.
    const again = run(
      ["secrets", "set", "DB_PASSWORD", "--project", "shop", "--env", "prod"],
      "prod-value-1234",
    );
    expect(again.stderr).toBe("");
    expect(
      run(["secrets", "get", "DB_PASSWORD", "--project", "shop"]).stdout,
    ).toBe(value);
    expect(
      run([
        "secrets",
        "get",
        "DB_PASSWORD",
        "--project",
        "shop",
        "--env",
        "prod",
      ]).stdout,
    ).toBe("prod-value-1234");
    expect(
      run([
        "secrets",
        "get",
        "DB_PASSWORD",
        "--project",
        "shop",
        "--env",
        "staging",
      ]).stdout,
    ).toBe(value);
    const list = run(["secrets", "list", "--project", "shop"]);
    const history = run([
      "secrets",
      "history",
      "DB_PASSWORD",
      "--project",
      "shop",
    ]);
    const audit = run(["secrets", "audit", "DB_PASSWORD", "--project", "shop"]);
    for (const out of [list, history, audit]) {
      expect(out.code).toBe(0);
      expect(out.stdout).not.toContain(value);
      expect(out.stdout).not.toContain("prod-value-1234");
    }
    expect(
      list.stdout.split("\n").map((l) => l.split("\t").slice(0, 3).join(" ")),
    ).toEqual(["DB_PASSWORD project-wide v1", "DB_PASSWORD env prod v1", ""]);
    expect(audit.stdout.match(/\tread\tDB_PASSWORD v1\t/g)).toHaveLength(3);
    expect(audit.stdout).toContain("\tAda <ada@example.com>");
    for (const needle of [value, "prod-value-1234"])
      expect(filesContaining(home, needle)).toEqual([]);
  }, 240_000);

  it("refuses a value given as an argument, bad names, an empty and a 1 MB value, each in one line", () => {
    const { run } = secretsHome();
    const cases: [string[], string, string][] = [
      [
        ["NAME", "the-value"],
        "",
        "sluice: the value is read from standard input or a prompt, never from an argument",
      ],
      [["../x"], "value-1", 'sluice: secret name "../x" is not allowed'],
      [["A;rm"], "value-1", 'sluice: secret name "A;rm" is not allowed'],
      [["EMPTY"], "", "sluice: secret EMPTY: the value is empty"],
      [
        ["BIG"],
        "a".repeat(1024 * 1024),
        "sluice: secret BIG: the value has 1048576 bytes; at most 65536 (64 KiB) are allowed",
      ],
      [
        ["OK", "--env", "a/b"],
        "value-1",
        'sluice: environment "a/b" is not allowed',
      ],
    ];
    for (const [args, input, message] of cases) {
      const result = run(["secrets", "set", ...args, "--project", "p"], input);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain("the-value");
    }
    expect(run(["secrets", "list", "--project", "p"]).stdout).toBe(
      "no secrets for project p\n",
    );
  }, 240_000);

  it("imports a .env at once, or reports each bad line and imports nothing", () => {
    const { cwd, run } = secretsHome();
    writeFileSync(
      join(cwd, "bad.env"),
      'export A_ONE=value-1\nB_TWO="quoted value"\nnot a line\nA_ONE=value-2\n',
    );
    const bad = run(["secrets", "import", "bad.env", "--project", "p"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      "sluice: bad.env: 2 problems; nothing imported\n  bad.env:3: not NAME=value\n  bad.env:4: A_ONE is set again (first on line 1)\n",
    );
    expect(run(["secrets", "list", "--project", "p"]).stdout).toBe(
      "no secrets for project p\n",
    );
    writeFileSync(
      join(cwd, "good.env"),
      'export A_ONE=value-1\nB_TWO="quoted value"\n',
    );
    const good = run([
      "secrets",
      "import",
      "good.env",
      "--project",
      "p",
      "--env",
      "prod",
    ]);
    expect(good.stdout).toBe(
      "imported 2 secrets into p, env prod: A_ONE, B_TWO\n",
    );
    expect(
      run(["secrets", "get", "B_TWO", "--project", "p", "--env", "prod"])
        .stdout,
    ).toBe("quoted value");
  }, 240_000);

  it("refuses a key file others can read and a missing identity, each with a clear line", () => {
    const { cwd, run } = secretsHome();
    expect(
      run(["secrets", "set", "TOKEN", "--project", "p"], "value-1").code,
    ).toBe(0);
    const keyFile = join(cwd, "loose.txt");
    const made = run(["secrets", "identity"], "", {
      SLUICE_HOME: join(cwd, "other-home"),
    });
    expect(made.stdout).toMatch(/^age1[0-9a-z]+\n$/);
    writeFileSync(
      keyFile,
      "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n",
    );
    chmodSync(keyFile, 0o644);
    const loose = run(["secrets", "get", "TOKEN", "--project", "p"], "", {
      SLUICE_AGE_IDENTITY: keyFile,
    });
    expect(loose.code).toBe(2);
    expect(loose.stderr).toBe(
      `sluice: the age identity file ${keyFile} is accessible by other users (mode 0644): run \`chmod 600 ${keyFile}\`; it is ignored until then, as ssh ignores such a key\n`,
    );
    const missing = run(["secrets", "get", "TOKEN", "--project", "p"], "", {
      SLUICE_AGE_IDENTITY: join(cwd, "nope.txt"),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^sluice: no age identity: .*nope.txt does not exist; set SLUICE_AGE_IDENTITY/,
    );
    const notKey = run(["secrets", "get", "TOKEN", "--project", "p"], "", {
      SLUICE_AGE_IDENTITY: "AGE-SECRET-KEY-1NOTAKEY",
    });
    expect(notKey.code).toBe(2);
    expect(notKey.stderr).toBe(
      "sluice: the age identity is not valid (expected AGE-SECRET-KEY-1… as age-keygen writes it)\n",
    );
  }, 240_000);

  it("every command has --help", () => {
    const { run } = secretsHome();
    for (const args of [
      [],
      ["set"],
      ["get"],
      ["list"],
      ["history"],
      ["rm"],
      ["import"],
      ["audit"],
      ["identity"],
      ["recipients"],
      ["recipients", "add"],
      ["recipients", "rm"],
      ["recipients", "list"],
    ]) {
      const help = run(["secrets", ...args, "--help"]);
      expect(help.code, args.join(" ")).toBe(0);
      expect(help.stdout).toMatch(/^Usage: sluice secrets/);
    }
  }, 240_000);
});
