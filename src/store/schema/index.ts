// One file per capability; drizzle-kit generates the SQL migrations from this index.
export * from "./runs.js";
export * from "./metrics.js";
export * from "./scan.js";
export * from "./flags.js";
export * from "./deploy.js";
