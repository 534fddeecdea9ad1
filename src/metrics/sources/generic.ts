import { z } from "zod";
import type { RecordedEvents } from "../events.js";
import { AppError } from "../../kernel/index.js";
import { maxFutureMs, parseOrThrow, payloadName } from "./parse.js";

/** An ISO time with an offset, from 1970 on (year 0 is a typo, not an event). */
const time = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) >= 0, "must be a time from 1970 on");
/** Names, project first: no control characters (a NUL cannot even be stored). */
const name = payloadName;

const DeploymentEventInput = z.strictObject({
  kind: z.literal("deployment"),
  project: name,
  id: name,
  status: z.enum(["started", "succeeded", "failed", "rolled_back"]),
  at: time,
  environment: name.optional(),
  commit: z.string().min(7).max(64).optional(),
  release: name.optional(),
  shipped: z.array(z.string().min(7).max(64)).max(100_000).optional(),
  rollbackOf: name.optional(),
  hotfix: z.boolean().optional(),
  fixes: z.array(name).optional(),
});

const IncidentEventInput = z.strictObject({
  kind: z.literal("incident"),
  project: name,
  id: name,
  status: z.enum(["opened", "resolved"]),
  at: time,
  openedAt: time.optional(),
  environment: name.optional(),
  severity: name.optional(),
  deploymentId: name.optional(),
  commit: z.string().min(7).max(64).optional(),
  title: z.string().max(500).optional(),
});

/** The body of `POST /api/v1/metrics/events`: deployment and incident events from any tool. */
export const GenericEvents = z.strictObject({
  events: z
    .array(
      z.discriminatedUnion("kind", [DeploymentEventInput, IncidentEventInput]),
    )
    .min(1)
    .max(10_000),
});
export type GenericEvents = z.infer<typeof GenericEvents>;

/**
 * Validates a generic events body (400 naming the field) and maps it to metrics events. Times
 * must lie between 1970 and a day after `now` (the receiver's clock; a day covers clock skew):
 * a year-9999 event would hold every figure's window open.
 */
export function genericEvents(payload: unknown, now: number): RecordedEvents {
  const body = parseOrThrow(GenericEvents, payload, "events");
  const out: RecordedEvents = { changes: [], deployments: [], incidents: [] };
  const latest = now + maxFutureMs;
  body.events.forEach((e, index) => {
    const times = {
      at: e.at,
      openedAt: "openedAt" in e ? e.openedAt : undefined,
    };
    for (const [field, value] of Object.entries(times)) {
      if (value !== undefined && Date.parse(value) > latest)
        throw new AppError(
          "INVALID_ARGUMENT",
          `events: field events.${index}.${field}: must not be more than a day in the future`,
        );
    }
    if (e.kind === "deployment") {
      out.deployments.push({
        project: e.project,
        deploymentId: e.id,
        type: e.status,
        at: Date.parse(e.at),
        environment: e.environment,
        commit: e.commit,
        release: e.release,
        shipped: e.shipped,
        rollbackOf: e.rollbackOf,
        hotfix: e.hotfix,
        fixes: e.fixes,
        source: "api",
      });
    } else {
      out.incidents.push({
        project: e.project,
        incidentId: e.id,
        type: e.status,
        at: Date.parse(e.at),
        openedAt: e.openedAt ? Date.parse(e.openedAt) : undefined,
        environment: e.environment,
        severity: e.severity,
        deploymentId: e.deploymentId,
        commit: e.commit,
        title: e.title,
        source: "api",
      });
    }
  });
  return out;
}
