export type { Database } from "./database.js";
export { openDatabase } from "./open.js";
export { RunStore } from "./run-store.js";
export type { RunDetail, RunRow } from "./run-store.js";
export { createMetricsStore } from "./metrics-store.js";
export { createFlagStore } from "./flag-store.js";
export { ScanStore } from "./scan-store.js";
export { createDeployStore } from "./deploy-store.js";
