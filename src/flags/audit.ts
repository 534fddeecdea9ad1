import { newId } from "../kernel/index.js";
import { changedPaths } from "./diff.js";
import type { FlagAuditEntry, FlagScope } from "./ports.js";
import type { FlagSetDocument } from "./types.js";

/** Who changes a flag and why: recorded in the audit log. */
export interface ChangeOptions {
  actor: string;
  reason?: string | undefined;
}

/**
 * The audit rows of a write: one per flag that changed from `before` to `after`, under `action`,
 * or `create` / `delete` / `update` as the flag appeared, went or changed.
 */
export function auditRows(
  scope: FlagScope,
  before: FlagSetDocument,
  after: FlagSetDocument,
  action: FlagAuditEntry["action"] | undefined,
  options: ChangeOptions,
  at: Date,
): Omit<FlagAuditEntry, "version">[] {
  const keys = new Set([
    ...Object.keys(before.flags),
    ...Object.keys(after.flags),
  ]);
  const audit: Omit<FlagAuditEntry, "version">[] = [];
  for (const key of keys) {
    const was = before.flags[key];
    const now = after.flags[key];
    const changes = changedPaths(was ?? null, now ?? null);
    if (changes.length === 0) continue;
    audit.push({
      id: newId("faud", at.getTime()),
      ...scope,
      flagKey: key,
      action:
        action ??
        (was === undefined
          ? "create"
          : now === undefined
            ? "delete"
            : "update"),
      actor: options.actor,
      reason: options.reason ?? null,
      before: was ?? null,
      after: now ?? null,
      changes: was === undefined || now === undefined ? [] : changes,
      createdAt: at,
    });
  }
  return audit;
}

/** Whether the flag set's own metadata changed (no flag's audit row records that). */
export function setMetadataChanged(
  before: FlagSetDocument,
  after: FlagSetDocument,
): boolean {
  return (
    changedPaths(before.metadata ?? null, after.metadata ?? null).length > 0
  );
}
