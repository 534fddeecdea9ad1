// The evidence of a deployment (issue 12): SLSA Provenance v1 whose subjects are the release (the
// sha256 of its manifest) and the commit, with the run's checks and results, and the run's gate
// decision and the people's answers linked by the hashes of their records in the same log.
import { createHash } from "node:crypto";
import type { Clock } from "../kernel/index.js";
import {
  gateAnswerType,
  lineHash,
  provenanceStatement,
  vsaType,
} from "./evidence/index.js";
import { pick } from "./evidence/statement.js";
import type {
  BuildStep,
  LinkedRecord,
  ReadRecord,
  Statement,
} from "./evidence/index.js";

/** The run that built a release, as the evidence reads it. */
interface DeployedRun {
  id: string;
  createdAt: Date;
  startedAt: Date | null;
  jobs: {
    key: string;
    status: string;
    steps: { name: string; status: string }[];
  }[];
}

/** A deployment as the deploy capability records it (structural: no import of deploy). */
export interface DeploymentFacts {
  deployment: {
    id: string;
    project: string;
    environment: string;
  };
  release: {
    version: string;
    command: string;
    env: Record<string, string>;
    health: string;
    port?: number;
    commit?: string | undefined;
  };
  runId?: string | undefined;
}

export interface DeploymentEvidenceDeps {
  runs: { getRun(id: string): Promise<DeployedRun> };
  /** The home's evidence log (opened on first use: it loads the key). */
  evidence(): {
    record(build: (records: ReadRecord[]) => Statement): Promise<unknown>;
  };
  clock: Pick<Clock, "now">;
  builderVersion: string;
}

/** Job and step states that are not results yet. */
const unfinished = new Set(["pending", "running", "queued"]);

/**
 * What a release is, as its digest covers it: the project, its name, the commit, how it runs.
 * Values of its environment are given by their sha256 (they may be credentials); keys in a fixed
 * order, so `sha256(JSON.stringify(manifest))` is the subject's digest.
 */
function releaseManifest(facts: DeploymentFacts): Record<string, unknown> {
  const { release } = facts;
  const sha = (value: string) =>
    createHash("sha256").update(value, "utf8").digest("hex");
  return {
    project: facts.deployment.project,
    name: release.version,
    commit: release.commit ?? null,
    command: release.command,
    env: Object.fromEntries(
      Object.keys(release.env)
        .sort()
        .map((key) => [key, `sha256:${sha(release.env[key]!)}`]),
    ),
    health: release.health,
    port: release.port ?? null,
  };
}

/** The run's gate decision (its latest) and the answers to it, as links to their records. */
function gateLinks(
  records: ReadRecord[],
  runId: string,
): { decision?: LinkedRecord; answers: LinkedRecord[] } {
  const link = (r: ReadRecord, says: unknown, by?: unknown) => ({
    environment: r.environment,
    seq: r.record.seq,
    sha256: lineHash(r.text),
    says: String(says),
    ...(typeof by === "string" ? { by } : {}),
  });
  const type = (r: ReadRecord) => pick(r.statement, "predicateType");
  const decision = records.findLast(
    (r) =>
      type(r) === vsaType &&
      pick(r.statement, "predicate", "sluice", "runId") === runId,
  );
  const answers = records.filter(
    (r) =>
      type(r) === gateAnswerType &&
      pick(r.statement, "predicate", "runId") === runId,
  );
  return {
    ...(decision
      ? {
          decision: link(
            decision,
            pick(decision.statement, "predicate", "sluice", "decision"),
          ),
        }
      : {}),
    answers: answers.map((r) =>
      link(
        r,
        pick(r.statement, "predicate", "verdict"),
        pick(r.statement, "predicate", "by"),
      ),
    ),
  };
}

/**
 * The deploy capability's `DeploymentEvidence`: each deployment is signed into the log as SLSA
 * Provenance v1 before it is recorded. A deployment outside a run has no checks and no gate.
 */
export function createDeploymentEvidence(deps: DeploymentEvidenceDeps) {
  return {
    async deploying(facts: DeploymentFacts): Promise<void> {
      const run = facts.runId ? await deps.runs.getRun(facts.runId) : undefined;
      const steps: BuildStep[] = (run?.jobs ?? [])
        .filter((job) => !unfinished.has(job.status))
        .flatMap((job) =>
          job.steps.map((step) => ({
            job: job.key,
            step: step.name,
            status: step.status,
          })),
        );
      const manifest = releaseManifest(facts);
      const { deployment, release } = facts;
      const now = new Date(deps.clock.now());
      await deps.evidence().record((records) =>
        provenanceStatement({
          release: {
            name: `sluice:${deployment.project}/${release.version}`,
            sha256: createHash("sha256")
              .update(JSON.stringify(manifest), "utf8")
              .digest("hex"),
            manifest,
          },
          project: deployment.project,
          environment: deployment.environment,
          commit: release.commit,
          runId: run?.id,
          deploymentId: deployment.id,
          steps,
          ...(run ? { gate: gateLinks(records, run.id) } : {}),
          startedOn: run?.startedAt ?? run?.createdAt ?? now,
          finishedOn: now,
          builderVersion: deps.builderVersion,
        }),
      );
    },
  };
}
