// The HTTP adapter: Fastify app, route modules, auth helpers, server.json.
export { buildServer } from "./app.js";
export { listen } from "./listen.js";
export { readServerFile } from "./server-file.js";
export type { ServerFile } from "./server-file.js";
export { startLocalServer } from "./local/server.js";
export { listenOnSocket } from "./local/socket.js";
