import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { silentLogger } from "../../kernel/index.js";
import { buildServer } from "../app.js";
import { metricsRoutes } from "./metrics.js";

const examples = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as {
  name: string;
  examples: Record<string, unknown>[];
}[];
const example = (name: string) =>
  examples.find((e) => e.name === name)!.examples[0]!;
const incidentDir = fileURLToPath(
  new URL(
    "../../../../shared/conformance/dora/incident-payloads/",
    import.meta.url,
  ),
);
const secret = "It's a Secret to Everybody";
const sign = (body: string, key = secret) =>
  `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;

describe("metrics webhooks", () => {
  let app: App;
  let server: FastifyInstance;
  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-metrics-http-")),
      logger: silentLogger,
    });
    app.metricsWebhooks.githubSecret = secret;
    app.metricsWebhooks.pagerDutySecret = "pd-secret";
    server = await buildServer(
      { app, logger: silentLogger, adminToken: "admin-token" },
      { routes: [metricsRoutes] },
    );
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });
  const count = async () => {
    const { data } = await app.metrics.data();
    return (
      data.deployments.length + data.changes.length + data.incidents.length
    );
  };
  const github = (event: string, body: string, signature?: string) =>
    server.inject({
      method: "POST",
      url: "/api/v1/metrics/webhooks/github",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        ...(signature ? { "x-hub-signature-256": signature } : {}),
      },
      payload: body,
    });

  it.each([
    ["unsigned", undefined],
    ["wrongly signed", sign("{}", "another secret")],
    [
      "signed over other bytes",
      sign(JSON.stringify(example("deployment")) + " "),
    ],
  ])(
    "refuses an %s GitHub delivery with 401 and stores nothing",
    async (_name, signature) => {
      const before = await count();
      const body = JSON.stringify(example("deployment"));
      const response = await github("deployment", body, signature);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: "UNAUTHENTICATED" });
      expect(response.body).not.toContain(secret);
      expect(await count()).toBe(before);
    },
  );

  it("stores a signed deployment and its status once, however often delivered", async () => {
    const deployment = JSON.stringify(example("deployment"));
    const status = JSON.stringify(example("deployment_status"));
    expect(
      (await github("deployment", deployment, sign(deployment))).statusCode,
    ).toBe(202);
    const first = await github("deployment_status", status, sign(status));
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ new: { deployments: 1 } });
    const again = await github("deployment_status", status, sign(status));
    expect(again.json()).toMatchObject({ new: { deployments: 0 } });
    const { data } = await app.metrics.data("Hello-World");
    expect(data.deployments).toEqual([
      expect.objectContaining({
        id: "github:deployment:145988746",
        status: "success",
        environment: "production",
      }),
    ]);
  });

  it("answers a signed payload of the wrong shape with 400 naming the field", async () => {
    const bad = structuredClone(example("deployment_status"));
    delete (bad.deployment as Record<string, unknown>).sha;
    const body = JSON.stringify(bad);
    const response = await github("deployment_status", body, sign(body));
    expect(response.statusCode).toBe(400);
    expect(
      response.json().detail ?? response.json().title ?? response.body,
    ).toMatch(/deployment\.sha/);
  });

  it.skipIf(!existsSync(incidentDir))(
    "takes PagerDuty v3 deliveries only with a valid signature",
    async () => {
      const body = readFileSync(
        join(incidentDir, "pagerduty-v3-incident.triggered.json"),
        "utf8",
      );
      const post = (signature?: string) =>
        server.inject({
          method: "POST",
          url: "/api/v1/metrics/webhooks/pagerduty",
          headers: {
            "content-type": "application/json",
            ...(signature ? { "x-pagerduty-signature": signature } : {}),
          },
          payload: body,
        });
      expect((await post()).statusCode).toBe(401);
      const good = createHmac("sha256", "pd-secret").update(body).digest("hex");
      const response = await post(`v1=${"0".repeat(64)},v1=${good}`);
      expect(response.statusCode).toBe(202);
      // The project is the PagerDuty service named in the signed payload.
      const { data } = await app.metrics.data("Event_Catchall_ocean");
      expect(data.incidents.map((i) => i.id)).toEqual([
        "pagerduty:Q19Z7CCJDTBD40",
      ]);
    },
  );

  // Issue 10 item 5: the query string is outside the signature, so it cannot choose the project.
  const storedUnder = async (project: string) => {
    const { data } = await app.metrics.data(project);
    return (
      data.changes.length + data.deployments.length + data.incidents.length
    );
  };
  const replay = (url: string, payload: string, headers: object) =>
    server.inject({
      method: "POST",
      url,
      headers: { "content-type": "application/json", ...headers },
      payload,
    });

  it("files a signed GitHub push replayed with ?project=victim under its repository, never the victim", async () => {
    const push = JSON.stringify(
      examples
        .find((e) => e.name === "push")!
        .examples.find((e) => e.ref === "refs/heads/master"),
    );
    const response = await replay(
      "/api/v1/metrics/webhooks/github?project=victim",
      push,
      { "x-github-event": "push", "x-hub-signature-256": sign(push) },
    );
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ received: { changes: 1 } });
    expect(await storedUnder("victim")).toBe(0);
    expect(
      (await app.metrics.data("Hello-World")).data.changes.length,
    ).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(incidentDir))(
    "files a signed PagerDuty delivery replayed with ?project=victim under its service, never the victim",
    async () => {
      const pd = readFileSync(
        join(incidentDir, "pagerduty-v3-incident.resolved.json"),
        "utf8",
      );
      const response = await replay(
        "/api/v1/metrics/webhooks/pagerduty?project=victim",
        pd,
        {
          "x-pagerduty-signature": `v1=${createHmac("sha256", "pd-secret").update(pd).digest("hex")}`,
        },
      );
      expect(response.statusCode).toBe(202);
      expect(await storedUnder("victim")).toBe(0);
      expect(
        (await app.metrics.data("Event_Catchall_ocean")).data.incidents.length,
      ).toBeGreaterThan(0);
    },
  );

  it("checks the signature before parsing: a wrongly signed body that is not JSON is a 401, not a 400", async () => {
    const response = await github("push", "{not json", sign("{}"));
    expect(response.statusCode).toBe(401);
    const signed = await github("push", "{not json", sign("{not json"));
    expect(signed.statusCode).toBe(400);
    expect(signed.json()).toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it.skipIf(!existsSync(incidentDir))(
    "takes Alertmanager and generic events with a bearer token",
    async () => {
      const alert = readFileSync(
        join(
          incidentDir,
          "alertmanager-v4-firing.prometheus-msteams-readme-2018.json",
        ),
        "utf8",
      );
      const post = (url: string, payload: string, token?: string) =>
        server.inject({
          method: "POST",
          url,
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          payload,
        });
      expect(
        (await post("/api/v1/metrics/webhooks/alertmanager", alert)).statusCode,
      ).toBe(401);
      expect(
        (
          await post(
            "/api/v1/metrics/webhooks/alertmanager",
            alert,
            "admin-token",
          )
        ).statusCode,
      ).toBe(202);
      const events = JSON.stringify({
        events: [
          {
            kind: "deployment",
            project: "api",
            id: "d9",
            status: "succeeded",
            at: "2025-01-01T00:00:00Z",
            commit: "abcdef12",
          },
        ],
      });
      expect((await post("/api/v1/metrics/events", events)).statusCode).toBe(
        401,
      );
      expect(
        (await post("/api/v1/metrics/events", events, "admin-token"))
          .statusCode,
      ).toBe(202);
      const wrong = await post(
        "/api/v1/metrics/events",
        JSON.stringify({ events: [{ kind: "deployment" }] }),
        "admin-token",
      );
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toMatch(/events\.0\./);
    },
  );
});
