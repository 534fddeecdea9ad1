import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "./cli.js";
import { secretsHome } from "./secrets-cli.js";

// Debian's `age` (the reference Go implementation) reads what sluice writes and writes what it reads.
const age = "/usr/bin/age";
const ageKeygen = "/usr/bin/age-keygen";

beforeAll(assertBuilt);

/** `age-keygen -o FILE`; returns the recipient. */
function keygen(file: string): string {
  execFileSync(ageKeygen, ["-o", file], { stdio: "pipe" });
  return /# public key: (age1\S+)/.exec(readFileSync(file, "utf8"))?.[1] ?? "";
}

function ageDecrypt(identity: string, armored: string) {
  const result = spawnSync(age, ["-d", "-i", identity], {
    input: armored,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(!existsSync(age))("secrets and Debian's age binary", () => {
  it("a value set with sluice decrypts with `age -d -i`, and a removed recipient decrypts no current version", () => {
    const { home, cwd, run } = secretsHome();
    expect(
      run(
        ["secrets", "set", "API_TOKEN", "--project", "shop", "--env", "prod"],
        "tok-interop-5521",
      ).code,
    ).toBe(0);
    const armored = run([
      "secrets",
      "get",
      "API_TOKEN",
      "--project",
      "shop",
      "--env",
      "prod",
      "--age",
    ]).stdout;
    expect(armored).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
    const own = ageDecrypt(join(home, "age-identity.txt"), armored);
    expect(own).toEqual({ code: 0, stdout: "tok-interop-5521", stderr: "" });

    // A teammate's key from age-keygen: added, it opens every version; removed, none.
    const bobKey = join(cwd, "bob.txt");
    const bob = keygen(bobKey);
    const added = run([
      "secrets",
      "recipients",
      "add",
      bob,
      "--name",
      "bob",
      "--project",
      "shop",
    ]);
    expect(added.stdout).toBe(
      `${bob} added to project shop; 1 version re-encrypted\n`,
    );
    const shared = run([
      "secrets",
      "get",
      "API_TOKEN",
      "--project",
      "shop",
      "--env",
      "prod",
      "--age",
    ]).stdout;
    expect(ageDecrypt(bobKey, shared).stdout).toBe("tok-interop-5521");
    // Bob, with his own key, reads through sluice too.
    expect(
      run(
        ["secrets", "get", "API_TOKEN", "--project", "shop", "--env", "prod"],
        "",
        {
          SLUICE_AGE_IDENTITY: bobKey,
        },
      ).stdout,
    ).toBe("tok-interop-5521");
    expect(
      run(["secrets", "recipients", "rm", bob, "--project", "shop"]).code,
    ).toBe(0);
    const after = run([
      "secrets",
      "get",
      "API_TOKEN",
      "--project",
      "shop",
      "--env",
      "prod",
      "--age",
    ]).stdout;
    const refused = ageDecrypt(bobKey, after);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain(
      "no identity matched any of the recipients",
    );
    const viaSluice = run(
      ["secrets", "get", "API_TOKEN", "--project", "shop", "--env", "prod"],
      "",
      {
        SLUICE_AGE_IDENTITY: bobKey,
      },
    );
    expect(viaSluice.code).toBe(2);
    expect(viaSluice.stdout).toBe("");
    expect(viaSluice.stderr).toMatch(
      /^sluice: secret API_TOKEN \(project shop, environment prod, version 1\) is not encrypted to your identity \(age1[0-9a-z]+\): ask a recipient to run `sluice secrets recipients add age1/,
    );
  }, 240_000);

  it("a .env encrypted by hand with `age -r RECIPIENT` imports; a tampered one or another's imports nothing", () => {
    const { cwd, run } = secretsHome();
    const recipient = run(["secrets", "identity"]).stdout.trim();
    expect(recipient).toMatch(/^age1/);
    const plain = join(cwd, "prod.env");
    writeFileSync(
      plain,
      "export DB_URL=postgres://u:pw-5521@db/app\nSTRIPE_KEY='sk_test_interop'\n",
    );
    execFileSync(age, [
      "-r",
      recipient,
      "-o",
      join(cwd, "prod.env.age"),
      plain,
    ]);
    execFileSync(age, [
      "-a",
      "-r",
      recipient,
      "-o",
      join(cwd, "armored.env.age"),
      plain,
    ]);
    const imported = run([
      "secrets",
      "import",
      "prod.env.age",
      "--project",
      "shop",
      "--env",
      "prod",
    ]);
    expect(imported.stdout).toBe(
      "imported 2 secrets into shop, env prod: DB_URL, STRIPE_KEY\n",
    );
    expect(
      run(["secrets", "get", "DB_URL", "--project", "shop", "--env", "prod"])
        .stdout,
    ).toBe("postgres://u:pw-5521@db/app");
    expect(
      run(["secrets", "import", "armored.env.age", "--project", "other"]).code,
    ).toBe(0);
    expect(
      run(["secrets", "get", "STRIPE_KEY", "--project", "other"]).stdout,
    ).toBe("sk_test_interop");

    // One flipped bit in the last chunk: the authentication fails; nothing, not even a part, imported.
    const bytes = readFileSync(join(cwd, "prod.env.age"));
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 1;
    writeFileSync(join(cwd, "tampered.env.age"), bytes);
    const tampered = run([
      "secrets",
      "import",
      "tampered.env.age",
      "--project",
      "fresh",
    ]);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(
      /^sluice: tampered.env.age cannot be decrypted: its ciphertext was altered or is damaged \(age: [^\n]+\)\n$/,
    );
    // Encrypted to someone else: a clear refusal.
    const other = keygen(join(cwd, "other.txt"));
    execFileSync(age, ["-r", other, "-o", join(cwd, "theirs.env.age"), plain]);
    const theirs = run([
      "secrets",
      "import",
      "theirs.env.age",
      "--project",
      "fresh",
    ]);
    expect(theirs.code).toBe(2);
    expect(theirs.stderr).toMatch(
      /^sluice: theirs.env.age is not encrypted to your identity \(age1/,
    );
    expect(run(["secrets", "list", "--project", "fresh"]).stdout).toBe(
      "no secrets for project fresh\n",
    );
  }, 240_000);
});
