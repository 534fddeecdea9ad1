import type { RouteModule } from "../types.js";

/** `GET /healthz`: the server is up and its database answers. */
export const healthRoutes: RouteModule<"database"> = (server, deps) => {
  server.get("/healthz", { config: { auth: { kind: "public" } } }, async () => {
    await deps.app.database.executeSql("select 1 as ok");
    return { status: "ok" };
  });
};
