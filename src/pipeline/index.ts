/** The pipeline engine: plan, scheduler, local executor, logs and masking, cache, artifacts, built-in steps. */
export type * from "./ports.js";
export { Masker, MaskingStream } from "./logs/masker.js";
export type { LiveView } from "./logs/step-log.js";
export { plan } from "./plan.js";
export { createLocalCache } from "./cache.js";
export { createLocalArtifacts } from "./artifacts.js";
export { keepRelease } from "./checkout.js";
export { readGitFacts, trailersByKey } from "./git-facts.js";
export { createRunStore } from "./store.js";
export type { RunStore } from "./store.js";
export type { RunDetail, RunRow } from "./store-queries.js";
export type { LocalRunDeps } from "./local-run.js";
export { createServedRuns } from "./served-runs.js";
export { commitsToOffer, packTree, receiveRunTree } from "./remote-tree.js";
export { createKeptRepositories } from "./kept-repositories.js";
export type { RunLiveEvent, ServedRuns } from "./served-runs.js";
export { runLogEvents } from "./logs/follow.js";
export type { RunLogEvent } from "./logs/follow.js";
