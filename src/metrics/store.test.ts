import { describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { createMetricsService } from "./index.js";
import type { ChangeRecord, DeploymentEvent } from "./index.js";
import { testDatabases } from "../../test/support/databases.js";
import { createMetricsStore } from "./store.js";

const t0 = Date.UTC(2025, 0, 1);
const h = (n: number) => t0 + n * 3_600_000;

const change = (
  id: string,
  at: number,
  extra: Partial<ChangeRecord> = {},
): ChangeRecord => ({
  project: "shop",
  id,
  kind: "commit",
  commits: [id],
  firstCommitAt: h(at),
  trailers: [["Co-authored-by", "Claude <noreply@anthropic.com>"]],
  cohort: "ai-assisted",
  markers: [
    {
      rule: "claude-code-coauthor",
      tool: "Claude Code",
      field: "trailer",
      evidence: "x",
    },
  ],
  source: "test",
  ...extra,
});

describe.each(testDatabases)("metrics store on $name", ({ open }) => {
  async function withService<T>(
    fn: (s: ReturnType<typeof createMetricsService>) => Promise<T>,
  ) {
    const database = await open();
    const clock = new ManualClock(h(48));
    try {
      return await fn(
        createMetricsService({
          store: createMetricsStore(database, { clock }),
          clock,
        }),
      );
    } finally {
      await database.close();
    }
  }

  it("stores each event once: the same event twice is one event", () =>
    withService(async (s) => {
      expect(await s.recordChanges([change("a", 0), change("b", 1)])).toBe(2);
      expect(await s.recordChanges([change("a", 0), change("c", 2)])).toBe(1);
      const deploy: DeploymentEvent = {
        project: "shop",
        deploymentId: "d1",
        type: "succeeded",
        at: h(3),
        environment: "production",
        commit: "c",
        shipped: ["a", "b", "c"],
        source: "test",
      };
      expect(await s.recordDeploymentEvents([deploy, deploy])).toBe(1);
      expect(await s.recordDeploymentEvents([deploy])).toBe(0);
      await s.events.incidentOpened({
        project: "shop",
        incidentId: "i1",
        at: h(4),
      });
      await s.events.incidentOpened({
        project: "shop",
        incidentId: "i1",
        at: h(4),
      });
      const { data } = await s.data("shop");
      expect(data.changes.map((c) => c.id).sort()).toEqual(["a", "b", "c"]);
      expect(data.deployments).toHaveLength(1);
      expect(data.incidents).toHaveLength(1);
    }));

  it("lists one source's deployments of a project and removes deployments with all their events", async () => {
    const database = await open();
    try {
      const store = createMetricsStore(database, {
        clock: new ManualClock(h(48)),
      });
      const event = (
        project: string,
        deploymentId: string,
        type: DeploymentEvent["type"],
        source: string,
      ): DeploymentEvent => ({
        project,
        deploymentId,
        type,
        at: h(1),
        environment: "production",
        commit: "abc",
        source,
      });
      await store.appendDeploymentEvents([
        event("shop", "git:a", "succeeded", "git"),
        event("shop", "git:tag:v1", "succeeded", "git"),
        event("shop", "s1", "started", "sluice"),
        event("shop", "s1", "succeeded", "sluice"),
        event("other", "git:a", "succeeded", "git"),
      ]);
      const ids = await store.listDeploymentIds({
        project: "shop",
        source: "git",
      });
      expect(ids.map((d) => d.id).sort()).toEqual(["git:a", "git:tag:v1"]);
      expect(ids[0]!.environment).toBe("production");
      expect(
        await store.removeDeployments("shop", ["git:a", "s1", "nope"]),
      ).toBe(2);
      expect(await store.removeDeployments("shop", [])).toBe(0);
      const left = await store.load();
      expect(
        left.deployments
          .map((d) => `${d.project}/${d.deploymentId}/${d.type}`)
          .sort(),
      ).toEqual(["other/git:a/succeeded", "shop/git:tag:v1/succeeded"]);
    } finally {
      await database.close();
    }
  });

  it("round-trips every field", () =>
    withService(async (s) => {
      const pr = change("pr:shop#7", 0, {
        kind: "pull_request",
        commits: ["k1", "k2"],
        mergeCommit: "m7",
        branch: "codex/fix",
        openedAt: h(1),
        firstReviewAt: h(2),
        mergedAt: h(3),
        author: "Ada",
        authorEmail: "ada@example.com",
        title: "Fix it",
      });
      await s.recordChanges([pr]);
      const { data } = await s.data();
      expect(data.changes[0]).toMatchObject({
        id: "pr:shop#7",
        kind: "pull_request",
        commits: ["k1", "k2"],
        mergeCommit: "m7",
        firstCommitAt: h(0),
        openedAt: h(1),
        firstReviewAt: h(2),
        mergedAt: h(3),
        cohort: "ai-assisted",
        markers: pr.markers,
      });
    }));

  it("keeps awkward text intact: tabs, newlines, backslashes, \\N, quotes, non-ASCII", async () => {
    const database = await open();
    try {
      const store = createMetricsStore(database, {
        clock: new ManualClock(h(48)),
      });
      const odd =
        'tab\there\nnew line\r\\N \\. back\\slash "quoted" ünïcødé 🚀';
      const c = change("odd", 0, {
        title: odd,
        author: odd,
        trailers: [["Assisted-by", odd]],
        markers: [{ rule: "r", tool: "T", field: "trailer", evidence: odd }],
      });
      const d: DeploymentEvent = {
        project: "shop",
        deploymentId: odd,
        type: "succeeded",
        at: h(2),
        environment: "production",
        release: odd,
        commit: "odd",
        shipped: ["odd"],
        hotfix: false,
        fixes: [odd],
        source: "test",
      };
      expect(await store.appendChanges([c])).toBe(1);
      expect(await store.appendDeploymentEvents([d])).toBe(1);
      const loaded = await store.load({ project: "shop" });
      expect(loaded.changes).toEqual([c]);
      expect(loaded.deployments).toEqual([d]);
    } finally {
      await database.close();
    }
  });

  it("stores times before 2000, after 2038 and beyond 2285, cutting a fraction of a millisecond as Date does", async () => {
    const database = await open();
    try {
      const store = createMetricsStore(database, {
        clock: new ManualClock(h(48)),
      });
      const times = [
        0, -1, 946_684_799_999, 946_684_800_000, 2_147_483_648_001,
        9_999_999_999_999, 253_402_300_799_999, 1_735_689_600_000.9, -0.5,
      ];
      const changes = times.map((at, i) =>
        change(`t${i}`, 0, { firstCommitAt: at }),
      );
      expect(await store.appendChanges(changes)).toBe(times.length);
      const loaded = await store.load({ project: "shop" });
      const byId = new Map(loaded.changes.map((c) => [c.id, c.firstCommitAt]));
      expect(times.map((_, i) => byId.get(`t${i}`))).toEqual(
        times.map((at) => new Date(at).getTime()),
      );
      await expect(
        store.appendChanges([change("nan", 0, { firstCommitAt: Number.NaN })]),
      ).rejects.toThrow(RangeError);
    } finally {
      await database.close();
    }
  });

  it("appends a large batch that partly overlaps what is stored, with duplicates inside it", () =>
    withService(async (s) => {
      const ids = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) => change(`c${from + i}`, i));
      expect(await s.recordChanges(ids(0, 3_000))).toBe(3_000);
      // 2,000 stored already, 4,000 new, and the first 100 new ones twice.
      const batch = [...ids(1_000, 7_000), ...ids(3_000, 3_100)];
      expect(await s.recordChanges(batch)).toBe(4_000);
      expect(await s.recordChanges(batch)).toBe(0);
      const { data } = await s.data("shop");
      expect(data.changes).toHaveLength(7_000);
    }));

  it("folds deployment events by event time, whatever order they arrive in", () =>
    withService(async (s) => {
      // The rollback arrives first, then success, then start.
      await s.events.deploymentRolledBack({
        project: "shop",
        deploymentId: "d1",
        at: h(5),
      });
      await s.events.deploymentSucceeded({
        project: "shop",
        deploymentId: "d1",
        at: h(2),
      });
      await s.events.deploymentStarted({
        project: "shop",
        deploymentId: "d1",
        at: h(1),
        environment: "production",
        commit: "abc",
        release: "v1",
      });
      const { data } = await s.data("shop");
      expect(data.deployments).toEqual([
        expect.objectContaining({
          id: "d1",
          status: "rolled_back",
          startedAt: h(1),
          finishedAt: h(5),
          commit: "abc",
          release: "v1",
          environment: "production",
        }),
      ]);
    }));

  it("computes a report from stored events and flags an incident resolved before it opened", () =>
    withService(async (s) => {
      await s.recordChanges([change("a", 0)]);
      await s.events.deploymentSucceeded({
        project: "shop",
        deploymentId: "d1",
        environment: "production",
        commit: "a",
        at: h(10),
      });
      await s.events.incidentOpened({
        project: "shop",
        incidentId: "bad",
        at: h(12),
      });
      await s.events.incidentResolved({
        project: "shop",
        incidentId: "bad",
        at: h(11),
      });
      await s.events.incidentResolved({
        project: "shop",
        incidentId: "orphan",
        at: h(11),
      });
      const report = await s.report({
        project: "shop",
        windowMs: 48 * 3_600_000,
      });
      expect(report.figures.leadTime.value).toBe(10 * 3600);
      expect(report.figures.changeFailRate.value).toBe(0);
      expect(report.rejected.map((r) => [r.id, r.reason]).sort()).toEqual([
        ["bad", "resolved before it opened"],
        ["orphan", "no opening time recorded"],
      ]);
    }));

  it("records the change of a sluice run with its cohort", () =>
    withService(async (s) => {
      const n = await s.recordRun({
        project: "shop",
        commit: "r1",
        author: "Ada",
        authorEmail: "ada@example.com",
        message: "Fix\n\nCo-authored-by: Codex <noreply@openai.com>",
        trailers: { "Co-authored-by": ["Codex <noreply@openai.com>"] },
        createdAt: h(1),
      });
      expect(n).toBe(1);
      const { data } = await s.data("shop");
      expect(data.changes[0]).toMatchObject({
        id: "r1",
        cohort: "ai-assisted",
      });
    }));
});
