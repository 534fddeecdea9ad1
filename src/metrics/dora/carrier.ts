import type { Change, Deployment } from "../model.js";
import { liveFlag } from "./positions.js";

// Which changes the live deployments carried: a phase of `link` (link.ts), in small functions for
// the same reason as the others there.

/** An Int32Array that grows by doubling, for lists whose length is known only at the end. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** The changes in scope: commits that belong to a pull request are counted once, as the pull request. */
export function changesInScope(
  all: Change[],
  project: string | undefined,
): Change[] {
  const projectChanges =
    project === undefined ? all : all.filter((c) => c.project === project);
  const coveredByPr = new Set<string>();
  for (const c of projectChanges) {
    if (c.kind !== "pull_request") continue;
    for (const sha of c.commits) coveredByPr.add(sha);
    if (c.mergeCommit) coveredByPr.add(c.mergeCommit);
  }
  return coveredByPr.size === 0
    ? projectChanges
    : projectChanges.filter(
        (c) => c.kind === "pull_request" || !coveredByPr.has(c.id),
      );
}

/**
 * A SHA points at the changes it belongs to (positions in `changes`): its own commit change, or
 * the PR that holds it (by branch commit or by the squash/merge commit that landed). One change
 * per SHA is the common case: stored bare, an array only when shared.
 */
type ShaIndex = Map<string, number | number[]>;

function addSha(index: ShaIndex, sha: string, k: number): void {
  const had = index.get(sha);
  if (had === undefined) index.set(sha, k);
  else if (typeof had === "number") {
    if (had !== k) index.set(sha, [had, k]);
  } else if (!had.includes(k)) had.push(k);
}

export function indexShas(changes: readonly Change[]): {
  shas: ShaIndex;
  aiChange: Uint8Array;
  aiChanges: number;
} {
  const shas: ShaIndex = new Map();
  const aiChange = new Uint8Array(changes.length);
  let aiChanges = 0;
  for (let k = 0; k < changes.length; k++) {
    const c = changes[k]!;
    if (c.cohort === "ai-assisted") {
      aiChange[k] = 1;
      aiChanges++;
    }
    const commits = c.commits;
    for (let s = 0; s < commits.length; s++) addSha(shas, commits[s]!, k);
    if (c.mergeCommit) addSha(shas, c.mergeCommit, k);
  }
  return { shas, aiChange, aiChanges };
}

/**
 * Which changes each live deployment carried: the first successful deployment per change ships
 * it (a SHA deployed again later is not shipped again); a deployment rolled back in place carried
 * its changes (they make its cohort) but did not ship them.
 */
export class Carrier {
  readonly firstLive: Int32Array;
  /** The deployment that last carried each change: dedupes a change reachable from several SHAs of one deployment rolled back in place. */
  private readonly carriedBy: Int32Array;
  readonly shippedStart: Int32Array;
  readonly shipped: IntList;
  readonly firstShipOfSha = new Map<string, number>();
  private i = 0;
  private success = false;
  private ai = 0;

  constructor(
    private readonly shas: ShaIndex,
    private readonly aiChange: Uint8Array,
    private readonly needShaIndex: boolean,
    liveCount: number,
  ) {
    this.firstLive = new Int32Array(aiChange.length).fill(-1);
    this.carriedBy = new Int32Array(aiChange.length).fill(-1);
    this.shippedStart = new Int32Array(liveCount + 1);
    this.shipped = new IntList(liveCount);
  }

  /** Carries the changes of every live deployment, in order; sets the AI-assisted cohort flag. */
  run(live: readonly Deployment[], flags: Uint8Array): void {
    for (let i = 0; i < live.length; i++) {
      const d = live[i]!;
      this.i = i;
      this.shippedStart[i] = this.shipped.length;
      this.success = (flags[i]! & liveFlag.success) !== 0;
      this.ai = 0;
      const shipped = d.shipped;
      if (shipped)
        for (let s = 0; s < shipped.length; s++) this.carry(shipped[s]!);
      else this.carry(d.commit);
      // Cohort: AI-assisted when it carries at least one AI-assisted change.
      if (this.ai) flags[i] = flags[i]! | liveFlag.aiAssisted;
    }
    this.shippedStart[live.length] = this.shipped.length;
  }

  private carry(sha: string): void {
    if (this.needShaIndex && this.success && !this.firstShipOfSha.has(sha))
      this.firstShipOfSha.set(sha, this.i);
    const had = this.shas.get(sha);
    if (had === undefined) return;
    if (typeof had === "number") this.carryChange(had);
    else for (const k of had) this.carryChange(k);
  }

  private carryChange(k: number): void {
    if (this.firstLive[k] !== -1) return;
    if (this.success) this.firstLive[k] = this.i;
    else {
      if (this.carriedBy[k] === this.i) return;
      this.carriedBy[k] = this.i;
    }
    this.shipped.push(k);
    this.ai |= this.aiChange[k]!;
  }
}
