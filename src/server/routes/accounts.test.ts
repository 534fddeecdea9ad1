import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { ManualClock } from "../../kernel/index.js";
import { capturingLogger } from "../../../test/support/capturing-logger.js";
import { buildServer } from "../app.js";

/**
 * Issue 14, accounts and roles over HTTP with the real handlers: sign-in and its cookies, the
 * CSRF check, API tokens across projects, expired, revoked and in a URL, a tampered session,
 * a flood of sign-ins, and no secret in an answer, a log line or a database row.
 */

const admin = "admin-token-of-the-accounts-test";
const password = "correct horse battery staple";
const flag = {
  flag: {
    state: "ENABLED",
    variants: { on: true, off: false },
    defaultVariant: "on",
  },
};

describe("accounts over HTTP (issue 14)", () => {
  const clock = new ManualClock(Date.parse("2026-12-01T00:00:00Z"));
  const logger = capturingLogger();
  let app: App;
  let server: FastifyInstance;
  const asAdmin = { authorization: `Bearer ${admin}` };
  let session: { cookie: string; csrf: string };
  let token: { id: string; token: string };

  const signIn = async (name: string, secret = password) =>
    server.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { name, password: secret },
    });
  const putFlag = (project: string, headers: Record<string, string>) =>
    server.inject({
      method: "PUT",
      url: `/api/v1/flags/${project}/production/flags/banner`,
      headers,
      payload: flag,
    });

  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-accounts-http-")),
      logger,
      clock,
    });
    server = await buildServer({ app, logger, adminToken: admin });
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it("lets the admin token add a user with a role, and never answers a password or its hash", async () => {
    const added = await server.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: asAdmin,
      payload: {
        name: "dana",
        password,
        roles: [{ project: "shop", role: "developer" }],
      },
    });
    expect(added.statusCode).toBe(200);
    const list = await server.inject({
      url: "/api/v1/users",
      headers: asAdmin,
    });
    expect(list.json()).toMatchObject([
      {
        name: "dana",
        hasPassword: true,
        roles: [{ project: "shop", role: "developer" }],
      },
    ]);
    expect(added.body + list.body).not.toContain(password);
    expect(added.body + list.body).not.toContain("scrypt");
  });

  it("signs in with a Secure, HttpOnly, SameSite=Strict session cookie and a CSRF token", async () => {
    const wrong = await signIn("dana", "not the password at all");
    const unknown = await signIn("nobody", password);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    // The same answer for a wrong password and an unknown name.
    expect(wrong.json().detail).toBe(unknown.json().detail);
    const response = await signIn("dana");
    expect(response.statusCode).toBe(200);
    const cookies = [response.headers["set-cookie"]].flat() as string[];
    const sessionCookie = cookies.find((c) => c.startsWith("sluice_session="))!;
    expect(sessionCookie).toMatch(/; Secure/);
    expect(sessionCookie).toMatch(/; HttpOnly/);
    expect(sessionCookie).toMatch(/; SameSite=Strict/);
    const csrfCookie = cookies.find((c) => c.startsWith("sluice_csrf="))!;
    expect(csrfCookie).not.toMatch(/HttpOnly/);
    const csrf = response.json().csrfToken as string;
    expect(csrfCookie).toContain(csrf);
    session = { cookie: sessionCookie.split(";")[0]!, csrf };
    const me = await server.inject({
      url: "/api/v1/auth/whoami",
      headers: { cookie: session.cookie },
    });
    expect(me.json()).toEqual({ actor: "dana", kind: "account" });
  });

  it("refuses a cookie-authenticated write without the CSRF token or from another site", async () => {
    const noToken = await putFlag("shop", { cookie: session.cookie });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().code).toBe("FORBIDDEN");
    const wrongToken = await putFlag("shop", {
      cookie: session.cookie,
      "x-csrf-token": `${session.csrf.slice(0, -2)}AA`,
    });
    expect(wrongToken.statusCode).toBe(403);
    const otherSite = await putFlag("shop", {
      cookie: session.cookie,
      "x-csrf-token": session.csrf,
      origin: "https://evil.example",
      host: "sluice.example",
    });
    expect(otherSite.statusCode).toBe(403);
    const ok = await putFlag("shop", {
      cookie: session.cookie,
      "x-csrf-token": session.csrf,
      origin: "https://sluice.example",
      host: "sluice.example",
    });
    expect(ok.statusCode).toBe(200);
  });

  it("refuses a tampered session cookie with 401", async () => {
    const value = session.cookie.slice("sluice_session=".length);
    const [prefix, id, secret] = value.split(".") as [string, string, string];
    const flipped =
      secret[0] === "A" ? `B${secret.slice(1)}` : `A${secret.slice(1)}`;
    for (const tampered of [
      `${prefix}.${id}.${flipped}`,
      `${prefix}.${id.slice(0, -1)}${id.endsWith("a") ? "b" : "a"}.${secret}`,
      `${value}x`,
      "garbage",
    ]) {
      const response = await server.inject({
        url: "/api/v1/auth/whoami",
        headers: { cookie: `sluice_session=${tampered}` },
      });
      expect(response.statusCode, tampered).toBe(401);
      expect(response.json().code).toBe("UNAUTHENTICATED");
    }
  });

  it("creates an API token shown once, stored hashed, within the user's roles", async () => {
    const tooStrong = await server.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: { cookie: session.cookie, "x-csrf-token": session.csrf },
      payload: { name: "ci", roles: [{ project: "shop", role: "admin" }] },
    });
    expect(tooStrong.statusCode).toBe(403);
    const created = await server.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: { cookie: session.cookie, "x-csrf-token": session.csrf },
      payload: {
        name: "ci",
        roles: [{ project: "shop", role: "developer" }],
        expiresInDays: 1,
      },
    });
    expect(created.statusCode).toBe(200);
    token = created.json();
    expect(token.token).toMatch(/^sluice_tok\./);
    const list = await server.inject({
      url: "/api/v1/tokens",
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(list.json()).toMatchObject([
      { id: token.id, name: "ci", user: "dana" },
    ]);
    const secret = token.token.split(".")[2]!;
    expect(list.body).not.toContain(secret);
    expect(
      (await putFlag("shop", { authorization: `Bearer ${token.token}` }))
        .statusCode,
    ).toBe(200);
    // Nothing secret in any account table.
    const rows = await app.database.executeSql(
      "select (select json_agg(t) from account_tokens t)::text as tokens, (select json_agg(u) from account_users u)::text as users, (select json_agg(s) from account_sessions s)::text as sessions",
    );
    const stored = JSON.stringify(rows);
    expect(stored).toContain("scrypt$");
    for (const plain of [
      secret,
      token.token,
      password,
      session.cookie.split(".")[2]!,
    ])
      expect(stored).not.toContain(plain);
  });

  it("answers 403 to a token of one project used on another", async () => {
    const response = await putFlag("other", {
      authorization: `Bearer ${token.token}`,
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      code: "FORBIDDEN",
      detail: "this needs the developer role on project other",
    });
  });

  it("holds a token to its user's roles now: a role taken away reaches the token", async () => {
    const demote = await server.inject({
      method: "PUT",
      url: "/api/v1/users/dana/roles/shop",
      headers: asAdmin,
      payload: { role: "viewer" },
    });
    expect(demote.statusCode).toBe(200);
    expect(
      (await putFlag("shop", { authorization: `Bearer ${token.token}` }))
        .statusCode,
    ).toBe(403);
    await server.inject({
      method: "PUT",
      url: "/api/v1/users/dana/roles/shop",
      headers: asAdmin,
      payload: { role: "developer" },
    });
    expect(
      (await putFlag("shop", { authorization: `Bearer ${token.token}` }))
        .statusCode,
    ).toBe(200);
  });

  it("refuses a token or any credential in a URL query, and logs nothing of it", async () => {
    logger.lines.length = 0;
    for (const url of [
      `/api/v1/auth/whoami?access_token=${token.token}`,
      `/api/v1/flags/shop/production?x=${encodeURIComponent(token.token)}`,
      `/healthz?token=${token.token}`,
      `/no/such/route?api_key=${token.token}`,
      `/api/v1/auth/whoami?password=${encodeURIComponent(password)}`,
    ]) {
      const response = await server.inject({ url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().code).toBe("INVALID_ARGUMENT");
      expect(response.body).not.toContain(token.token.split(".")[2]!);
      expect(response.body).not.toContain("correct horse");
    }
    expect(logger.text()).not.toContain(token.token.split(".")[2]!);
  });

  it("refuses a revoked token with 401", async () => {
    const other = await server.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: { authorization: `Bearer ${token.token}` },
      payload: {
        name: "short-lived",
        roles: [{ project: "shop", role: "viewer" }],
      },
    });
    const revoked = other.json() as { id: string; token: string };
    const revoke = await server.inject({
      method: "POST",
      url: `/api/v1/tokens/${revoked.id}/revoke`,
      headers: { authorization: `Bearer ${token.token}` },
      payload: {},
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json().revokedBy).toBe("dana");
    const response = await server.inject({
      url: "/api/v1/flags/shop/production",
      headers: { authorization: `Bearer ${revoked.token}` },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().detail).toBe(
      "the API token is unknown, expired or revoked",
    );
  });

  it("refuses an expired token with 401", async () => {
    const before = await server.inject({
      url: "/api/v1/auth/whoami",
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(before.statusCode).toBe(200);
    clock.advance(86_400_000 + 1);
    const after = await server.inject({
      url: "/api/v1/auth/whoami",
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe("UNAUTHENTICATED");
  });

  it("keeps the admin token working as admin on every project", async () => {
    expect((await putFlag("anything", asAdmin)).statusCode).toBe(200);
  });

  it("answers a flood of sign-ins with 429 and Retry-After, the right password included", async () => {
    const limited = await buildServer(
      { app, logger, adminToken: admin },
      { failedAuthLimit: { max: 5, windowMs: 60_000 } },
    );
    try {
      const attempt = (secret: string) =>
        limited.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          payload: { name: "dana", password: secret },
          remoteAddress: "203.0.113.9",
        });
      for (let i = 0; i < 5; i++)
        expect((await attempt(`guess number ${i} ....`)).statusCode).toBe(401);
      const flooded = await attempt(password);
      expect(flooded.statusCode).toBe(429);
      expect(flooded.json().code).toBe("RATE_LIMITED");
      expect(Number(flooded.headers["retry-after"])).toBeGreaterThan(0);
      // Another address is not held back.
      const elsewhere = await limited.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { name: "dana", password },
        remoteAddress: "203.0.113.10",
      });
      expect(elsewhere.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
