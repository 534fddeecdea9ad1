import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { openApp } from "../app.js";
import type { App } from "../app.js";
import { silentLogger } from "../kernel/index.js";
import { buildServer } from "./app.js";
import type { RouteModule } from "./types.js";
import { documentedResponse, isCheckedResponse } from "./zod-provider.js";
import type { ZodTypeProvider } from "./zod-provider.js";

const Counted = z.object({ id: z.string(), count: z.number() });

/** One route per kind of response schema; each answers a body that drifted from it. */
const drifting: RouteModule = (fastify) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  for (const [path, schema] of [
    ["/checked", Counted],
    ["/documented", documentedResponse(Counted.describe("documented"))],
  ] as const)
    server.get(
      path,
      {
        config: { auth: { kind: "public" } },
        schema: { response: { 200: schema } },
      },
      // Cast on purpose: the type provider would refuse this body at compile time.
      async () => ({ id: "x", total: 2 }) as unknown as z.input<typeof Counted>,
    );
};

describe("documentedResponse (ADR 015)", () => {
  let app: App;
  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-zod-provider-")),
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it("marks only the schema it is given", () => {
    const documented = documentedResponse(Counted.describe("d"));
    expect(isCheckedResponse(documented)).toBe(false);
    expect(isCheckedResponse(Counted)).toBe(true);
    expect(isCheckedResponse(undefined)).toBe(true);
  });

  it("writes a documented answer as the handler gave it, and still checks the others", async () => {
    const server = await buildServer(
      { app, logger: silentLogger, adminToken: "t" },
      { routes: [drifting] },
    );
    const checked = await server.inject({ url: "/checked" });
    expect(checked.statusCode).toBe(500);
    const documented = await server.inject({ url: "/documented" });
    expect(documented.statusCode).toBe(200);
    expect(documented.json()).toEqual({ id: "x", total: 2 });
    await server.close();
  });
});
