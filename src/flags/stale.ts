import type { FlagAuditEntry } from "./ports.js";
import { splitCompleteKey } from "./split.js";
import type { FlagSetDocument } from "./types.js";

/** A flag the stale report names, and why. */
export interface StaleFlag {
  key: string;
  /** `fully-rolled-out`: a percentage split at 100% (the value keeps its first name, ADR 062). */
  reason: "not-evaluated" | "fully-rolled-out";
  /** Last evaluation (or creation, when never evaluated), or when the split reached 100%. */
  since: Date;
}

/**
 * The flags of a set that look finished at `cutoffMs`: split 100% to one variant since before
 * it, or not evaluated since before it. `audit` is the set's audit log, newest first.
 */
export function staleFlags(
  document: FlagSetDocument,
  evaluated: ReadonlyMap<string, Date>,
  audit: readonly Pick<FlagAuditEntry, "flagKey" | "createdAt">[],
  cutoffMs: number,
): StaleFlag[] {
  const out: StaleFlag[] = [];
  for (const [key, flag] of Object.entries(document.flags)) {
    const complete = flag.metadata?.[splitCompleteKey];
    if (typeof complete === "number" && complete * 1000 <= cutoffMs) {
      out.push({
        key,
        reason: "fully-rolled-out",
        since: new Date(complete * 1000),
      });
      continue;
    }
    // Never evaluated: count from the flag's first audit row (its creation).
    const created = audit.filter((a) => a.flagKey === key).at(-1)?.createdAt;
    const since = evaluated.get(key) ?? created;
    if (since && since.getTime() <= cutoffMs)
      out.push({ key, reason: "not-evaluated", since });
  }
  return out;
}
