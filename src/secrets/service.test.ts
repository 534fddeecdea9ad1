import { mkdtempSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateX25519Identity } from "age-encryption";
import { AppError, ManualClock } from "../kernel/index.js";
import { testDatabases } from "../../test/support/databases.js";
import { keySourceFrom } from "./keys.js";
import { createSecretsService } from "./service.js";
import { createSecretStore } from "./store.js";
import { recipientOf } from "./vault.js";

const clock = new ManualClock(Date.parse("2026-12-06T12:00:00Z"));
const ada = { actor: "Ada <ada@example.com>" };

describe.each(testDatabases)("secrets service on $name", ({ open }) => {
  async function setup(identity?: string) {
    const database = await open();
    const store = createSecretStore(database, { clock });
    const home = mkdtempSync(join(tmpdir(), "sluice-secrets-"));
    const keys = keySourceFrom(identity, join(home, "age-identity.txt"), clock);
    const service = createSecretsService({ store, keys, clock });
    return { database, store, home, service };
  }

  it("makes a 0600 key file on first set, stores ciphertext only, and reads the value back", async () => {
    const { database, home, service } = await setup();
    const first = await service.set(
      { project: "shop" },
      "DB_PASSWORD",
      "hunter2-very-secret",
      ada.actor,
    );
    expect(first.createdKeyFile).toBe(join(home, "age-identity.txt"));
    expect(statSync(join(home, "age-identity.txt")).mode & 0o777).toBe(0o600);
    const second = await service.set(
      { project: "shop" },
      "DB_PASSWORD",
      "hunter3-very-secret",
      ada.actor,
    );
    expect(second).toEqual({ version: 2, createdKeyFile: undefined });
    const { rows } = await database.executeSql(
      "select ciphertext from secret_versions",
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(String(row.ciphertext)).toMatch(
        /^-----BEGIN AGE ENCRYPTED FILE-----/,
      );
      expect(String(row.ciphertext)).not.toContain("hunter");
    }
    expect(await service.get({ project: "shop" }, "DB_PASSWORD", ada)).toEqual({
      value: "hunter3-very-secret",
      version: 2,
      environment: "",
    });
    await database.close();
  });

  it("an environment's value overrides the project's; list and history never carry values", async () => {
    const { database, service } = await setup(await generateX25519Identity());
    await service.set({ project: "shop" }, "API_TOKEN", "project-token", "ada");
    await service.set(
      { project: "shop", environment: "production" },
      "API_TOKEN",
      "production-token",
      "bob",
    );
    await service.set(
      { project: "shop" },
      "ONLY_SHARED",
      "shared-value",
      "ada",
    );
    const get = (environment?: string) =>
      service.get({ project: "shop", environment }, "API_TOKEN", ada);
    expect((await get("production")).value).toBe("production-token");
    expect((await get("staging")).value).toBe("project-token");
    expect((await get()).value).toBe("project-token");
    const env = await service.values(
      { project: "shop", environment: "production" },
      "all",
      { actor: "runner", runId: "run_1" },
    );
    expect(Object.fromEntries(env)).toEqual({
      API_TOKEN: "production-token",
      ONLY_SHARED: "shared-value",
    });
    const listed = await service.list({
      project: "shop",
      environment: "production",
    });
    expect(listed.map((s) => [s.name, s.environment, s.updatedBy])).toEqual(
      [
        ["ONLY_SHARED", "", "ada"],
        ["API_TOKEN", "production", "bob"],
      ].sort(
        (a, b) =>
          String(a[1]).localeCompare(String(b[1])) ||
          String(a[0]).localeCompare(String(b[0])),
      ),
    );
    expect(JSON.stringify(listed)).not.toMatch(/token|shared-value/);
    await service.remove(
      { project: "shop", environment: "production" },
      "API_TOKEN",
      "bob",
    );
    // Removed in production: not uncovered from the project's value there.
    await expect(get("production")).rejects.toThrow(
      "secret API_TOKEN is not set for project shop, environment production (nor project-wide)",
    );
    const history = await service.history(
      { project: "shop", environment: "production" },
      "API_TOKEN",
    );
    expect(history.map((h) => [h.version, h.removed, h.createdBy])).toEqual([
      [1, false, "bob"],
      [2, true, "bob"],
    ]);
    const reads = (await service.auditLog("shop")).filter(
      (e) => e.action === "read",
    );
    expect(
      reads.map((e) => [e.name, e.environment, e.actor, e.runId]),
    ).toContainEqual(["API_TOKEN", "production", "runner", "run_1"]);
    await database.close();
  });

  it("a job naming a missing secret fails with every missing name and the environment", async () => {
    const { database, service } = await setup(await generateX25519Identity());
    await service.set({ project: "shop" }, "PRESENT", "value-1", "ada");
    await expect(
      service.values(
        { project: "shop", environment: "staging" },
        ["PRESENT", "NOPE", "ALSO_NOPE"],
        ada,
      ),
    ).rejects.toThrow(
      "secrets NOPE, ALSO_NOPE are not set for project shop, environment staging (nor project-wide)",
    );
    // Nothing was read, so nothing was audited as read.
    expect(
      (await service.auditLog("shop")).filter((e) => e.action === "read"),
    ).toEqual([]);
    await database.close();
  });

  it("refuses bad names and values with one line that never shows the value", async () => {
    const { database, service } = await setup(await generateX25519Identity());
    for (const name of ["../etc/passwd", "A;rm -rf", "1ABC", "A B", "$(x)", ""])
      await expect(
        service.set({ project: "p" }, name, "value-x", "ada"),
      ).rejects.toThrow(/is not allowed/);
    await expect(
      service.set({ project: "p" }, "EMPTY", "", "ada"),
    ).rejects.toThrow("secret EMPTY: the value is empty");
    await expect(
      service.set({ project: "p" }, "BIG", "x".repeat(1024 * 1024), "ada"),
    ).rejects.toThrow(
      "secret BIG: the value has 1048576 bytes; at most 65536 (64 KiB) are allowed",
    );
    await expect(
      service.set(
        { project: "p", environment: "../prod" },
        "OK",
        "value-x",
        "ada",
      ),
    ).rejects.toThrow(/environment "..\/prod" is not allowed/);
    await database.close();
  });

  it("imports a .env all at once, or reports every problem with its line and imports nothing", async () => {
    const { database, service } = await setup(await generateX25519Identity());
    const bad = [
      "# comment",
      "export GOOD=value-1",
      'QUOTED="two\\nlines"',
      "this is not an assignment",
      "GOOD=again-1",
      "bad-name=value-2",
      "SHORT=ab",
      "OPEN='never closed",
    ].join("\n");
    const error: unknown = await service
      .importFile(
        { project: "p" },
        { name: "prod.env", bytes: Buffer.from(bad) },
        "ada",
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AppError);
    if (!(error instanceof AppError)) return;
    expect(error.message).toBe("prod.env: 5 problems; nothing imported");
    expect((error.detail ?? "").split("\n")).toEqual([
      "  prod.env:4: not NAME=value",
      "  prod.env:5: GOOD is set again (first on line 2)",
      '  prod.env:6: secret name "bad-name" is not allowed: use letters, digits and _ (not starting with a digit, at most 128 characters), as an environment variable name',
      "  prod.env:7: secret SHORT: the value has 2 characters; at least 4 are needed so that logs can mask it",
      "  prod.env:8: the single quote is never closed",
    ]);
    expect(await service.list({ project: "p" })).toEqual([]);
    const good =
      "export GOOD=value-1\nQUOTED=\"two\\nlines\"\nSINGLE='a \\n b' # note\nPLAIN=x y z # comment\n";
    const done = await service.importFile(
      { project: "p", environment: "staging" },
      { name: "ok.env", bytes: Buffer.from(good) },
      "ada",
    );
    expect(done.names).toEqual(["GOOD", "QUOTED", "SINGLE", "PLAIN"]);
    const values = await service.values(
      { project: "p", environment: "staging" },
      "all",
      ada,
    );
    expect(Object.fromEntries(values)).toEqual({
      GOOD: "value-1",
      PLAIN: "x y z",
      QUOTED: "two\nlines",
      SINGLE: "a \\n b",
    });
    await database.close();
  });

  it("adding and removing a recipient re-encrypts every version; a removed identity reads none", async () => {
    const a = await generateX25519Identity();
    const b = await generateX25519Identity();
    const withA = await setup(a);
    await withA.service.set({ project: "shop" }, "TOKEN", "token-v1", "ada");
    await withA.service.set(
      { project: "shop", environment: "prod" },
      "TOKEN",
      "token-v2",
      "ada",
    );
    const added = await withA.service.addRecipient(
      "shop",
      await recipientOf(b),
      "bob",
      "ada",
    );
    expect(added.reencrypted).toBe(2);
    const asB = createSecretsService({
      store: createSecretStore(withA.database, { clock }),
      keys: keySourceFrom(b, "/nonexistent", clock),
      clock,
    });
    expect(
      (await asB.get({ project: "shop", environment: "prod" }, "TOKEN", ada))
        .value,
    ).toBe("token-v2");
    const removed = await asB.removeRecipient(
      "shop",
      await recipientOf(a),
      "bob",
    );
    expect(removed.recipients.map((r) => r.label)).toEqual(["bob"]);
    await expect(
      withA.service.get({ project: "shop" }, "TOKEN", ada),
    ).rejects.toThrow(
      /^secret TOKEN \(project shop, version 1\) is not encrypted to your identity \(age1/,
    );
    await expect(
      withA.service.get({ project: "shop", environment: "prod" }, "TOKEN", ada),
    ).rejects.toThrow(/is not encrypted to your identity/);
    await expect(
      asB.removeRecipient("shop", await recipientOf(b), "bob"),
    ).rejects.toThrow(
      /is the last recipient of project shop; add another first/,
    );
    await withA.database.close();
  });

  it("reads and writes during recipient changes: every read succeeds, and the removed key opens no version", async () => {
    const a = await generateX25519Identity();
    const b = await generateX25519Identity();
    const { database, service } = await setup(a);
    await service.set({ project: "shop" }, "TOKEN", "token-v1", "ada");
    await service.addRecipient("shop", await recipientOf(b), "bob", "ada");
    const reads: Promise<unknown>[] = [];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      reads.push(service.get({ project: "shop" }, "TOKEN", ada));
      writes.push(
        service.set(
          { project: "shop", environment: `e${i}` },
          "TOKEN",
          `token-e${i}`,
          "ada",
        ),
      );
    }
    // The removal runs while the reads and writes above are under way.
    const removal = service.removeRecipient(
      "shop",
      await recipientOf(b),
      "ada",
    );
    for (const read of await Promise.allSettled(reads))
      expect(read.status).toBe("fulfilled");
    await Promise.all(writes);
    await removal;
    const { rows } = await database.executeSql(
      "select ciphertext from secret_versions where ciphertext is not null",
    );
    expect(rows).toHaveLength(6);
    const { Decrypter, armor } = await import("age-encryption");
    for (const row of rows) {
      const bytes = armor.decode(String(row.ciphertext));
      const asB = new Decrypter();
      asB.addIdentity(b);
      await expect(asB.decrypt(bytes)).rejects.toThrow(/no identity matched/);
      const asA = new Decrypter();
      asA.addIdentity(a);
      expect(await asA.decrypt(bytes, "text")).toMatch(/^token-/);
    }
    await database.close();
  });

  it("a tampered ciphertext is a clear error, never garbage", async () => {
    const { database, service } = await setup(await generateX25519Identity());
    await service.set({ project: "shop" }, "TOKEN", "token-value-1", "ada");
    const { rows } = await database.executeSql(
      "select ciphertext from secret_versions",
    );
    const armored = String(rows[0]?.ciphertext);
    const body = Buffer.from(
      armored.split("\n").slice(1, -2).join(""),
      "base64",
    );
    body[body.length - 5] = (body[body.length - 5] ?? 0) ^ 1;
    const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
    const tampered = `-----BEGIN AGE ENCRYPTED FILE-----\n${lines.join("\n")}\n-----END AGE ENCRYPTED FILE-----\n`;
    await database.executeSql("update secret_versions set ciphertext = $1", [
      tampered,
    ]);
    await expect(
      service.get({ project: "shop" }, "TOKEN", ada),
    ).rejects.toThrow(
      /^secret TOKEN \(project shop, version 1\) cannot be decrypted: its ciphertext was altered or is damaged/,
    );
    await database.close();
  });

  it("refuses a key file others can read, as ssh does, and says how to fix it", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-key-"));
    const file = join(home, "key.txt");
    writeFileSync(file, `${await generateX25519Identity()}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    const keys = keySourceFrom(file, join(home, "unused"), clock);
    await expect(keys.identities()).rejects.toThrow(
      `the age identity file ${file} is accessible by other users (mode 0644): run \`chmod 600 ${file}\``,
    );
    const missing = keySourceFrom(
      join(home, "none.txt"),
      join(home, "unused"),
      clock,
    );
    await expect(missing.identities()).rejects.toThrow(
      /no age identity: .*none.txt does not exist/,
    );
  });
});
