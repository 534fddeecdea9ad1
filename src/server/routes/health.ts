import { z } from "zod";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

const Health = z
  .object({ status: z.literal("ok") })
  .describe("the server is up and its database answers");

/** `GET /healthz`: the server is up and its database answers. */
export const healthRoutes: RouteModule<"database"> = (fastify, deps) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  server.get(
    "/healthz",
    {
      config: { auth: { kind: "public" } },
      schema: { response: { 200: Health } },
    },
    async () => {
      await deps.app.database.executeSql("select 1 as ok");
      return { status: "ok" as const };
    },
  );
};
