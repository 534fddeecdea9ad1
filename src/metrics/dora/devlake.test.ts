import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Change, Deployment, Incident } from "../model.js";
import { prStages } from "./figures.js";
import { link, liveAt } from "./link.js";
import { describeWithShared } from "../../../test/support/shared.js";

// DevLake's DORA e2e fixtures (apache/incubator-devlake @ 420e494, backend/plugins/dora/e2e), read in
// place. Where our definitions agree with DevLake's we reproduce its expected values; where they
// differ on purpose (docs/adr/082-devlake-differences.md) the test asserts our value and says why.
const dir = fileURLToPath(
  new URL(
    "../../../../shared/conformance/dora/devlake-dora-e2e/",
    import.meta.url,
  ),
);

function csv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(dir + path, "utf8")
    .trim()
    .split(/\r?\n/);
  const cols = header!.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ""]));
  });
}

/** DevLake's dates: `2023-04-10T06:51:47.000+00:00` or `2023-4-10 6:51:47`, all UTC. */
function time(s: string): number | undefined {
  if (!s) return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})/.exec(s);
  if (!m) throw new Error(`unparsed date ${s}`);
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, se!);
}

/** DevLake stores minutes rounded up. */
const minutes = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : Math.ceil(ms / 60_000);

const projectOfScope = (mapping: Record<string, string>[]) =>
  new Map(mapping.map((m) => [`${m.table}:${m.row_id}`, m.project_name]));

function deploymentsFrom(
  rows: Record<string, string>[],
  scopes: Map<string, string | undefined>,
  diffs?: Record<string, string>[],
) {
  const out: (Deployment & { pipeline: string })[] = [];
  for (const r of rows) {
    const project = scopes.get(`cicd_scopes:${r.cicd_scope_id}`);
    if (!project) continue;
    out.push({
      id: r.id!,
      pipeline: r.cicd_deployment_id!,
      project,
      environment:
        r.environment === "PRODUCTION"
          ? "production"
          : (r.environment || "unknown").toLowerCase(),
      commit: r.commit_sha!,
      ...(diffs
        ? {
            shipped: [
              r.commit_sha!,
              ...diffs
                .filter((d) => d.new_commit_sha === r.commit_sha)
                .map((d) => d.commit_sha!),
            ],
          }
        : {}),
      status: r.result === "SUCCESS" ? "success" : "failed",
      startedAt: time(r.started_date!)!,
      finishedAt: time(r.finished_date!)!,
    });
  }
  return out;
}

describeWithShared(dir)("DevLake DORA fixtures", () => {
  describe("change_lead_time → project_pr_metrics", () => {
    const base = "change_lead_time/";
    const scopes = projectOfScope(csv(`${base}project_mapping.csv`));
    const prs = csv(`${base}pull_requests.csv`).filter((p) => p.merged_date);
    const commits = csv(`${base}pull_request_commits.csv`);
    const comments = csv(`${base}pull_request_comments.csv`);
    const changes: Change[] = prs.map((p) => {
      const own = commits.filter((c) => c.pull_request_id === p.id);
      const reviews = comments
        .filter(
          (c) => c.pull_request_id === p.id && c.account_id !== p.author_id,
        )
        .map((c) => time(c.created_date!)!);
      return {
        id: p.id!,
        project: "project1",
        kind: "pull_request",
        commits: own.map((c) => c.commit_sha!),
        mergeCommit: p.merge_commit_sha,
        firstCommitAt: Math.min(
          ...own.map((c) => time(c.commit_authored_date!)!),
        ),
        openedAt: time(p.created_date!),
        firstReviewAt: reviews.length ? Math.min(...reviews) : undefined,
        mergedAt: time(p.merged_date!),
        cohort: "unmarked",
        markers: [],
      };
    });
    const deployments = deploymentsFrom(
      csv(`${base}cicd_deployment_commits.csv`),
      scopes,
      csv(`${base}commits_diffs.csv`),
    );
    const linked = link(
      { changes, deployments, incidents: [] },
      { project: "project1", environment: "production", incidentWindowMs: 0 },
    );
    const expected = new Map(
      csv(`${base}project_pr_metrics.csv`).map((r) => [r.id, r]),
    );
    const num = (s: string | undefined) => (s ? Number(s) : null);

    it("has a row for every merged PR and none for the unmerged pr6", () => {
      expect(changes.map((c) => c.id).sort()).toEqual(
        [...expected.keys()].sort(),
      );
    });

    it.each(["pr0", "pr1", "pr2", "pr3", "pr4", "pr5"])(
      "%s: coding, pickup and review stages agree with DevLake",
      (id) => {
        const change = changes.find((c) => c.id === id)!;
        const d = linked.firstDeployment.get(changes.find((c) => c.id === id)!);
        const s = prStages(change, d ? liveAt(d) : undefined);
        const e = expected.get(id)!;
        expect([
          minutes(s.coding),
          minutes(s.pickup),
          minutes(s.review),
        ]).toEqual([
          num(e.pr_coding_time),
          num(e.pr_pickup_time),
          num(e.pr_review_time),
        ]);
      },
    );

    // Deployment: the earliest successful production deployment whose diff holds the PR's merge commit.
    const deployedBy = (id: string) =>
      linked.firstDeployment.get(changes.find((c) => c.id === id)!);
    const stage = (id: string) => {
      const d = deployedBy(id);
      return prStages(
        changes.find((c) => c.id === id)!,
        d ? liveAt(d) : undefined,
      );
    };
    const leadMinutes = (id: string) => {
      const d = deployedBy(id);
      return d
        ? minutes(liveAt(d) - changes.find((c) => c.id === id)!.firstCommitAt)
        : null;
    };

    it("pr1: deployed by deployment 5; deploy 2978 and cycle 4478 minutes, as DevLake", () => {
      expect(deployedBy("pr1")?.id).toBe("5");
      expect(minutes(stage("pr1").deploy)).toBe(2978);
      expect(leadMinutes("pr1")).toBe(4478); // first commit → deployed equals DevLake's cycle here
    });

    it("pr2: deploy 1538 as DevLake; lead time 158, not DevLake's 1598 (first commit after the PR opened)", () => {
      expect(deployedBy("pr2")?.id).toBe("5");
      expect(minutes(stage("pr2").deploy)).toBe(1538);
      // DevLake sums coding (null → 0) + created→merged (60) + deploy (1538). We measure from the
      // first commit (04-13 04:51:47) to the deployment (04-13 07:29:14): 157.45 → 158 minutes.
      expect(leadMinutes("pr2")).toBe(158);
    });

    it("pr3: merged after deployment 6 finished, deploy stage null as DevLake; lead time 8799, not 10203", () => {
      expect(deployedBy("pr3")?.id).toBe("6");
      expect(stage("pr3").deploy).toBeNull();
      // DevLake's cycle adds created→merged, which runs past the deployment. We stop at the deployment.
      expect(leadMinutes("pr3")).toBe(8799);
    });

    it("pr4 (staging only) and pr5 (failed deployment) never reached production: no deploy, no lead time", () => {
      for (const id of ["pr4", "pr5"]) {
        expect(deployedBy(id)).toBeUndefined();
        expect(expected.get(id)!.pr_deploy_time).toBe("");
        // DevLake still reports a cycle time (11764, 13204) for them; an undeployed change has no lead time here.
        expect(leadMinutes(id)).toBeNull();
      }
    });

    it("pr0: the first deployment ships its diff here; DevLake gives the first deployment of a scope no changes", () => {
      expect(expected.get("pr0")!.deployment_commit_id).toBe("");
      expect(deployedBy("pr0")?.id).toBe("1");
      expect(minutes(stage("pr0").deploy)).toBe(
        minutes(
          time("2023-04-10T06:52:47.000+00:00")! - time("2022-2-10 4:51:47")!,
        ),
      );
    });
  });

  describe("connect_incident_to_deployment → project_incident_deployment_relationships", () => {
    const base = "connect_incident_to_deployment/";
    const mapping = csv(`${base}raw_tables/project_mapping.csv`);
    const scopes = projectOfScope(mapping);
    const deployments = deploymentsFrom(
      csv(
        `${base}prev_success_deployment_commit/cicd_deployment_commits_after.csv`,
      ),
      scopes,
    );
    const incidents: Incident[] = [];
    for (const r of csv(`${base}raw_tables/incidents.csv`)) {
      const project = scopes.get(`${r.table}:${r.scope_id}`);
      if (!project) continue; // not mapped to a project: DevLake drops it too
      incidents.push({
        id: r.id!,
        project,
        openedAt: time(r.created_date!)!,
        source: "devlake",
      });
    }
    const expected = csv(
      `${base}snapshot_tables/project_incident_deployment_relationships.csv`,
    )
      .map((r) => [r.id, r.project_name, r.deployment_id])
      .sort();
    const relationships = (windowMs: number) => {
      const out: (string | undefined)[][] = [];
      for (const project of ["project1", "project2"]) {
        const linked = link(
          { changes: [], deployments, incidents },
          { project, environment: "production", incidentWindowMs: windowMs },
        );
        for (const f of linked.failures.values()) {
          const pipeline = (f.deployment as Deployment & { pipeline: string })
            .pipeline;
          for (const i of f.incidents) out.push([i.id, project, pipeline]);
        }
      }
      return out.sort();
    };

    it("with no window, reproduces DevLake's links (latest successful production deployment before)", () => {
      expect(relationships(Number.POSITIVE_INFINITY)).toEqual(expected);
    });

    it("with our default 24 h window, incidents two months after the last deployment stay unattributed", () => {
      // Only the board1 incident (19 h after deployment row 3 of pipeline2) is within the window.
      expect(relationships(24 * 3_600_000)).toEqual([
        ["github:GithubIssue:1:1373792478", "project1", "pipeline2"],
      ]);
    });
  });
});
