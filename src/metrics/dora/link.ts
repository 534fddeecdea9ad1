import type { Change, Deployment, Incident, MetricsData } from "../model.js";
import { historyOnlySources } from "../model.js";
import type { Failure, Rejected } from "./failures.js";
import {
  applyRemedies,
  attributeIncidents,
  DeploymentIndex,
  Failures,
  failurePositions,
  settle,
} from "./failures.js";
import { Carrier, changesInScope, indexShas } from "./carrier.js";
import { isLive, isRework, liveAt, liveFlag } from "./positions.js";

export type { Rejected } from "./failures.js";
export { liveAt } from "./positions.js";

/** How the figures are scoped and how loose evidence is linked. */
export interface LinkOptions {
  /** Only this project (all projects when omitted). */
  project?: string | undefined;
  /** The environment whose deployments count; `production` by default. */
  environment: string;
  /**
   * An incident with no explicit deployment or root-cause commit is linked to the latest live
   * deployment that finished at most this long before it opened; otherwise it stays unattributed.
   */
  incidentWindowMs: number;
}

/**
 * The events of one scope, linked: what every figure reads. Per-deployment and per-change facts
 * are typed arrays indexed by position in `live` and `changes` (100,000 deployments stay cheap:
 * no map keyed by object, nothing for the garbage collector to trace).
 */
export interface Linked {
  /** Live deployments (success or rolled back) of the scope, ordered by `liveAt`. */
  live: Deployment[];
  /** `liveAt` of each live deployment: ascending, so a time window is a range of positions. */
  liveTimes: Float64Array;
  /** Per live deployment: `liveFlag` bits. */
  liveFlags: Uint8Array;
  /** How many AI-assisted live deployments come before each position (length `live.length + 1`). */
  aiBefore: Int32Array;
  /** Per live deployment: the position in `failureList` of the failure under its id, or -1. */
  failureAt: Int32Array;
  /** Deployments that failed before going live (pipeline failures: not change failures). */
  failedToDeploy: Deployment[];
  /** The changes in scope (commits covered by a pull request are folded into it). */
  changes: Change[];
  /** How many of them are AI-assisted (the rest are unmarked). */
  aiChanges: number;
  /** Per change (by position in `changes`): the position in `live` of its first successful deployment, or -1. */
  firstLive: Int32Array;
  /** Changes by object, with the first successful deployment that shipped each (built on first read). */
  readonly firstDeployment: ReadonlyMap<Change, Deployment>;
  /**
   * Changes each live deployment carried for the first time (shipped, when it succeeded): live
   * deployment `i` carried the changes at positions `shipped[shippedStart[i] .. shippedStart[i + 1])`.
   */
  shippedStart: Int32Array;
  shipped: Int32Array;
  /** Failures by deployment id. */
  failures: Map<string, Failure>;
  /** The same failures, in the map's order. */
  failureList: Failure[];
  /** Incidents with no deployment by evidence or window: they count for nothing but are listed. */
  unattributed: Incident[];
  rejected: Rejected[];
  /** Whether any deployment of the scope exists at all (a window with none then means 0, not unknown). */
  anyDeployment: boolean;
  /**
   * The sources in scope that could report a failure: every incident source, and every deployment
   * source that is not history-only. Empty means failures cannot be seen at all.
   */
  failureSources: string[];
}

// `link` runs in phases, one small function each: V8 then optimizes each hot loop once, where one
// large function was recompiled for every loop and deoptimized at the code after it (compiling
// cost more CPU than the work on 100,000 deployments).

/** The scope's deployments, its live ones (as positions in `deployments`) and those that failed. */
function scopeDeployments(
  all: readonly Deployment[],
  project: string | undefined,
  environment: string,
): {
  deployments: Deployment[];
  failedToDeploy: Deployment[];
  liveOf: number[];
} {
  const deployments: Deployment[] = [];
  const failedToDeploy: Deployment[] = [];
  const liveOf: number[] = [];
  for (let j = 0; j < all.length; j++) {
    const d = all[j]!;
    if (project !== undefined && d.project !== project) continue;
    if (d.environment !== environment) continue;
    if (isLive(d)) liveOf.push(deployments.length);
    else if (d.status === "failed") failedToDeploy.push(d);
    deployments.push(d);
  }
  return { deployments, failedToDeploy, liveOf };
}

/** The live deployments in time order, with the times they went live. */
function orderLive(
  deployments: readonly Deployment[],
  liveOf: number[],
): { live: Deployment[]; liveTimes: Float64Array; liveOf: number[] } {
  const n = liveOf.length;
  const live = new Array<Deployment>(n);
  const liveTimes = new Float64Array(n);
  let ordered = true;
  for (let i = 0; i < n; i++) {
    const d = deployments[liveOf[i]!]!;
    live[i] = d;
    liveTimes[i] = liveAt(d);
    if (i > 0 && liveTimes[i - 1]! > liveTimes[i]!) ordered = false;
  }
  // Stored events usually arrive in time order: sort only when they did not (stably).
  if (ordered) return { live, liveTimes, liveOf };
  const positions = Array.from({ length: n }, (_, i) => i);
  positions.sort((a, b) => liveTimes[a]! - liveTimes[b]!);
  return {
    live: positions.map((p) => live[p]!),
    liveTimes: Float64Array.from(positions, (p) => liveTimes[p]!),
    liveOf: positions.map((p) => liveOf[p]!),
  };
}

function flagsOf(live: readonly Deployment[]): Uint8Array {
  const flags = new Uint8Array(live.length);
  for (let i = 0; i < live.length; i++) {
    const d = live[i]!;
    let f = d.status === "success" ? liveFlag.success : 0;
    if (d.rollbackOf) f |= liveFlag.rollback;
    if (isRework(d)) f |= liveFlag.rework;
    flags[i] = f;
  }
  return flags;
}

/** A rollback takes the cohort of the deployment it undoes (its rework belongs there). */
function rollbackCohorts(
  live: readonly Deployment[],
  flags: Uint8Array,
  index: DeploymentIndex,
): void {
  for (let i = 0; i < live.length; i++) {
    const undone = live[i]!.rollbackOf;
    if (!undone) continue;
    const target = index.liveIndex(undone) ?? -1;
    if (target >= 0) {
      flags[i] =
        (flags[i]! & ~liveFlag.aiAssisted) |
        (flags[target]! & liveFlag.aiAssisted);
    }
  }
}

function aiPrefix(flags: Uint8Array): Int32Array {
  const before = new Int32Array(flags.length + 1);
  for (let i = 0; i < flags.length; i++)
    before[i + 1] = before[i]! + ((flags[i]! & liveFlag.aiAssisted) >> 3);
  return before;
}

/** The sources of the scope's deployments and incidents that can report a failure, sorted. */
function failureSourcesOf(
  deployments: readonly Deployment[],
  incidents: readonly Incident[],
  project: string | undefined,
  environment: string,
): string[] {
  const sources = new Set<string>();
  // A deployment of no known source (built in code, not folded from events) may report failures.
  for (const d of deployments) {
    const source = d.source ?? "unknown";
    if (!historyOnlySources.has(source)) sources.add(source);
  }
  for (const i of incidents) {
    if (project !== undefined && i.project !== project) continue;
    if (i.environment && i.environment !== environment) continue;
    sources.add(i.source);
  }
  return [...sources].sort();
}

/** Links changes, deployments and incidents of one scope. Pure; O(events · log events). */
export function link(data: MetricsData, options: LinkOptions): Linked {
  const { project, environment } = options;
  const rejected: Rejected[] = [];
  const scoped = scopeDeployments(data.deployments, project, environment);
  const { live, liveTimes, liveOf } = orderLive(
    scoped.deployments,
    scoped.liveOf,
  );
  const liveFlags = flagsOf(live);
  const index = new DeploymentIndex(scoped.deployments, liveOf);

  const changes = changesInScope(data.changes, project);
  const { shas, aiChange, aiChanges } = indexShas(changes);
  const carrier = new Carrier(
    shas,
    aiChange,
    data.incidents.some((i) => i.commit !== undefined),
    live.length,
  );
  carrier.run(live, liveFlags);
  rollbackCohorts(live, liveFlags, index);

  const failures = new Failures(live, liveTimes);
  const unattributed = attributeIncidents(
    data.incidents,
    options,
    liveTimes,
    index,
    carrier.firstShipOfSha,
    failures,
    rejected,
  );
  applyRemedies(live, index, failures, rejected);
  const failureList = settle(failures);
  const firstLive = carrier.firstLive;

  let firstDeployment: Map<Change, Deployment> | undefined;
  return {
    live,
    liveTimes,
    liveFlags,
    aiBefore: aiPrefix(liveFlags),
    failureAt: failurePositions(live, failureList),
    failedToDeploy: scoped.failedToDeploy,
    changes,
    aiChanges,
    firstLive,
    get firstDeployment(): ReadonlyMap<Change, Deployment> {
      if (!firstDeployment) {
        firstDeployment = new Map();
        for (let k = 0; k < changes.length; k++) {
          const i = firstLive[k]!;
          if (i >= 0) firstDeployment.set(changes[k]!, live[i]!);
        }
      }
      return firstDeployment;
    },
    shippedStart: carrier.shippedStart,
    shipped: carrier.shipped.view(),
    failures: failures.byId,
    failureList,
    unattributed,
    rejected,
    anyDeployment: live.length > 0,
    failureSources: failureSourcesOf(
      scoped.deployments,
      data.incidents,
      project,
      environment,
    ),
  };
}
