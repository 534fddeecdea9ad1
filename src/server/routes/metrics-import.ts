import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import { storeGitHistory } from "../../metrics/index.js";
import type { GitHistory } from "../../metrics/index.js";
import { urlName } from "../params.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

/**
 * `sluice metrics import-git` through the server (issue 14). The client reads git and attributes
 * the commits (git runs from a process that holds no store: ADR 084) and sends the parsed
 * events; the server stores them as the import did in process. A large repository's history is
 * megabytes of JSON, hence the route's own body limit.
 */
const importBodyLimit = 256 * 1024 * 1024;

const Marker = z.object({
  rule: z.string(),
  tool: z.string(),
  field: z.enum([
    "author",
    "committer",
    "trailer",
    "subject",
    "body",
    "branch",
    "pr-body",
  ]),
  evidence: z.string(),
  model: z.string().optional(),
});

const Change = z.object({
  project: z.string(),
  id: z.string(),
  kind: z.enum(["commit", "pull_request"]),
  commits: z.array(z.string()),
  mergeCommit: z.string().optional(),
  branch: z.string().optional(),
  firstCommitAt: z.number(),
  openedAt: z.number().optional(),
  firstReviewAt: z.number().optional(),
  mergedAt: z.number().optional(),
  author: z.string().optional(),
  authorEmail: z.string().optional(),
  title: z.string().optional(),
  trailers: z.array(z.tuple([z.string(), z.string()])),
  cohort: z.enum(["ai-assisted", "unmarked"]),
  markers: z.array(Marker),
  source: z.string(),
});

const Deployment = z.object({
  project: z.string(),
  deploymentId: z.string(),
  type: z.enum(["started", "succeeded", "failed", "rolled_back"]),
  at: z.number(),
  environment: z.string().optional(),
  release: z.string().optional(),
  commit: z.string().optional(),
  shipped: z.array(z.string()).optional(),
  rollbackOf: z.string().optional(),
  hotfix: z.boolean().optional(),
  fixes: z.array(z.string()).optional(),
  source: z.string(),
});

const TagsSeen = z.object({
  count: z.number().int(),
  examples: z.array(z.string()),
  suggestion: z
    .object({ pattern: z.string(), matches: z.number().int() })
    .optional(),
});

const History = z
  .object({
    project: urlName,
    environment: urlName,
    commits: z.number().int().nonnegative(),
    mode: z.enum(["tags", "first-parent"]),
    tagsSeen: TagsSeen.optional(),
    events: z.object({
      changes: z.array(Change),
      deployments: z.array(Deployment),
      commitCount: z.number().int().nonnegative(),
    }),
  })
  .describe("a repository's history, read and attributed by the client");

const Imported = z.object({
  project: z.string(),
  commits: z.number().int(),
  changes: z.number().int(),
  deployments: z.number().int(),
  aiAssisted: z.number().int(),
  newChanges: z.number().int(),
  newDeployments: z.number().int(),
  replaced: z.number().int(),
  mode: z.enum(["tags", "first-parent"]),
  tagsSeen: TagsSeen.optional(),
});

export const metricsImportRoutes: RouteModule<"metrics"> = (base, deps) => {
  const server = base.withTypeProvider<ZodTypeProvider>();
  const metrics = deps.app.metrics;

  server.post(
    "/api/v1/metrics/import-git",
    {
      config: {
        auth: { kind: "role", role: "developer", project: "query" },
      },
      bodyLimit: importBodyLimit,
      schema: {
        summary:
          "store a repository's git history as changes and deployments (`sluice metrics import-git`); an earlier git import of the project that counted deployments otherwise is replaced",
        querystring: z.object({ project: urlName }),
        body: History,
        response: { 200: Imported },
      },
    },
    async ({ query, body }) => {
      const history = body as GitHistory;
      const others = [
        ...history.events.changes,
        ...history.events.deployments,
      ].some((event) => event.project !== query.project);
      if (history.project !== query.project || others)
        throw new AppError(
          "INVALID_ARGUMENT",
          `every event must be of project ${query.project} (?project=)`,
        );
      return storeGitHistory(history, {
        appendChanges: metrics.recordChanges,
        appendDeploymentEvents: metrics.recordDeploymentEvents,
        listDeploymentIds: metrics.listDeploymentIds,
        removeDeployments: metrics.removeDeployments,
      });
    },
  );
};
