import type { RouteOptions } from "fastify";
import type { RouteAuth } from "../../src/server/route-auth.js";
import type { RouteModule } from "../../src/server/types.js";

/** A route as registered: its method, URL template and declared authorization. */
export interface RecordedRoute {
  method: string;
  url: string;
  auth: RouteAuth | undefined;
}

/**
 * Wraps route modules for authorization walks: each route is recorded in `routes` as it is
 * registered, and its handler replaced by one that notes `METHOD url` in `reached`. Bodies and
 * answers are not what a walk checks: `{}` must reach the recorder when authorized, and the
 * recorder's answer is no route's declared response, so those schemas are dropped.
 */
export function routeRecorder(): {
  routes: RecordedRoute[];
  reached: string[];
  recording: (module: RouteModule) => RouteModule;
} {
  const routes: RecordedRoute[] = [];
  const reached: string[] = [];
  const recording =
    (module: RouteModule): RouteModule =>
    async (scope, deps) => {
      scope.addHook("onRoute", (route: RouteOptions) => {
        const method = String(route.method);
        routes.push({ method, url: route.url!, auth: route.config?.auth });
        if (route.schema) {
          delete route.schema.body;
          delete route.schema.response;
        }
        route.handler = async () => {
          reached.push(`${method} ${route.url}`);
          return { reached: true };
        };
      });
      await module(scope, deps);
    };
  return { routes, reached, recording };
}
