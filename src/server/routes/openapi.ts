import { z } from "zod";
import { openApiDocument } from "../openapi.js";
import type { OpenApi } from "../openapi.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

/** The document's outline, for its own entry (what is inside follows OpenAPI 3.1). */
const OpenApiDocument = z
  .object({
    openapi: z.string(),
    info: z.object({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z.record(z.string(), z.unknown()),
  })
  .describe("the OpenAPI 3.1 document of this server");

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of every route, generated from the routes' zod
 * schemas and declared authorization (`openapi.ts`). Public: it describes what each route
 * needs and holds no secret; the routes it names stay guarded.
 */
export const openApiRoutes: RouteModule<never> = (fastify) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  let document: OpenApi | undefined;
  server.get(
    "/openapi.json",
    {
      config: { auth: { kind: "public" } },
      schema: { response: { 200: OpenApiDocument } },
    },
    // Built on first request: every module has registered its routes by then.
    async () =>
      (document ??= openApiDocument(server.routeCatalog, {
        title: "sluice",
        version: "v1",
      })),
  );
};
