import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { openVersion } from "../../secrets/index.js";
import { buildServer } from "../app.js";
import { capturingLogger } from "../../../test/support/capturing-logger.js";
import { freshPostgresUrl } from "../../../test/support/databases.js";

/**
 * ADR 105 with the real handlers: a read answers the stored age files, which open with the
 * home's key, never a value; a value in clear is refused off the local socket; no value is in an
 * answer or a log line.
 */
const admin = "admin-token-of-the-secrets-routes-test";
const value = "s3cr3t-route-value-7781";

describe("secrets over HTTP (ADR 105)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-secrets-http-"));
  const logger = capturingLogger();
  let app: App;
  let server: FastifyInstance;
  const headers = { authorization: `Bearer ${admin}` };
  const answers: string[] = [];
  const call = async (
    method: "GET" | "POST",
    url: string,
    payload?: object,
  ) => {
    const answer = await server.inject({
      method,
      url,
      headers,
      ...(payload ? { payload } : {}),
    });
    answers.push(answer.body);
    return answer;
  };

  beforeAll(async () => {
    const postgres = process.env.SLUICE_TEST_DATABASE_URL;
    app = await openApp({
      home,
      logger,
      databaseUrl: postgres ? await freshPostgresUrl(postgres) : undefined,
    });
    server = await buildServer({ app, logger, adminToken: admin });
    await app.secrets.set({ project: "shop" }, "API_TOKEN", value, "ada");
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("answers a read as age files that the home's key opens, and audits it", async () => {
    const read = await call("POST", "/api/v1/secrets/shop/values", {
      environment: "prod",
    });
    expect(read.statusCode).toBe(200);
    const sealed = read.json<
      {
        project: string;
        environment: string;
        name: string;
        version: number;
        armored: string;
      }[]
    >();
    expect(sealed).toHaveLength(1);
    expect(sealed[0]).toMatchObject({
      name: "API_TOKEN",
      environment: "",
      version: 1,
    });
    const key = readFileSync(join(home, "age-identity.txt"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("AGE-SECRET-KEY-"));
    expect(await openVersion(sealed[0]!, sealed[0]!.armored, key)).toBe(value);
    const audit = await call("GET", "/api/v1/secrets/shop/audit");
    expect(
      audit.json<{ action: string; actor: string }[]>().map((e) => e.action),
    ).toEqual(["set", "read"]);
  });

  it("names what is missing, in one problem", async () => {
    const missing = await call("POST", "/api/v1/secrets/shop/values", {
      names: ["NOPE"],
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ detail: string }>().detail).toBe(
      "secret NOPE is not set for project shop",
    );
  });

  it("refuses a value in clear, and re-encryption, off the local socket", async () => {
    for (const [url, payload] of [
      ["set", { name: "OTHER", value: "over-the-network" }],
      ["import", { name: ".env", base64: "QT1iYmJiCg==" }],
      ["recipients/remove", { remove: "age1x" }],
    ] as const) {
      const refused = await call(
        "POST",
        `/api/v1/secrets/shop/${url}`,
        payload,
      );
      expect(refused.statusCode, url).toBe(403);
    }
    expect(
      (await app.secrets.list({ project: "shop" })).map((s) => s.name),
    ).toEqual(["API_TOKEN"]);
  });

  it("lists names and versions, and no answer or log line holds a value", async () => {
    const list = await call("GET", "/api/v1/secrets/shop");
    expect(list.json()).toMatchObject([
      { name: "API_TOKEN", environment: "", version: 1, updatedBy: "ada" },
    ]);
    for (const text of [...answers, logger.text()])
      expect(text).not.toContain(value);
  });
});
