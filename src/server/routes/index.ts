import type { RouteModule } from "../types.js";
import { healthRoutes } from "./health.js";

/**
 * Every route module of the server, registered in this order. A capability adds one module
 * (`routes/<capability>.ts`) and one line here.
 */
export const routeModules: RouteModule[] = [healthRoutes];
