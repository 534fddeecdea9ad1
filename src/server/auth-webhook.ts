import type { FastifyRequest } from "fastify";
import { AppError } from "../kernel/index.js";
import {
  verifyGithubSignature,
  verifyPagerDutySignature,
} from "../metrics/index.js";
import type { App } from "../app.js";
import { parseJsonBody } from "./json-body.js";

/** The signed webhooks sluice accepts; each is checked with its own secret and header. */
export type WebhookSource = "github" | "pagerduty";

/**
 * A webhook route's own preValidation hook (route-auth.ts adds it to `webhook` routes): the
 * signature of `source` over the raw body, then the parse. Only a verified body is parsed; a
 * refusal goes through `refuse`, which counts it against the address.
 */
export function checkSignature(
  source: WebhookSource,
  secrets: App["metricsWebhooks"],
  refuse: (request: FastifyRequest, error: AppError) => never,
) {
  return async (request: FastifyRequest): Promise<void> => {
    const raw = typeof request.body === "string" ? request.body : "";
    const ok =
      source === "github"
        ? verifyGithubSignature(
            secrets.githubSecret,
            raw,
            header(request, "x-hub-signature-256"),
          )
        : verifyPagerDutySignature(
            secrets.pagerDutySecret,
            raw,
            header(request, "x-pagerduty-signature"),
          );
    if (!ok) {
      const configured =
        source === "github" ? secrets.githubSecret : secrets.pagerDutySecret;
      refuse(
        request,
        new AppError(
          "UNAUTHENTICATED",
          configured
            ? `missing or wrong ${source === "github" ? "X-Hub-Signature-256" : "X-PagerDuty-Signature"}`
            : `${source} webhooks are off: no webhook secret is configured (${source === "github" ? "SLUICE_GITHUB_WEBHOOK_SECRET" : "SLUICE_PAGERDUTY_WEBHOOK_SECRET"})`,
        ),
      );
    }
    request.body = parseJsonBody(raw);
    request.principal = {
      kind: "webhook",
      actor: `webhook:${source}`,
      source,
    };
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
