// The HTTP adapter: Fastify app, route modules, auth helpers, server.json.
export { buildServer } from "./app.js";
export type { ServerOptions } from "./app.js";
export { listen } from "./listen.js";
export type { ListenOptions, RunningServer } from "./listen.js";
export { credentialOf, sameSecret } from "./auth.js";
export {
  flagKeyOf,
  installAuthorization,
  principalOf,
  streamPath,
  streamToken,
} from "./route-auth.js";
export type { Principal, RouteAuth, WebhookSource } from "./route-auth.js";
export { toProblem } from "./errors.js";
export { problem, problemContentType, statusOfCode } from "./problem.js";
export type { Problem } from "./problem.js";
export {
  readServerFile,
  removeServerFile,
  serverFilePath,
  writeServerFile,
} from "./server-file.js";
export type { ServerFile } from "./server-file.js";
export type { RouteModule, ServerDeps } from "./types.js";
