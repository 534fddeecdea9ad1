import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { silentLogger } from "../../kernel/index.js";
import { buildServer } from "../app.js";

const scope = { project: "shop", environment: "production" };
const flagSet = {
  flags: {
    "new-checkout": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      metadata: { owner: "pay" },
    },
    banner: {
      state: "ENABLED",
      variants: { blue: "blue", red: "red" },
      defaultVariant: "blue",
      targeting: { if: [{ "==": [{ var: "tier" }, "gold"] }, "red"] },
    },
    "code-default": {
      state: "ENABLED",
      variants: { a: "a" },
      defaultVariant: null,
    },
    dark: { state: "DISABLED", variants: { a: "a" }, defaultVariant: "a" },
  },
  metadata: { flagSetId: "shop-prod" },
};

describe("OFREP and flag management routes", () => {
  let app: App;
  let server: FastifyInstance;
  let key: string;
  let otherKey: string;
  const admin = "admin-token";
  const post = (
    url: string,
    payload: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${key}` },
  ) =>
    server.inject({ method: "POST", url, payload: payload as object, headers });

  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-ofrep-")),
      logger: silentLogger,
    });
    await app.flags.importSet(scope, flagSet, { actor: "test" });
    key = (await app.flags.createApiKey(scope)).key;
    otherKey = (
      await app.flags.createApiKey({
        project: "other",
        environment: "production",
      })
    ).key;
    server = await buildServer(
      { app, logger: silentLogger, adminToken: admin, adminName: "ana" },
      { bodyLimit: 1024 * 1024 },
    );
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it.each([
    [
      "banner",
      { tier: "gold" },
      200,
      {
        key: "banner",
        reason: "TARGETING_MATCH",
        variant: "red",
        value: "red",
        metadata: { flagSetId: "shop-prod" },
      },
    ],
    [
      "banner",
      {},
      200,
      { key: "banner", reason: "DEFAULT", variant: "blue", value: "blue" },
    ],
    [
      "new-checkout",
      {},
      200,
      {
        key: "new-checkout",
        reason: "STATIC",
        variant: "off",
        value: false,
        metadata: { owner: "pay", flagSetId: "shop-prod" },
      },
    ],
    ["code-default", {}, 200, { key: "code-default", reason: "DEFAULT" }],
    ["dark", {}, 200, { key: "dark", reason: "DISABLED" }],
    ["missing", {}, 404, { key: "missing", errorCode: "FLAG_NOT_FOUND" }],
  ])("evaluates %s with %j: %i", async (flag, context, status, expected) => {
    const response = await post(`/ofrep/v1/evaluate/flags/${flag}`, {
      context,
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject(expected);
    if (flag === "code-default" || flag === "dark") {
      expect(response.json()).not.toHaveProperty("value");
      expect(response.json()).not.toHaveProperty("variant");
    }
  });

  it("accepts X-API-Key, and answers 401 alike for no key and an unknown key, before looking at flags", async () => {
    expect(
      (await post("/ofrep/v1/evaluate/flags/banner", {}, { "x-api-key": key }))
        .statusCode,
    ).toBe(200);
    const anonymous: Record<string, string>[] = [
      {},
      { authorization: "Bearer nope" },
      { "x-api-key": "nope" },
    ];
    for (const headers of anonymous) {
      const known = await post("/ofrep/v1/evaluate/flags/banner", {}, headers);
      const unknown = await post(
        "/ofrep/v1/evaluate/flags/missing",
        {},
        headers,
      );
      expect(known.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(known.body).toBe(unknown.body);
    }
    // A key of another project sees its own (empty) flag set, never this one.
    expect(
      (
        await post(
          "/ofrep/v1/evaluate/flags/banner",
          {},
          { authorization: `Bearer ${otherKey}` },
        )
      ).statusCode,
    ).toBe(404);
  });

  it.each([
    ["a context that is not an object", { context: "alice" }],
    ["a context that is an array", { context: [1] }],
    ["a body that is not an object", [1, 2]],
  ])("answers %s with 400 INVALID_CONTEXT", async (_name, payload) => {
    const response = await post("/ofrep/v1/evaluate/flags/banner", payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      key: "banner",
      errorCode: "INVALID_CONTEXT",
    });
  });

  it("answers invalid JSON with 400, a 5 MB context with 413, a key with path characters with 404, and keeps serving", async () => {
    const bad = await server.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags/banner",
      payload: "{not json",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errorCode: "INVALID_CONTEXT" });
    const huge = await post("/ofrep/v1/evaluate/flags/banner", {
      context: { pad: "x".repeat(5 * 1024 * 1024) },
    });
    expect(huge.statusCode).toBe(413);
    for (const path of ["..%2F..%2Fetc%2Fpasswd", "a%2Fb", "%2E%2E"]) {
      const response = await post(`/ofrep/v1/evaluate/flags/${path}`, {});
      expect(response.statusCode, path).toBe(404);
      // "%2E%2E" is resolved away by URL parsing before routing: a plain 404 problem then.
      if (path !== "%2E%2E")
        expect(response.json()).toMatchObject({ errorCode: "FLAG_NOT_FOUND" });
    }
    expect((await post("/ofrep/v1/evaluate/flags/banner", {})).statusCode).toBe(
      200,
    );
    expect((await app.flags.current(scope)).version).toBe(1);
  });

  it("serves bulk evaluation with an ETag, 304 on If-None-Match, and a new ETag after a change", async () => {
    const first = await post("/ofrep/v1/evaluate/flags", {
      context: { tier: "gold" },
    });
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    const bodyOf = first.json() as {
      flags: { key: string }[];
      metadata: object;
      eventStreams: unknown[];
    };
    expect(bodyOf.flags.map((f) => f.key).sort()).toEqual([
      "banner",
      "code-default",
      "dark",
      "new-checkout",
    ]);
    expect(bodyOf.metadata).toEqual({ flagSetId: "shop-prod" });
    expect(bodyOf.eventStreams).toHaveLength(1);
    const again = await server.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags",
      payload: { context: { tier: "gold" } },
      headers: { authorization: `Bearer ${key}`, "if-none-match": etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    const otherContext = await server.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags",
      payload: { context: {} },
      headers: { authorization: `Bearer ${key}`, "if-none-match": etag },
    });
    expect(otherContext.statusCode).toBe(200);
    await app.flags.setState(scope, "banner", "DISABLED", { actor: "test" });
    const changed = await server.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags",
      payload: { context: { tier: "gold" } },
      headers: { authorization: `Bearer ${key}`, "if-none-match": etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    await app.flags.setState(scope, "banner", "ENABLED", { actor: "test" });
  });

  it("guards management routes: admin token works, an evaluation key gets 403, none 401; bad writes change nothing", async () => {
    const url = "/api/v1/flags/shop/production";
    expect(
      (
        await server.inject({
          url,
          headers: { authorization: `Bearer ${admin}` },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await server.inject({
          url,
          headers: { authorization: `Bearer ${key}` },
        })
      ).statusCode,
    ).toBe(403);
    expect((await server.inject({ url })).statusCode).toBe(401);
    const before = await app.flags.current(scope);
    const wrongType = await server.inject({
      method: "PUT",
      url: `${url}/flags/banner`,
      payload: {
        flag: {
          state: "ENABLED",
          variants: { blue: "blue", red: 7 },
          defaultVariant: "blue",
        },
        reason: "oops",
      },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(wrongType.statusCode).toBe(422);
    expect(wrongType.json()).toMatchObject({
      code: "CONFIG_INVALID",
      detail: expect.stringContaining("$.flags.banner.variants.red"),
    });
    const rollout = await server.inject({
      method: "POST",
      url: `${url}/flags/new-checkout/rollout`,
      payload: { percent: "25%", reason: "ramp" },
      // The actor comes from the credential; a header naming someone else is ignored.
      headers: {
        authorization: `Bearer ${admin}`,
        "x-sluice-actor": "mallory",
      },
    });
    expect(rollout.statusCode).toBe(200);
    const history = await server.inject({
      url: `${url}/flags/new-checkout/history`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(history.json()[0]).toMatchObject({
      action: "rollout",
      actor: "ana",
      reason: "ramp",
    });
    // There is no route that edits or deletes audit rows.
    for (const method of ["PUT", "PATCH", "DELETE"] as const)
      expect(
        (
          await server.inject({
            method,
            url: `${url}/history`,
            headers: { authorization: `Bearer ${admin}` },
          })
        ).statusCode,
      ).toBe(404);
    expect((await app.flags.current(scope)).version).toBe(before.version + 1);
  });

  it("lists and revokes keys over the API; a revoked key gets the unknown key's 401 from the next request on", async () => {
    const asAdmin = {
      authorization: `Bearer ${admin}`,
      "x-sluice-actor": "mallory",
    };
    const created = await server.inject({
      method: "POST",
      url: "/api/v1/flags/shop/production/keys",
      payload: { name: "leaky" },
      headers: asAdmin,
    });
    expect(created.statusCode).toBe(200);
    const { id, key: leaky } = created.json() as { id: string; key: string };
    const asLeaky = { authorization: `Bearer ${leaky}` };
    const asUnknown = { authorization: "Bearer sluice_flags_nope" };
    const requests = [
      { method: "POST", url: "/ofrep/v1/evaluate/flags/banner", payload: {} },
      { method: "POST", url: "/ofrep/v1/evaluate/flags", payload: {} },
      { method: "GET", url: "/api/v1/flag-sync" },
    ] as const;
    for (const request of requests)
      expect(
        (await server.inject({ ...request, headers: asLeaky })).statusCode,
        request.url,
      ).toBe(200);

    const listed = await server.inject({
      url: "/api/v1/flags/keys?project=shop&environment=production",
      headers: asAdmin,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toContainEqual(
      expect.objectContaining({
        id,
        name: "leaky",
        project: "shop",
        environment: "production",
        revokedAt: null,
        lastUsedAt: expect.any(String),
      }),
    );
    expect(listed.body).not.toContain(leaky);
    expect(listed.body).not.toMatch(/hash/i);
    const elsewhere = await server.inject({
      url: "/api/v1/flags/keys?project=other",
      headers: asAdmin,
    });
    expect(elsewhere.json()).toHaveLength(1);
    // Listing and revoking keys is management: an evaluation key may do neither.
    expect(
      (await server.inject({ url: "/api/v1/flags/keys", headers: asLeaky }))
        .statusCode,
    ).toBe(403);
    expect(
      (
        await server.inject({
          method: "POST",
          url: `/api/v1/flags/keys/${id}/revoke`,
          headers: asLeaky,
        })
      ).statusCode,
    ).toBe(403);

    const revoked = await server.inject({
      method: "POST",
      url: `/api/v1/flags/keys/${id}/revoke`,
      payload: { reason: "pasted in a ticket" },
      headers: asAdmin,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({
      changed: true,
      key: { id, revokedBy: "ana", revokedReason: "pasted in a ticket" },
    });
    for (const request of requests) {
      const refused = await server.inject({ ...request, headers: asLeaky });
      const unknown = await server.inject({ ...request, headers: asUnknown });
      expect(refused.statusCode, request.url).toBe(401);
      expect(refused.headers["content-type"]).toBe(
        unknown.headers["content-type"],
      );
      expect(refused.body).toBe(unknown.body);
    }
    // Management routes, too, cannot tell a revoked key from an unknown one.
    const manage = await server.inject({
      url: "/api/v1/flags/shop/production",
      headers: asLeaky,
    });
    expect(manage.statusCode).toBe(401);
    expect(manage.body).toBe(
      (
        await server.inject({
          url: "/api/v1/flags/shop/production",
          headers: asUnknown,
        })
      ).body,
    );
    // Other keys go on working.
    expect((await post("/ofrep/v1/evaluate/flags/banner", {})).statusCode).toBe(
      200,
    );

    const twice = await server.inject({
      method: "POST",
      url: `/api/v1/flags/keys/${id}/revoke`,
      payload: { reason: "again" },
      headers: asAdmin,
    });
    expect(twice.statusCode).toBe(200);
    expect(twice.json()).toMatchObject({
      changed: false,
      key: { revokedReason: "pasted in a ticket" },
    });
    const missing = await server.inject({
      method: "POST",
      url: "/api/v1/flags/keys/fkey_nope/revoke",
      headers: asAdmin,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(
      /^application\/problem\+json/,
    );
    expect(missing.json()).toMatchObject({ code: "NOT_FOUND", status: 404 });
    const badFilter = await server.inject({
      url: "/api/v1/flags/keys?project=",
      headers: asAdmin,
    });
    expect(badFilter.statusCode).toBe(400);
    // The key routes do not shadow a project named "keys".
    const keysProject = await server.inject({
      url: "/api/v1/flags/keys/production/export",
      headers: asAdmin,
    });
    expect([keysProject.statusCode, keysProject.json()]).toEqual([
      200,
      { flags: {} },
    ]);

    const history = await server.inject({
      url: "/api/v1/flags/shop/production/history",
      headers: asAdmin,
    });
    const rows = (
      history.json() as {
        flagKey: string;
        action: string;
        actor: string;
        reason: string | null;
      }[]
    ).filter((row) => row.flagKey === id);
    expect(rows.map((r) => [r.action, r.actor, r.reason])).toEqual([
      ["revoke-key", "ana", "pasted in a ticket"],
      ["create-key", "ana", null],
    ]);
  });
});
