export type { Database, Db, SqlExecutor } from "./database.js";
export { openDatabase, redactUrl } from "./open.js";
export type { DatabaseTarget } from "./open.js";
export { RunStore } from "./run-store.js";
export type {
  ChangeFacts,
  JobPatch,
  JobRow,
  NewJob,
  NewRun,
  RunDetail,
  RunFilter,
  RunRow,
  StepPatch,
  StepRow,
} from "./run-store.js";
export { createMetricsStore } from "./metrics-store.js";
export { createFlagStore } from "./flag-store.js";
export { ScanStore } from "./scan-store.js";
export { createDeployStore } from "./deploy-store.js";
