import type {
  ChangeRecord,
  DeploymentEvent,
  IncidentEvent,
  RecordedEvents,
} from "./events.js";

/**
 * The store the metrics need (implemented by `./store.ts`). Appends are
 * idempotent: an event whose natural key exists is skipped, and the count of new rows returned.
 */
export interface MetricsStore {
  appendChanges(rows: readonly ChangeRecord[]): Promise<number>;
  appendDeploymentEvents(events: readonly DeploymentEvent[]): Promise<number>;
  appendIncidentEvents(events: readonly IncidentEvent[]): Promise<number>;
  /** The deployments of `project` that `source` recorded, by id, with their environment. */
  listDeploymentIds(filter: {
    project: string;
    source: string;
  }): Promise<{ id: string; environment: string | undefined }[]>;
  /**
   * Deletes every event of these deployments of `project`; returns how many deployments went. Only
   * for a re-import that replaces what an earlier import of the same history inferred.
   */
  removeDeployments(project: string, ids: readonly string[]): Promise<number>;
  /** Every event of one project (all projects when omitted). */
  load(filter?: { project?: string | undefined }): Promise<RecordedEvents>;
}
