// The HTTP adapter: Fastify app, route modules, auth helpers, server.json.
export { buildServer } from "./app.js";
export { listen } from "./listen.js";
export { startLocalServer } from "./local/server.js";
export { defaultGrace, graceOf, stopRuns } from "./local/grace.js";
export { listenOnSocket } from "./local/socket.js";
export type { RolloutLine } from "./routes/rollout-stream.js";
