import { afterEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { AppError, ManualClock } from "../kernel/index.js";
import type { Database } from "../store/index.js";
import { createAccountsService } from "./service.js";
import type { Caller } from "./service.js";
import { createAccountStore } from "./store.js";
import { verifyPassword } from "./passwords.js";

/** Issue 14: users, roles, sessions and tokens on the real store (PGlite, and Postgres when set). */
describe.each(testDatabases)("accounts service on $name", (testDatabase) => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });
  const owner: Caller = { kind: "owner", actor: "owner" };
  const password = "a password long enough";

  async function setup() {
    database = await testDatabase.open();
    const clock = new ManualClock(Date.parse("2026-12-01T00:00:00Z"));
    // Cheap scrypt parameters: what is tested here is the flow, not the cost.
    const accounts = createAccountsService({
      store: createAccountStore(database),
      clock,
      scrypt: { N: 1024, r: 8, p: 1 },
      sessionMs: 3_600_000,
    });
    return { accounts, clock };
  }

  it("keeps scrypt's salt and parameters with each password, never the password", async () => {
    const { accounts } = await setup();
    await accounts.addUser(owner, { name: "dana", password });
    await accounts.addUser(owner, { name: "erin", password });
    const { rows } = await database!.executeSql(
      "select password_hash from account_users order by name",
    );
    const hashes = rows.map((row) => String(row.password_hash));
    expect(hashes).toHaveLength(2);
    for (const hash of hashes) {
      expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(hash).not.toContain(password);
      expect(await verifyPassword(password, hash)).toBe(true);
      expect(await verifyPassword(`${password}!`, hash)).toBe(false);
    }
    // Per-user salt: the same password hashes differently.
    expect(hashes[0]).not.toBe(hashes[1]);
  });

  it("signs in, ends sessions on expiry and on logout", async () => {
    const { accounts, clock } = await setup();
    await accounts.addUser(owner, {
      name: "dana",
      password,
      roles: [{ project: "shop", role: "developer" }],
    });
    await expect(accounts.login("dana", "wrong password!!")).rejects.toThrow(
      "wrong user name or password",
    );
    const login = await accounts.login("dana", password);
    const identity = await accounts.sessionIdentity(login.session);
    expect(identity?.name).toBe("dana");
    expect(identity?.roleOn("shop")).toBe("developer");
    expect(identity?.roleOn("other")).toBeUndefined();
    clock.advance(3_600_000);
    expect(await accounts.sessionIdentity(login.session)).toBeUndefined();
    const again = await accounts.login("dana", password);
    await accounts.logout((await accounts.sessionIdentity(again.session))!);
    expect(await accounts.sessionIdentity(again.session)).toBeUndefined();
  });

  it("scopes tokens to roles, cuts them to the user's roles now, expires and revokes them", async () => {
    const { accounts, clock } = await setup();
    await accounts.addUser(owner, {
      name: "dana",
      password,
      roles: [
        { project: "shop", role: "approver" },
        { project: "web", role: "viewer" },
      ],
    });
    await expect(
      accounts.createToken(owner, {
        name: "ci",
        user: "dana",
        roles: [{ project: "web", role: "developer" }],
      }),
    ).rejects.toThrow("dana does not hold developer on web");
    const created = await accounts.createToken(owner, {
      name: "ci",
      user: "dana",
      roles: [{ project: "shop", role: "developer" }],
      expiresInMs: 86_400_000,
    });
    const identity = (await accounts.tokenIdentity(created.token))!;
    expect(identity.roleOn("shop")).toBe("developer");
    expect(identity.roleOn("web")).toBeUndefined();
    await accounts.setRole(owner, "dana", "shop", "viewer");
    expect((await accounts.tokenIdentity(created.token))!.roleOn("shop")).toBe(
      "viewer",
    );
    // A user lists and revokes their own tokens only.
    const caller: Caller = { kind: "user", actor: "dana", identity };
    expect((await accounts.listTokens(caller)).map((t) => t.id)).toEqual([
      created.id,
    ]);
    clock.advance(86_400_000);
    expect(await accounts.tokenIdentity(created.token)).toBeUndefined();
    const other = await accounts.createToken(owner, {
      name: "agent",
      user: "dana",
      roles: [{ project: "shop", role: "viewer" }],
    });
    await accounts.revokeToken(owner, other.id);
    expect(await accounts.tokenIdentity(other.token)).toBeUndefined();
    await accounts.removeUser(owner, "dana");
    expect(await accounts.listTokens(owner)).toEqual([]);
  });

  it("a token made without roles (sluice login) acts as its user: roles given and taken later reach it", async () => {
    const { accounts } = await setup();
    await accounts.addUser(owner, {
      name: "dev",
      password,
      roles: [{ project: "shop", role: "developer" }],
    });
    const session = await accounts.login("dev", password);
    const identity = (await accounts.sessionIdentity(session.session))!;
    const caller: Caller = { kind: "user", actor: "dev", identity };
    const created = await accounts.createToken(caller, {
      name: "sluice login",
    });
    expect(created.roles).toEqual([]);
    const token = async () => (await accounts.tokenIdentity(created.token))!;
    expect((await token()).roleOn("shop")).toBe("developer");
    expect((await token()).roleOn("web")).toBeUndefined();
    await accounts.setRole(owner, "dev", "web", "viewer");
    expect((await token()).roleOn("web")).toBe("viewer");
    await accounts.setRole(owner, "dev", "shop", undefined);
    expect((await token()).roleOn("shop")).toBeUndefined();
    // Roles given explicitly still need at least one.
    await expect(
      accounts.createToken(caller, { name: "x", roles: [] }),
    ).rejects.toThrow("a token needs at least one role");
  });

  it("knows a person by their email, lower case and one account each, from sessions and tokens", async () => {
    const { accounts } = await setup();
    const added = await accounts.addUser(owner, {
      name: "dana",
      email: " Dana@Example.COM ",
      password,
      roles: [{ project: "shop", role: "approver" }],
    });
    expect(added.email).toBe("dana@example.com");
    await expect(
      accounts.addUser(owner, { name: "dee", email: "DANA@example.com" }),
    ).rejects.toThrow("another user has the email dana@example.com already");
    await expect(
      accounts.addUser(owner, { name: "dee", email: "not an email" }),
    ).rejects.toThrow('"not an email" is not an email address');
    expect((await accounts.listUsers(owner)).map((u) => u.name)).toEqual([
      "dana",
    ]);
    const login = await accounts.login("dana", password);
    expect((await accounts.sessionIdentity(login.session))?.email).toBe(
      "dana@example.com",
    );
    const viewer = [{ project: "shop", role: "viewer" as const }];
    await accounts.addUser(owner, { name: "eve", roles: viewer });
    const token = await accounts.createToken(owner, {
      name: "ci",
      user: "eve",
      roles: viewer,
    });
    expect((await accounts.tokenIdentity(token.token))?.email).toBeUndefined();
    await accounts.setEmail(owner, "eve", "Eve@example.com");
    expect((await accounts.tokenIdentity(token.token))?.email).toBe(
      "eve@example.com",
    );
    await expect(
      accounts.setEmail(owner, "eve", "dana@example.com"),
    ).rejects.toThrow("another user has the email dana@example.com already");
    await expect(
      accounts.setEmail(owner, "nobody", "n@example.com"),
    ).rejects.toThrow("no user nobody");
    const eve: Caller = {
      kind: "user",
      actor: "eve",
      identity: (await accounts.tokenIdentity(token.token))!,
    };
    await expect(
      accounts.setEmail(eve, "dana", "eve2@example.com"),
    ).rejects.toThrow(AppError);
    await accounts.setEmail(owner, "eve", null);
    expect((await accounts.tokenIdentity(token.token))?.email).toBeUndefined();
  });

  it("lets only a server admin manage users, and a user give tokens only roles they hold", async () => {
    const { accounts } = await setup();
    await accounts.addUser(owner, {
      name: "dana",
      password,
      roles: [{ project: "shop", role: "admin" }],
    });
    const login = await accounts.login("dana", password);
    const dana: Caller = {
      kind: "user",
      actor: "dana",
      identity: (await accounts.sessionIdentity(login.session))!,
    };
    const refused = await accounts
      .addUser(dana, { name: "mallory", password })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("FORBIDDEN");
    await expect(
      accounts.createToken(dana, {
        name: "x",
        roles: [{ project: "*", role: "admin" }],
      }),
    ).rejects.toThrow("you cannot give a token admin on *");
    await expect(
      accounts.addUser(owner, { name: "bad name!", password }),
    ).rejects.toThrow("a user name has");
    await expect(
      accounts.addUser(owner, { name: "short", password: "short" }),
    ).rejects.toThrow("at least 12 characters");
  });
});
