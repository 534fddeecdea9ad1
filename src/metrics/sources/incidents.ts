import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import type { IncidentEvent } from "../events.js";
import { checkName, isoMs, parseOrThrow, timeText } from "./parse.js";

const Labels = z.record(z.string(), z.string());

/** Alertmanager webhook v4 (older bodies lack per-alert status, fingerprint and generatorURL). */
const Alertmanager = z.object({
  version: z.string().optional(),
  status: z.enum(["firing", "resolved"]),
  groupKey: z.string().optional(),
  commonLabels: Labels.optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(["firing", "resolved"]).optional(),
        labels: Labels,
        annotations: Labels.optional(),
        startsAt: z.string().min(1),
        endsAt: z.string().optional(),
        fingerprint: z.string().optional(),
      }),
    )
    .min(1),
});

/**
 * One incident event per alert of an Alertmanager POST, keyed by the alert's fingerprint (or a
 * hash of its labels when an older Alertmanager sends none). Project: `project`, else the labels
 * `service`, `app` or `job`.
 */
export function alertmanagerEvents(
  payload: unknown,
  project?: string,
): IncidentEvent[] {
  const p = parseOrThrow(Alertmanager, payload, "alertmanager");
  return p.alerts.map((a) => {
    const labels = { ...p.commonLabels, ...a.labels };
    const status = a.status ?? p.status;
    const key = a.fingerprint ?? labelHash(a.labels);
    const startsAt = isoMs(a.startsAt);
    if (startsAt === undefined) {
      throw new AppError(
        "INVALID_ARGUMENT",
        "alertmanager: field alerts.startsAt: not a time",
      );
    }
    const endsAt = isoMs(a.endsAt);
    return {
      project: checkName(
        project ?? labels.service ?? labels.app ?? labels.job ?? "unknown",
        "alertmanager: project (the service, app or job label)",
      ),
      incidentId: `alertmanager:${key}:${startsAt}`,
      type: status === "resolved" ? "resolved" : "opened",
      at: status === "resolved" ? (endsAt ?? startsAt) : startsAt,
      openedAt: startsAt,
      environment: labels.environment ?? labels.env,
      severity: labels.severity,
      title: a.annotations?.summary ?? labels.alertname,
      source: "alertmanager",
    } satisfies IncidentEvent;
  });
}

function labelHash(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
  return createHash("sha256").update(sorted).digest("hex").slice(0, 16);
}

/** PagerDuty v3 webhook: only incident.triggered and incident.resolved matter. */
const PagerDuty = z.object({
  event: z.object({
    id: z.string(),
    event_type: z.string(),
    resource_type: z.string(),
    occurred_at: timeText,
    data: z.object({
      id: z.string(),
      title: z.string().nullish(),
      created_at: z.string().nullish(),
      urgency: z.string().nullish(),
      priority: z.object({ summary: z.string().nullish() }).nullish(),
      service: z.object({ summary: z.string().nullish() }).nullish(),
    }),
  }),
});

/**
 * The incident events of one PagerDuty delivery. The project is the PagerDuty service's name,
 * from the signed payload: nothing outside the signature may file it under another project.
 */
export function pagerDutyEvents(payload: unknown): IncidentEvent[] {
  const p = parseOrThrow(PagerDuty, payload, "pagerduty");
  const e = p.event;
  const type =
    e.event_type === "incident.triggered"
      ? "opened"
      : e.event_type === "incident.resolved"
        ? "resolved"
        : undefined;
  if (!type || e.resource_type !== "incident") return [];
  const at = isoMs(e.occurred_at)!;
  return [
    {
      project: checkName(
        e.data.service?.summary ?? "unknown",
        "pagerduty: field event.data.service.summary",
      ),
      incidentId: `pagerduty:${e.data.id}`,
      type,
      at,
      openedAt:
        isoMs(e.data.created_at) ?? (type === "opened" ? at : undefined),
      severity: e.data.priority?.summary ?? e.data.urgency ?? undefined,
      title: e.data.title ?? undefined,
      source: "pagerduty",
    },
  ];
}
