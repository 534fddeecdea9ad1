import type { RouteModule } from "../types.js";
import { accountRoutes } from "./accounts.js";
import { advisoryRoutes } from "./advisories.js";
import { deployRoutes } from "./deploy.js";
import { flagRoutes } from "./flags.js";
import { gateRoutes } from "./gate.js";
import { healthRoutes } from "./health.js";
import { metricsRoutes } from "./metrics.js";
import { metricsImportRoutes } from "./metrics-import.js";
import { ofrepRoutes } from "./ofrep.js";
import { openApiRoutes } from "./openapi.js";
import { projectRunRoutes } from "./project-runs.js";
import { runSubmitRoutes } from "./run-submit.js";
import { runRoutes } from "./runs.js";
import { secretRoutes } from "./secrets.js";
import { serverRoutes } from "./server.js";

/**
 * Every route module of the server, registered in this order. A capability adds one module
 * (`routes/<capability>.ts`) and one line here.
 */
export const routeModules: RouteModule[] = [
  healthRoutes,
  ofrepRoutes,
  flagRoutes,
  metricsRoutes,
  metricsImportRoutes,
  deployRoutes,
  accountRoutes,
  runRoutes,
  runSubmitRoutes,
  projectRunRoutes,
  gateRoutes,
  advisoryRoutes,
  secretRoutes,
  serverRoutes,
  openApiRoutes,
];
