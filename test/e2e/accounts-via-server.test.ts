import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshPostgresUrl } from "../support/databases.js";
import { assertBuilt, exited, sluice, startServe } from "./cli.js";
import { filesContaining } from "./secrets-cli.js";

/**
 * Issue 14, every command through the API: `sluice users` and `sluice tokens` are clients of the
 * home's local server, so they work from other processes while `sluice serve` holds the embedded
 * store (in process they failed: "`sluice serve` (process N) holds the embedded store"). Also on
 * Postgres when SLUICE_TEST_DATABASE_URL is set (server and commands name the same database).
 */
const password = "a password nobody guesses";
const postgres = process.env.SLUICE_TEST_DATABASE_URL;
if (!postgres)
  console.warn(
    "accounts-via-server e2e: SLUICE_TEST_DATABASE_URL is not set; only the embedded store is tried",
  );

describe.each<{ store: string; onPostgres: boolean }>([
  { store: "the embedded store", onPostgres: false },
  ...(postgres ? [{ store: "Postgres", onPostgres: true }] : []),
])(
  "sluice users and tokens while sluice serve runs on $store",
  ({ onPostgres }) => {
    const home = mkdtempSync(join(tmpdir(), "sluice-accounts-serve-"));
    let env: Record<string, string> & { SLUICE_HOME: string } = {
      SLUICE_HOME: home,
      SLUICE_ACTOR: "serve-owner",
    };
    let server: Awaited<ReturnType<typeof startServe>>["server"] | undefined;
    let url: string;
    let adminToken: string;

    beforeAll(async () => {
      assertBuilt();
      if (onPostgres && postgres)
        env = { ...env, SLUICE_DATABASE_URL: await freshPostgresUrl(postgres) };
      ({ server, url, adminToken } = await startServe(home, env));
    }, 120_000);
    afterAll(async () => {
      if (server && server.exitCode === null) {
        server.kill("SIGTERM");
        await exited(server);
      }
      rmSync(home, { recursive: true, force: true });
    });

    // Each command is its own process; another SLUICE_ACTOR shows who records the change.
    const run = (args: string[], input = "") =>
      sluice(home, { ...env, SLUICE_ACTOR: "terminal-user" }, args, { input });
    const ok = (args: string[], input = "") => {
      const result = run(args, input);
      expect(result.stderr, args.join(" ")).toBe("");
      expect(result.code, args.join(" ")).toBe(0);
      return result.stdout;
    };
    const asAdmin = (path: string) =>
      fetch(`${url}${path}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });

    it("adds, lists, changes and removes users through the server", async () => {
      expect(
        ok(
          [
            "users",
            "add",
            "dana",
            "--role",
            "shop=developer",
            "--email",
            "Dana@Example.com",
          ],
          password,
        ),
      ).toBe("user dana added (developer on shop)\n");
      expect(ok(["users", "add", "ci-bot", "--no-password"])).toBe(
        "user ci-bot added (no role yet), tokens only\n",
      );
      expect(ok(["users", "role", "dana", "*", "viewer"])).toBe(
        "dana is viewer on *\n",
      );
      expect(ok(["users", "role", "dana", "shop", "approver"])).toBe(
        "dana is approver on shop\n",
      );
      expect(ok(["users", "role", "ci-bot", "shop", "developer"])).toBe(
        "ci-bot is developer on shop\n",
      );
      expect(ok(["users", "role", "dana", "*", "none"])).toBe(
        "dana has no role on * now\n",
      );
      expect(ok(["users", "email", "dana", "DANA@example.org"])).toBe(
        "dana's email is dana@example.org\n",
      );
      expect(ok(["users", "email", "ci-bot", "-"])).toBe(
        "ci-bot has no email now\n",
      );
      expect(ok(["users", "list"])).toBe(
        "ci-bot\t-\tshop=developer\ttokens only\n" +
          "dana\tdana@example.org\tshop=approver\tpassword\n",
      );
      // The server's store holds them: its HTTP API answers what the commands did.
      const listed = (await (await asAdmin("/api/v1/users")).json()) as {
        name: string;
        createdBy: string;
      }[];
      expect(listed.map((user) => user.name)).toEqual(["ci-bot", "dana"]);
      // Recorded as the terminal's actor, which the local socket's owner may name.
      expect(listed.map((user) => user.createdBy)).toEqual([
        "terminal-user",
        "terminal-user",
      ]);
      const json = JSON.parse(ok(["users", "list", "--json"])) as {
        name: string;
        createdAt: string;
      }[];
      expect(json[1]).toMatchObject({ name: "dana", hasPassword: true });
      expect(json[1]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
      expect(ok(["users", "rm", "ci-bot"])).toBe(
        "user ci-bot removed, with their sessions and tokens\n",
      );
      expect(ok(["users", "list"])).not.toContain("ci-bot");
      expect(filesContaining(home, password)).toEqual([]);
    });

    it("creates a token printed once, lists it and revokes it through the server", async () => {
      const created = run([
        "tokens",
        "create",
        "--user",
        "dana",
        "--role",
        "shop=approver",
        "--expires",
        "1h",
      ]);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();
      expect(token).toMatch(/^sluice_tok\.tok_[0-9a-z]{18}\.[\w-]{43}$/);
      expect(created.stderr).toMatch(
        /^token tok_\w+ for dana \(approver on shop\), expires \S+Z\. It is shown this once: store it now\.\n$/,
      );
      // The token works on the server that made it.
      const whoami = await fetch(`${url}/api/v1/auth/whoami`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await whoami.json()).toEqual({ actor: "dana", kind: "account" });

      const [summary] = JSON.parse(
        ok(["tokens", "list", "--user", "dana", "--json"]),
      ) as { id: string; createdAt: string; expiresAt: string }[];
      // --expires 1h is one hour to the millisecond, though it travels as a fraction of a day.
      expect(
        Date.parse(summary!.expiresAt) - Date.parse(summary!.createdAt),
      ).toBe(3_600_000);
      expect(ok(["tokens", "list"])).toMatch(
        new RegExp(
          `^${summary!.id}\tdana\tcli\tshop=approver\texpires \\S+Z\n$`,
        ),
      );
      expect(ok(["tokens", "revoke", summary!.id])).toBe(
        `token ${summary!.id} of dana revoked\n`,
      );
      expect(ok(["tokens", "list"])).toMatch(/\trevoked \S+Z\n$/);
      const refused = await fetch(`${url}/api/v1/auth/whoami`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(refused.status).toBe(401);
      expect(filesContaining(home, token.split(".")[2]!)).toEqual([]);
    });

    it("answers a refused request in one line with the exit code it had in process", () => {
      const cases: [string[], string][] = [
        [["users", "rm", "nobody"], "no user nobody"],
        [
          ["users", "email", "dana", "bot at example"],
          '"bot at example" is not an email address',
        ],
        [["users", "add", "dana", "--no-password"], "user dana exists already"],
        [
          ["tokens", "create", "--user", "dana", "--role", "shop=admin"],
          "dana does not hold admin on shop: give the role first (sluice users role)",
        ],
        [
          [
            "tokens",
            "create",
            "--user",
            "dana",
            "--role",
            "shop=viewer",
            "--expires",
            "400d",
          ],
          "a token expires after more than 0 and at most 366 days",
        ],
        [["tokens", "revoke", "tok_nope"], "no token tok_nope"],
      ];
      for (const [args, message] of cases) {
        const result = run(args);
        expect(result.stderr, args.join(" ")).toBe(`sluice: ${message}\n`);
        expect(result.code, args.join(" ")).toBe(2);
        expect(result.stdout).toBe("");
      }
      // The server still serves: nothing replaced or stopped it.
      expect(server!.exitCode).toBeNull();
    });
  },
);
