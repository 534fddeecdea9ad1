import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, sluice } from "./cli.js";
import { filesContaining } from "./secrets-cli.js";
import { serveHome } from "../support/served-home.js";

/**
 * Issue 14, "every command through the API": every `sluice secrets` verb is a client of the
 * home's server (ADR 105). While `sluice serve` holds the embedded store they work from other
 * processes (before, each opened the store itself and failed with "`sluice serve` (process N)
 * holds the embedded store"). No value reaches the server's output, the store or a network
 * answer in clear. With SLUICE_TEST_DATABASE_URL the same runs on a fresh Postgres database.
 */

describe("sluice secrets while `sluice serve` holds the store (built CLI)", () => {
  const root = mkdtempSync(join(tmpdir(), "sluice-e2e-secrets-served-"));
  const env: Record<string, string> = {
    SLUICE_HOME: join(root, "home"),
    SLUICE_ACTOR: "Ada <ada@example.com>",
  };
  const value = "tok-served-0f3a9c77e1";
  const imported = "imp-served-5b21d04c";
  const project = ["--project", "shop"];
  let serve: Awaited<ReturnType<typeof serveHome>> | undefined;

  beforeAll(async () => {
    assertBuilt();
    serve = await serveHome(root, env);
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("sets, lists, reads, runs with, imports and removes secrets from another process", () => {
    const set = sluice(root, env, ["secrets", "set", "API_TOKEN", ...project], {
      input: value,
    });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(
      "secret API_TOKEN saved (shop, project-wide, version 1)\n",
    );
    // The key file is the home's, made by this first write: its owner is told once.
    expect(set.stderr).toMatch(/created your age identity .*age-identity\.txt/);
    const again = sluice(
      root,
      env,
      ["secrets", "set", "API_TOKEN", ...project, "--env", "prod"],
      { input: `${value}-prod` },
    );
    expect(again.stdout).toBe(
      "secret API_TOKEN saved (shop, env prod, version 1)\n",
    );
    expect(again.stderr).toBe("");

    const listed = sluice(root, env, ["secrets", "list", ...project]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      /^API_TOKEN\tproject-wide\tv1\t\d{4}-\S+Z\tAda <ada@example.com>\nAPI_TOKEN\tenv prod\tv1\t/,
    );

    const got = sluice(root, env, ["secrets", "get", "API_TOKEN", ...project]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe(value);
    const prod = sluice(root, env, [
      "secrets",
      "get",
      "API_TOKEN",
      ...project,
      "--env",
      "prod",
    ]);
    expect(prod.stdout).toBe(`${value}-prod`);

    const age = sluice(root, env, [
      "secrets",
      "get",
      "API_TOKEN",
      ...project,
      "--age",
    ]);
    expect(age.stdout).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);

    // The command gets the value; its output is masked.
    const exec = sluice(root, env, [
      "secrets",
      "exec",
      ...project,
      "--env",
      "prod",
      "--",
      process.execPath,
      "-e",
      "console.log(process.env.API_TOKEN.length, process.env.API_TOKEN)",
    ]);
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout).toBe(`${value.length + 5} ***\n`);

    const dotenv = join(root, "ci.env");
    writeFileSync(dotenv, `DEPLOY_KEY=${imported}\nREGION=eu-west-1\n`);
    const imp = sluice(root, env, [
      "secrets",
      "import",
      dotenv,
      ...project,
      "--env",
      "prod",
    ]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toBe(
      "imported 2 secrets into shop, env prod: DEPLOY_KEY, REGION\n",
    );

    const removed = sluice(root, env, [
      "secrets",
      "rm",
      "REGION",
      ...project,
      "--env",
      "prod",
    ]);
    expect(removed.stdout).toBe(
      "secret REGION removed (shop, env prod, version 2)\n",
    );
    const history = sluice(root, env, [
      "secrets",
      "history",
      "REGION",
      ...project,
      "--env",
      "prod",
    ]);
    expect(history.stdout).toMatch(
      /^v1\tset\t\S+\tAda <ada@example.com>\nv2\tremoved\t\S+\tAda <ada@example.com>\n$/,
    );
    const missing = sluice(root, env, [
      "secrets",
      "get",
      "REGION",
      ...project,
      "--env",
      "prod",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      "sluice: secret REGION is not set for project shop, environment prod (nor project-wide)\n",
    );

    const audit = sluice(root, env, [
      "secrets",
      "audit",
      "API_TOKEN",
      ...project,
    ]);
    expect(audit.code, audit.stderr).toBe(0);
    const actions = audit.stdout
      .trim()
      .split("\n")
      .map((line) => line.split("\t")[1]);
    expect(actions).toEqual(["set", "set", "read", "read", "read"]);

    const recipients = sluice(root, env, [
      "secrets",
      "recipients",
      "list",
      ...project,
    ]);
    expect(recipients.stdout).toMatch(
      /^age1[0-9a-z]+\tAda <ada@example.com>\tadded \d{4}-\S+Z by Ada/,
    );
    const identity = sluice(root, env, ["secrets", "identity"]);
    expect(recipients.stdout.split("\t")[0]).toBe(identity.stdout.trim());
  }, 240_000);

  it("a value leaves the server only as an age file, and a value in clear is taken on the socket only", async () => {
    const headers = {
      "content-type": "application/json",
      authorization: `Bearer ${serve!.adminToken}`,
    };
    const read = await fetch(`${serve!.url}/api/v1/secrets/shop/values`, {
      method: "POST",
      headers,
      body: JSON.stringify({ names: ["API_TOKEN"] }),
    });
    expect(read.status).toBe(200);
    const text = await read.text();
    expect(text).not.toContain(value);
    expect(JSON.parse(text)).toMatchObject([
      { name: "API_TOKEN", version: 1, environment: "" },
    ]);
    const set = await fetch(`${serve!.url}/api/v1/secrets/shop/set`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "OTHER", value: "over-the-network" }),
    });
    expect(set.status).toBe(403);
  });

  it("no value is in the server's output or in the store in clear", () => {
    for (const secret of [value, imported]) {
      expect(serve!.server.output.stdout).not.toContain(secret);
      expect(serve!.server.output.stderr).not.toContain(secret);
      expect(filesContaining(env.SLUICE_HOME!, secret)).toEqual([]);
    }
  });
});
