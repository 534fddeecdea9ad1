import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createDetector } from "../attribution/detect.js";
import { genericEvents } from "./generic.js";
import { githubEvents } from "./github.js";
import { alertmanagerEvents, pagerDutyEvents } from "./incidents.js";
import { verifyGithubSignature, verifyPagerDutySignature } from "./verify.js";

const examples = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as {
  name: string;
  examples: Record<string, unknown>[];
}[];
const of = (name: string) => examples.find((e) => e.name === name)!.examples;
const detector = createDetector();
const incidentDir = fileURLToPath(
  new URL(
    "../../../../shared/conformance/dora/incident-payloads/",
    import.meta.url,
  ),
);

describe("webhook signatures", () => {
  it("matches GitHub's documented test vector", () => {
    const header =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(
      verifyGithubSignature(
        "It's a Secret to Everybody",
        "Hello, World!",
        header,
      ),
    ).toBe(true);
  });
  it.each([
    ["a wrong signature", "sha256=" + "0".repeat(64)],
    ["a truncated signature", "sha256=757107ea"],
    [
      "the SHA-1 header format",
      "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
    ],
    ["no signature", undefined],
  ])("refuses %s", (_name, header) => {
    expect(
      verifyGithubSignature(
        "It's a Secret to Everybody",
        "Hello, World!",
        header,
      ),
    ).toBe(false);
  });
  it("refuses everything when no secret is configured", () => {
    const header =
      "sha256=" + createHmac("sha256", "").update("x").digest("hex");
    expect(verifyGithubSignature(undefined, "x", header)).toBe(false);
  });
  it("accepts any of PagerDuty's rotated v1 signatures", () => {
    const good = createHmac("sha256", "pd-secret").update("{}").digest("hex");
    expect(
      verifyPagerDutySignature(
        "pd-secret",
        "{}",
        `v1=${"a".repeat(64)}, v1=${good}`,
      ),
    ).toBe(true);
    expect(
      verifyPagerDutySignature("pd-secret", "{}", `v1=${"a".repeat(64)}`),
    ).toBe(false);
  });
});

describe("GitHub webhooks (@octokit/webhooks-examples)", () => {
  it.each([
    "push",
    "pull_request",
    "deployment",
    "deployment_status",
    "workflow_run",
    "release",
  ])("accepts the shape of every %s example", (name) => {
    for (const payload of of(name))
      expect(() => githubEvents(name, payload, detector)).not.toThrow();
  });

  it("deployment created → started; deployment_status success → succeeded, same deployment id", () => {
    const started = githubEvents(
      "deployment",
      of("deployment")[0],
      detector,
    ).deployments;
    const status = githubEvents(
      "deployment_status",
      of("deployment_status")[0],
      detector,
    ).deployments;
    expect(started[0]).toMatchObject({
      project: "Hello-World",
      deploymentId: "github:deployment:145988746",
      type: "started",
      environment: "production",
      commit: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
    });
    expect(status[0]).toMatchObject({
      deploymentId: "github:deployment:145988746",
      type: "succeeded",
    });
  });

  it("a published release is a deployment; tag pushes, unmerged PRs and non-deploy workflows are not", () => {
    const published = of("release").filter((p) => p.action === "published");
    expect(
      published.flatMap(
        (p) => githubEvents("release", p, detector).deployments,
      ),
    ).toHaveLength(
      published.filter(
        (p) => !(p.release as { prerelease?: boolean }).prerelease,
      ).length,
    );
    expect(
      of("push").flatMap((p) => githubEvents("push", p, detector).changes)
        .length,
    ).toBe(
      of("push")
        .filter((p) => String(p.ref).startsWith("refs/heads/"))
        .reduce((n, p) => n + (p.commits as unknown[]).length, 0),
    );
    expect(
      of("pull_request").flatMap(
        (p) => githubEvents("pull_request", p, detector).changes,
      ),
    ).toEqual([]);
    expect(
      of("workflow_run").flatMap(
        (p) => githubEvents("workflow_run", p, detector).deployments,
      ),
    ).toEqual([]);
  });

  it("a merged pull request is a change, attributed by branch and body", () => {
    const closed = structuredClone(
      of("pull_request").find((p) => p.action === "closed")!,
    );
    const pr = closed.pull_request as Record<string, unknown>;
    Object.assign(pr, {
      merged: true,
      merged_at: "2019-05-15T16:00:00Z",
      merge_commit_sha: "abc1234def",
    });
    (pr.head as Record<string, unknown>).ref = "codex/fix-login";
    const [change] = githubEvents("pull_request", closed, detector).changes;
    expect(change).toMatchObject({
      kind: "pull_request",
      mergeCommit: "abc1234def",
      cohort: "ai-assisted",
    });
    expect(change!.id).toMatch(/^pr:Codertocat\/Hello-World#\d+$/);
  });

  it("push commits carry their trailers and cohort", () => {
    const push = structuredClone(
      of("push").find((p) => String(p.ref).startsWith("refs/heads/"))!,
    );
    const commit = (push.commits as Record<string, unknown>[])[0]!;
    commit.message =
      "Fix\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>";
    const [change] = githubEvents("push", push, detector).changes;
    expect(change).toMatchObject({ cohort: "ai-assisted", branch: "master" });
  });

  it("names the field of a payload of the wrong shape", () => {
    const bad = structuredClone(of("deployment_status")[0]!);
    delete (bad.deployment as Record<string, unknown>).sha;
    expect(() => githubEvents("deployment_status", bad, detector)).toThrow(
      /field deployment\.sha/,
    );
  });
});

describe.skipIf(!existsSync(incidentDir))(
  "incident webhooks (conformance payloads)",
  () => {
    const read = (f: string) =>
      JSON.parse(readFileSync(incidentDir + f, "utf8"));

    it("Alertmanager v4 (2018 body without fingerprint): one opened incident, keyed by its labels", () => {
      const events = alertmanagerEvents(
        read("alertmanager-v4-firing.prometheus-msteams-readme-2018.json"),
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        project: "docker_nodes",
        type: "opened",
        severity: "warning",
        at: Date.parse("2018-03-07T06:33:21.873077559-05:00"),
        title: "Server High Memory usage",
        source: "alertmanager",
      });
    });

    it("Alertmanager resolution of the same alert resolves the same incident", () => {
      const body = read(
        "alertmanager-v4-firing.prometheus-msteams-readme-2018.json",
      );
      const opened = alertmanagerEvents(body)[0]!;
      body.status = "resolved";
      body.alerts[0].endsAt = "2018-03-07T07:03:21Z";
      const resolved = alertmanagerEvents(body)[0]!;
      expect(resolved).toMatchObject({
        incidentId: opened.incidentId,
        type: "resolved",
        at: Date.parse("2018-03-07T07:03:21Z"),
      });
    });

    it("PagerDuty v3 triggered and resolved", () => {
      expect(
        pagerDutyEvents(read("pagerduty-v3-incident.triggered.json")),
      ).toEqual([
        expect.objectContaining({
          incidentId: "pagerduty:Q19Z7CCJDTBD40",
          type: "opened",
          at: Date.parse("2025-08-02T15:45:53.839Z"),
          project: "Event_Catchall_ocean",
          severity: "high",
        }),
      ]);
      expect(
        pagerDutyEvents(read("pagerduty-v3-incident.resolved.json")),
      ).toEqual([
        expect.objectContaining({
          incidentId: "pagerduty:QEXAMPLE1",
          type: "resolved",
          openedAt: Date.parse("2025-02-12T10:15:08Z"),
        }),
      ]);
    });

    it("names the field of a wrong Alertmanager body", () => {
      expect(() =>
        alertmanagerEvents({ status: "firing", alerts: [{ labels: {} }] }),
      ).toThrow(/field alerts\.0\.startsAt/);
    });
  },
);

describe("generic events endpoint body", () => {
  it("maps deployment and incident events", () => {
    const out = genericEvents(
      {
        events: [
          {
            kind: "deployment",
            project: "shop",
            id: "d1",
            status: "succeeded",
            at: "2025-01-01T10:00:00Z",
            commit: "abcdef1",
          },
          {
            kind: "incident",
            project: "shop",
            id: "i1",
            status: "opened",
            at: "2025-01-01T11:00:00Z",
            deploymentId: "d1",
          },
        ],
      },
      Date.parse("2025-01-02T00:00:00Z"),
    );
    expect(out.deployments[0]).toMatchObject({
      deploymentId: "d1",
      type: "succeeded",
      at: Date.parse("2025-01-01T10:00:00Z"),
    });
    expect(out.incidents[0]).toMatchObject({
      incidentId: "i1",
      deploymentId: "d1",
    });
  });
  it.each([
    [
      {
        events: [
          {
            kind: "deployment",
            project: "shop",
            id: "d1",
            status: "done",
            at: "2025-01-01T10:00:00Z",
          },
        ],
      },
      /field events\.0\.status/,
    ],
    [
      {
        events: [
          {
            kind: "incident",
            project: "shop",
            id: "i1",
            status: "opened",
            at: "yesterday",
          },
        ],
      },
      /field events\.0\.at/,
    ],
    [{ events: [] }, /field events/],
    [{ nope: 1 }, /field/],
  ])("refuses %j naming the field", (body, re) => {
    expect(() =>
      genericEvents(body, Date.parse("2026-01-01T00:00:00Z")),
    ).toThrow(re);
  });

  // Issue 10 item 8: year 0 and 9999 and control characters in names were stored.
  const now = Date.parse("2026-01-01T00:00:00Z");
  const event = (fields: Record<string, unknown>) => ({
    events: [
      {
        kind: "incident",
        project: "shop",
        id: "i1",
        status: "opened",
        at: "2025-12-31T10:00:00Z",
        ...fields,
      },
    ],
  });
  it.each([
    [
      { at: "0000-01-01T00:00:00Z" },
      /events\.0\.at: must be a time from 1970 on/,
    ],
    [{ at: "1969-12-31T23:59:59Z" }, /events\.0\.at/],
    [
      { at: "9999-12-31T00:00:00Z" },
      /events\.0\.at: must not be more than a day/,
    ],
    [{ openedAt: "2026-01-03T00:00:00Z" }, /events\.0\.openedAt/],
    [{ project: "sh\u0000op" }, /events\.0\.project: must not contain control/],
    [{ project: "shop\nprod" }, /events\.0\.project/],
    [{ environment: "prod\u0007" }, /events\.0\.environment/],
  ])("refuses %j", (fields, re) => {
    expect(() => genericEvents(event(fields), now)).toThrow(re);
  });
  it("takes an event up to a day ahead of the receiver's clock (clock skew)", () => {
    expect(
      genericEvents(event({ at: "2026-01-01T23:00:00Z" }), now).incidents,
    ).toHaveLength(1);
  });
});
