// in-toto Statement v1 documents for a deployment's evidence: SLSA Provenance v1 of the build and a
// SLSA Verification Summary Attestation (VSA v1) of the policy decision (issue 12, Evidence).
import type { Decision } from "../decide.js";

export const statementType = "https://in-toto.io/Statement/v1";
export const provenanceType = "https://slsa.dev/provenance/v1";
export const vsaType = "https://slsa.dev/verification_summary/v1";
/** A person's approval or rejection of a held run (sluice's own predicate, ADR 102). */
export const gateAnswerType = "https://sluice.dev/gate-answer/v1";
/** The build type of a sluice run: what `buildDefinition` means. */
export const sluiceBuildType = "https://sluice.dev/build/run/v1";
export const sluiceVerifierId = "sluice";

/** What a statement speaks of: a release (sha256), or a change (gitCommit) for a gate's records. */
export interface Subject {
  name: string;
  digest: { sha256: string } | { gitCommit: string };
}

/** An in-toto Statement v1 with its predicate. */
export interface Statement<P = Record<string, unknown>> {
  _type: typeof statementType;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

export interface BuildStep {
  job: string;
  step: string;
  status: string;
}

/** Another evidence record a statement rests on, named by the sha256 of its line (its chain's hash). */
export interface LinkedRecord {
  environment: string;
  seq: number;
  sha256: string;
  /** What it says in one word: the decision (`approve`, `hold`…) or the answer's verdict. */
  says: string;
  by?: string;
}

/** What the provenance of one build (a deployment of a release) says. */
export interface ProvenanceInput {
  /**
   * The release's name and its sha256 digest (hex); `manifest`, when given, is what that digest
   * is the sha256 of (its JSON), so an auditor can recompute it.
   */
  release: { name: string; sha256: string; manifest?: Record<string, unknown> };
  project: string;
  environment: string;
  /** The git commit the run built, and its repository when known. */
  commit?: string | undefined;
  repository?: string;
  /** The run that built it; absent for a deployment made outside a run (`sluice deploy`). */
  runId?: string | undefined;
  /** The deployment this provenance is for. */
  deploymentId?: string;
  /** The checks (jobs and steps) that ran, with their results. */
  steps: BuildStep[];
  /** The run's gate decision and the people's answers to it, as records of the same log. */
  gate?: { decision?: LinkedRecord; answers: LinkedRecord[] };
  startedOn: Date;
  finishedOn: Date;
  /** The sluice version that ran the build. */
  builderVersion: string;
}

const hex64 = /^[0-9a-f]{64}$/;

function subjectOf(release: { name: string; sha256: string }): Subject[] {
  if (!hex64.test(release.sha256))
    throw new TypeError(
      `release ${release.name}: sha256 digest must be 64 hex digits`,
    );
  return [{ name: release.name, digest: { sha256: release.sha256 } }];
}

/**
 * SLSA Provenance v1 of a build: the release (sha256) and the commit it was built from as
 * subjects, the run and its checks, the gate decision it passed, and who built it.
 */
export function provenanceStatement(input: ProvenanceInput): Statement {
  const repo = input.repository ?? `sluice:${input.project}`;
  const { commit } = input;
  const source = commit ? `git+${repo}@${commit}` : undefined;
  return {
    _type: statementType,
    subject: [
      ...subjectOf(input.release),
      ...(commit && source
        ? [{ name: source, digest: { gitCommit: commit } }]
        : []),
    ],
    predicateType: provenanceType,
    predicate: {
      buildDefinition: {
        buildType: sluiceBuildType,
        externalParameters: {
          project: input.project,
          environment: input.environment,
          ...(commit ? { commit } : {}),
          ...(input.release.manifest
            ? { release: input.release.manifest }
            : {}),
        },
        internalParameters: {
          ...(input.runId ? { runId: input.runId } : {}),
          ...(input.deploymentId ? { deploymentId: input.deploymentId } : {}),
          steps: input.steps,
          ...(input.gate ? { gate: input.gate } : {}),
        },
        resolvedDependencies:
          commit && source
            ? [{ uri: source, digest: { gitCommit: commit } }]
            : [],
      },
      runDetails: {
        builder: {
          id: "https://sluice.dev/builder/local",
          version: { sluice: input.builderVersion },
        },
        metadata: {
          invocationId: input.runId ?? input.deploymentId ?? input.release.name,
          startedOn: input.startedOn.toISOString(),
          finishedOn: input.finishedOn.toISOString(),
        },
      },
    },
  };
}

/** What the VSA of one policy decision says. */
export interface VsaInput {
  /** The release decided on, or (a gate, before any release) the change's commit. */
  release: { name: string; sha256: string } | { name: string; commit: string };
  project: string;
  environment: string;
  commit: string;
  runId: string;
  /** The policy file evaluated: where it is and its sha256 (hex). */
  policy: { uri: string; sha256: string };
  decision: Pick<
    Decision,
    "decision" | "reasons" | "fired" | "risk" | "unknownFacts" | "defaulted"
  >;
  facts: Record<string, unknown>;
  /** Approvals given by people, when the decision was a hold. */
  approvals?: { by: string; at: string; comment?: string }[];
  /** The checks (jobs and steps) that ran, with their results. */
  checks?: BuildStep[];
  verifiedAt: Date;
}

/**
 * A SLSA VSA v1 for a decision: PASSED only for `approve` (or a hold whose approvals arrived);
 * the decision, fired rules and facts go in the `sluice` field of the predicate.
 */
export function vsaStatement(input: VsaInput): Statement {
  const approvedByPeople =
    input.decision.decision === "hold" && (input.approvals?.length ?? 0) > 0;
  const passed = input.decision.decision === "approve" || approvedByPeople;
  return {
    _type: statementType,
    subject:
      "commit" in input.release
        ? [
            {
              name: input.release.name,
              digest: { gitCommit: input.release.commit },
            },
          ]
        : subjectOf(input.release),
    predicateType: vsaType,
    predicate: {
      verifier: { id: sluiceVerifierId },
      timeVerified: input.verifiedAt.toISOString(),
      resourceUri: `sluice:${input.project}/${input.environment}@${input.commit}`,
      policy: {
        uri: input.policy.uri,
        digest: { sha256: input.policy.sha256 },
      },
      verificationResult: passed ? "PASSED" : "FAILED",
      // sluice claims no SLSA track level; a failed decision says FAILED as the spec asks (ADR 101).
      verifiedLevels: passed ? [] : ["FAILED"],
      sluice: {
        environment: input.environment,
        runId: input.runId,
        commit: input.commit,
        decision: input.decision.decision,
        defaulted: input.decision.defaulted,
        reasons: input.decision.reasons,
        fired: input.decision.fired,
        risk: input.decision.risk,
        unknownFacts: input.decision.unknownFacts,
        facts: input.facts,
        approvals: input.approvals ?? [],
        checks: input.checks ?? [],
      },
    },
  };
}

/** The value at `path` in a parsed statement (undefined where the path is not there). */
export const pick = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (at, key) =>
      at !== null && typeof at === "object"
        ? (at as Record<string, unknown>)[key]
        : undefined,
    value,
  );

/**
 * The environment and time a signed statement speaks of (used to chain and filter evidence, so
 * that neither rests on unsigned fields); undefined for a statement sluice did not write.
 */
export function statementMeta(
  statement: unknown,
): { environment: string; time: string } | undefined {
  const type = pick(statement, "predicateType");
  const [environment, time] =
    type === provenanceType
      ? [
          pick(
            statement,
            "predicate",
            "buildDefinition",
            "externalParameters",
            "environment",
          ),
          pick(statement, "predicate", "runDetails", "metadata", "finishedOn"),
        ]
      : type === vsaType
        ? [
            pick(statement, "predicate", "sluice", "environment"),
            pick(statement, "predicate", "timeVerified"),
          ]
        : type === gateAnswerType
          ? [
              pick(statement, "predicate", "environment"),
              pick(statement, "predicate", "time"),
            ]
          : [undefined, undefined];
  return typeof environment === "string" && typeof time === "string"
    ? { environment, time }
    : undefined;
}

/** What one approval or rejection of a held run says. */
export interface GateAnswerInput {
  project: string;
  environment: string;
  commit: string;
  runId: string;
  /** The hold answered (its VSA is in the same chain). */
  decisionId: string;
  by: string;
  verdict: "approve" | "reject";
  comment?: string | undefined;
  /** What the hold became with this answer: still waiting, approved or rejected. */
  outcome: string;
  /** Approvals counted so far, this one included. */
  approvals: string[];
  at: Date;
}

/** An in-toto statement of a person's answer to a hold, about the change's commit. */
export function gateAnswerStatement(input: GateAnswerInput): Statement {
  return {
    _type: statementType,
    subject: [
      {
        name: `sluice:${input.project}@${input.commit}`,
        digest: { gitCommit: input.commit },
      },
    ],
    predicateType: gateAnswerType,
    predicate: {
      environment: input.environment,
      time: input.at.toISOString(),
      project: input.project,
      runId: input.runId,
      decisionId: input.decisionId,
      by: input.by,
      verdict: input.verdict,
      ...(input.comment ? { comment: input.comment } : {}),
      outcome: input.outcome,
      approvals: input.approvals,
    },
  };
}
