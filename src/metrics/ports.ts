import type {
  ChangeRecord,
  DeploymentEvent,
  IncidentEvent,
  RecordedEvents,
} from "./events.js";

/**
 * The store the metrics need (implemented by `src/store/metrics-store.ts`). Appends are
 * idempotent: an event whose natural key exists is skipped, and the count of new rows returned.
 */
export interface MetricsStore {
  appendChanges(rows: readonly ChangeRecord[]): Promise<number>;
  appendDeploymentEvents(events: readonly DeploymentEvent[]): Promise<number>;
  appendIncidentEvents(events: readonly IncidentEvent[]): Promise<number>;
  /** Every event of one project (all projects when omitted). */
  load(filter?: { project?: string | undefined }): Promise<RecordedEvents>;
}
