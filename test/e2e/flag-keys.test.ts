import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, exited, sluice, startSluice, until } from "./cli.js";

interface ListedKey {
  id: string;
  name: string;
  project: string;
  environment: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

describe("flag API keys end to end: list and revoke, with and without sluice serve", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-flag-keys-e2e-"));
  const cwd = mkdtempSync(join(tmpdir(), "sluice-flag-keys-cwd-"));
  const env = { SLUICE_HOME: home, SLUICE_ACTOR: "e2e" };
  const scope = ["--project", "shop", "--env", "production"];
  const keys: Record<string, { id: string; key: string }> = {};
  let server: ReturnType<typeof startSluice> | undefined;
  let baseUrl: string;

  const list = (...args: string[]): ListedKey[] => {
    const listed = sluice(cwd, env, [
      "flags",
      "keys",
      "list",
      ...args,
      "--json",
    ]);
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    for (const { key } of Object.values(keys))
      expect(listed.stdout).not.toContain(key);
    return JSON.parse(listed.stdout) as ListedKey[];
  };
  const evaluate = (key: string) =>
    fetch(`${baseUrl}/ofrep/v1/evaluate/flags/banner`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ context: { targetingKey: "u1" } }),
    });

  beforeAll(() => {
    assertBuilt();
    const set = sluice(cwd, env, [
      "flags",
      "set",
      "banner",
      JSON.stringify({
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "on",
      }),
      ...scope,
    ]);
    expect(set.code).toBe(0);
    for (const [name, project] of [
      ["web", "shop"],
      ["ios", "shop"],
      ["blog", "blog"],
    ] as const) {
      const created = sluice(cwd, env, [
        "flags",
        "keys",
        "create",
        "--project",
        project,
        "--env",
        "production",
        "--name",
        name,
      ]);
      expect(created.code).toBe(0);
      keys[name] = { id: "", key: created.stdout.trim() };
    }
    for (const k of list())
      (keys[k.name] as { id: string; key: string }).id = k.id;
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
    // Its commands started the home's local server on demand.
    stopLocalServer(home);
  });

  it("lists keys without the key, filters by scope, and revokes once (local store)", () => {
    expect(list().map((k) => k.name)).toEqual(["web", "ios", "blog"]);
    expect(list("--project", "blog").map((k) => k.name)).toEqual(["blog"]);
    expect(list(...scope)[0]).toEqual({
      id: keys.web!.id,
      name: "web",
      project: "shop",
      environment: "production",
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
      revokedReason: null,
    });

    const revoked = sluice(cwd, env, [
      "flags",
      "keys",
      "revoke",
      keys.ios!.id,
      "--reason",
      "phone lost",
    ]);
    expect(revoked.stderr).toBe("");
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(
      `revoked API key ${keys.ios!.id} (ios, shop/production)\n`,
    );
    const twice = sluice(cwd, env, ["flags", "keys", "revoke", keys.ios!.id]);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toMatch(
      new RegExp(
        `^API key ${keys.ios!.id} .* was already revoked at \\S+ by e2e; nothing changed\n$`,
      ),
    );
    const unknown = sluice(cwd, env, ["flags", "keys", "revoke", "fkey_nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toBe('sluice: no API key "fkey_nope"\n');

    const text = sluice(cwd, env, ["flags", "keys", "list", ...scope]);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\tlast used never\tactive$/);
    expect(lines[1]).toMatch(/\trevoked \S+ by e2e "phone lost"$/);
  }, 180_000); // a dozen CLI processes, each opening the store: slow on a loaded CI machine

  it("through sluice serve: a key answers 200, then the same 401 as an unknown key right after revoke", async () => {
    server = startSluice(cwd, env, ["serve", "--port", "0"]);
    await until(
      () => existsSync(join(home, "server.json")),
      "server.json",
      60_000,
    );
    baseUrl = (
      JSON.parse(readFileSync(join(home, "server.json"), "utf8")) as {
        url: string;
      }
    ).url;
    const unknown = await evaluate("sluice_flags_unknown");
    const unknownBody = await unknown.text();
    expect(unknown.status).toBe(401);
    // Revoked before the server started.
    const ios = await evaluate(keys.ios!.key);
    expect([ios.status, await ios.text()]).toEqual([401, unknownBody]);
    const before = await evaluate(keys.web!.key);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ key: "banner", value: true });

    // The CLI goes through the running server, whose key cache holds the web key now.
    const revoked = sluice(cwd, env, [
      "flags",
      "keys",
      "revoke",
      keys.web!.id,
      "--reason",
      "leaked in CI logs",
    ]);
    expect(revoked.stderr).toBe("");
    expect(revoked.code).toBe(0);
    const after = await evaluate(keys.web!.key);
    expect(after.status).toBe(401);
    expect(after.headers.get("content-type")).toBe(
      unknown.headers.get("content-type"),
    );
    expect(await after.text()).toBe(unknownBody);
    // A key of another scope goes on working: the blog set has no banner flag, and says so.
    const blog = await evaluate(keys.blog!.key);
    expect(blog.status).toBe(404);
    expect(await blog.json()).toMatchObject({ errorCode: "FLAG_NOT_FOUND" });

    const unknownId = sluice(cwd, env, [
      "flags",
      "keys",
      "revoke",
      "fkey_nope",
    ]);
    expect(unknownId.code).toBe(2);
    expect(unknownId.stderr).toBe('sluice: no API key "fkey_nope"\n');

    const listed = list(...scope);
    expect(listed.find((k) => k.name === "web")).toMatchObject({
      revokedBy: "e2e",
      revokedReason: "leaked in CI logs",
      lastUsedAt: expect.any(String),
    });
    const history = sluice(cwd, env, [
      "flags",
      "history",
      keys.web!.id,
      ...scope,
      "--json",
    ]);
    expect(
      (
        JSON.parse(history.stdout) as {
          action: string;
          actor: string;
          reason: string | null;
        }[]
      ).map((e) => [e.action, e.actor, e.reason]),
    ).toEqual([
      ["revoke-key", "e2e", "leaked in CI logs"],
      ["create-key", "e2e", null],
    ]);
  });

  it("keeps the revocations after the server stops", async () => {
    server!.kill("SIGTERM");
    expect(await exited(server!)).toBe(0);
    const listed = list(...scope);
    expect(listed.map((k) => [k.name, k.revokedReason])).toEqual([
      ["web", "leaked in CI logs"],
      ["ios", "phone lost"],
    ]);
    expect(list("--project", "blog")[0]).toMatchObject({
      revokedAt: null,
      lastUsedAt: expect.any(String),
    });
  });
});
