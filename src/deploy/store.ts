import { and, asc, desc, eq, isNull, notInArray, sql } from "drizzle-orm";
import type {
  DeliveryEvent,
  DeploymentRecord,
  DeployStore,
  IncidentRecord,
  ReleaseRecord,
  RolloutRecord,
} from "./ports.js";
import { storedRolloutStatus } from "./status.js";
import type { Database } from "../store/index.js";
import {
  deployIncidents,
  deployOutbox,
  deployments,
  releases,
  rollouts,
} from "./store-schema.js";

const date = (ms: number) => new Date(ms);
const msOf = (d: Date | null) => (d === null ? null : d.getTime());

function toRelease(r: typeof releases.$inferSelect): ReleaseRecord {
  return {
    id: r.id,
    project: r.project,
    version: r.version,
    command: r.command,
    env: r.env,
    health: r.health,
    createdAt: r.createdAt.getTime(),
    ...(r.port !== null ? { port: r.port } : {}),
    ...(r.cwd !== null ? { cwd: r.cwd } : {}),
    ...(r.commit !== null ? { commit: r.commit } : {}),
  };
}

function toDeployment(d: typeof deployments.$inferSelect): DeploymentRecord {
  return {
    id: d.id,
    project: d.project,
    environment: d.environment,
    releaseId: d.releaseId,
    previousReleaseId: d.previousReleaseId,
    status: d.status as DeploymentRecord["status"],
    reason: d.reason,
    incidentId: d.incidentId,
    startedAt: d.startedAt.getTime(),
    finishedAt: msOf(d.finishedAt),
  };
}

function rolloutRow(r: RolloutRecord): typeof rollouts.$inferInsert {
  return {
    id: r.id,
    deploymentId: r.deploymentId,
    project: r.project,
    environment: r.environment,
    phase: r.status.phase,
    spec: r.spec,
    status: r.status,
    processes: r.processes,
    createdAt: date(r.createdAt),
    updatedAt: date(r.updatedAt),
  };
}

function deploymentRow(d: DeploymentRecord): typeof deployments.$inferInsert {
  return {
    ...d,
    startedAt: date(d.startedAt),
    finishedAt: d.finishedAt === null ? null : date(d.finishedAt),
  };
}

function toRollout(r: typeof rollouts.$inferSelect): RolloutRecord {
  return {
    id: r.id,
    deploymentId: r.deploymentId,
    project: r.project,
    environment: r.environment,
    spec: r.spec as RolloutRecord["spec"],
    status: storedRolloutStatus(r.status),
    processes: r.processes,
    createdAt: r.createdAt.getTime(),
    updatedAt: r.updatedAt.getTime(),
  };
}

/** The deploy capability's store on drizzle (PGlite or Postgres). */
export function createDeployStore(database: Database): DeployStore {
  const { db } = database;
  return {
    async saveRelease(release) {
      await db
        .insert(releases)
        .values({
          id: release.id,
          project: release.project,
          version: release.version,
          command: release.command,
          port: release.port ?? null,
          env: release.env,
          cwd: release.cwd ?? null,
          health: release.health,
          commit: release.commit ?? null,
          createdAt: date(release.createdAt),
        })
        .onConflictDoNothing({ target: [releases.project, releases.version] });
      const [row] = await db
        .select()
        .from(releases)
        .where(
          and(
            eq(releases.project, release.project),
            eq(releases.version, release.version),
          ),
        );
      return toRelease(row!);
    },
    async getRelease(id) {
      const [row] = await db.select().from(releases).where(eq(releases.id, id));
      return row ? toRelease(row) : null;
    },
    async listReleases(project) {
      const rows = await db
        .select()
        .from(releases)
        .where(eq(releases.project, project))
        .orderBy(desc(releases.createdAt), desc(releases.id));
      return rows.map(toRelease);
    },
    async createDeployment(d) {
      await db.insert(deployments).values(deploymentRow(d));
    },
    async finishDeployment(id, status, reason, at) {
      await db
        .update(deployments)
        // A deployment started with a reason (an undo) keeps it unless the outcome gives one.
        .set({
          status,
          finishedAt: date(at),
          ...(reason !== null ? { reason } : {}),
        })
        .where(eq(deployments.id, id));
    },
    async listDeployments(project, environment) {
      const rows = await db
        .select()
        .from(deployments)
        .where(
          environment === undefined
            ? eq(deployments.project, project)
            : and(
                eq(deployments.project, project),
                eq(deployments.environment, environment),
              ),
        )
        .orderBy(desc(deployments.startedAt), desc(deployments.id));
      return rows.map(toDeployment);
    },
    async createRollout(r) {
      await db.insert(rollouts).values(rolloutRow(r));
    },
    async startDeployment(d, r, event) {
      await db.transaction(async (tx) => {
        await tx.insert(deployments).values(deploymentRow(d));
        await tx.insert(rollouts).values(rolloutRow(r));
        if (event)
          await tx.insert(deployOutbox).values({
            id: `${d.id}:${event.kind}`,
            event,
            createdAt: date(event.at),
          });
      });
    },
    async pendingEvents(limit) {
      const rows = await db
        .select()
        .from(deployOutbox)
        .orderBy(asc(deployOutbox.createdAt), asc(deployOutbox.id))
        .limit(limit);
      return rows.map((row) => ({
        id: row.id,
        event: row.event as DeliveryEvent,
        attempts: row.attempts,
      }));
    },
    async eventDelivered(id) {
      await db.delete(deployOutbox).where(eq(deployOutbox.id, id));
    },
    async eventFailed(id) {
      await db
        .update(deployOutbox)
        .set({ attempts: sql`${deployOutbox.attempts} + 1` })
        .where(eq(deployOutbox.id, id));
    },
    async saveRollout(id, status, processes, at) {
      await db
        .update(rollouts)
        .set({ status, phase: status.phase, processes, updatedAt: date(at) })
        .where(eq(rollouts.id, id));
    },
    async getRollout(id) {
      const [row] = await db.select().from(rollouts).where(eq(rollouts.id, id));
      return row ? toRollout(row) : null;
    },
    async latestRollout(project, environment) {
      const [row] = await db
        .select()
        .from(rollouts)
        .where(
          and(
            eq(rollouts.project, project),
            eq(rollouts.environment, environment),
          ),
        )
        .orderBy(desc(rollouts.createdAt), desc(rollouts.id))
        .limit(1);
      return row ? toRollout(row) : null;
    },
    async unfinishedRollouts() {
      const rows = await db
        .select()
        .from(rollouts)
        .where(notInArray(rollouts.phase, ["Healthy", "Degraded"]))
        .orderBy(rollouts.createdAt);
      // Degraded without an abort (a failed canary being handled) is still unfinished.
      const degraded = await db
        .select()
        .from(rollouts)
        .where(eq(rollouts.phase, "Degraded"));
      const open = degraded.filter(
        (r) => !(r.status as { aborted?: boolean }).aborted,
      );
      return [...rows, ...open].map(toRollout);
    },
    async openIncident(incident) {
      await db
        .insert(deployIncidents)
        .values({
          ...incident,
          startedAt: date(incident.startedAt),
          resolvedAt: null,
        })
        .onConflictDoNothing({ target: deployIncidents.deploymentId });
      const [row] = await db
        .select()
        .from(deployIncidents)
        .where(eq(deployIncidents.deploymentId, incident.deploymentId));
      await db
        .update(deployments)
        .set({ incidentId: row!.id })
        .where(eq(deployments.id, incident.deploymentId));
      return row!.id;
    },
    async resolveIncident(id, at) {
      await db
        .update(deployIncidents)
        .set({ resolvedAt: date(at) })
        .where(
          and(eq(deployIncidents.id, id), isNull(deployIncidents.resolvedAt)),
        );
    },
    async getIncident(id): Promise<IncidentRecord | null> {
      const [row] = await db
        .select()
        .from(deployIncidents)
        .where(eq(deployIncidents.id, id));
      return row
        ? {
            id: row.id,
            deploymentId: row.deploymentId,
            project: row.project,
            environment: row.environment,
            reason: row.reason,
            startedAt: row.startedAt.getTime(),
            resolvedAt: msOf(row.resolvedAt),
          }
        : null;
    },
  };
}
