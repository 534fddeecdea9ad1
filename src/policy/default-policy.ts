/**
 * The policy of the golden paths, used when a repository has no `.sluice/policy.yml`: approve
 * small changes whose run's tests passed (code, or pipeline configuration, which needs no tests
 * of its own) and docs-, tests- or formatting-only changes; hold large changes to
 * sensitive paths, risky changes and changes in a freeze; deny critical findings and failing tests.
 * Anything else waits for one maintainer.
 */
export const defaultPolicyText = `# sluice's default policy (docs/policy.md). Copy it to .sluice/policy.yml to change it.
timezone: UTC
sensitivePaths:
  - "infra/**"
  - "terraform/**"
  - "deploy/**"
  - "k8s/**"
  - "helm/**"
  - "*.tf"
  - ".github/workflows/**"
  - "**/migrations/**"
  - "Dockerfile"
  - ".sluice/policy.yml"
freezeWindows: []
default:
  decision: hold
  approvals: { count: 1, group: maintainers }
  message: no rule approved this change; a maintainer decides
rules:
  - name: critical-findings
    when: findings.critical > 0
    decision: deny
    message: the scan found critical findings
  - name: failing-tests
    when: testsFailed > 0
    decision: deny
    message: tests failed
  - name: freeze
    when: inFreeze && !(docsOnly || testsOnly || formattingOnly)
    decision: hold
    approvals: { count: 2, group: maintainers }
    message: a freeze window is open
  - name: large-sensitive-change
    when: size(sensitiveFiles) > 0 && linesChanged > 200
    decision: hold
    approvals: { count: 1, group: maintainers }
    message: a large change to sensitive paths needs a person
  - name: high-risk
    when: risk > 70
    decision: hold
    approvals: { count: 1, group: maintainers }
    message: the risk score is above 70
  - name: docs-tests-or-formatting-only
    when: docsOnly || testsOnly || formattingOnly
    decision: approve
    message: docs, tests or formatting only
  - name: dependency-bump
    when: dependencyBumpOnly && findings.high == 0
    decision: approve
    message: only dependency versions changed, with no high findings
  - name: small-tested-change
    when: >-
      testsPassed > 0 && testsFailed == 0 && linesChanged <= 200 &&
      size(sensitiveFiles) == 0 && findings.high == 0
    decision: approve
    message: a small change whose tests passed
`;

/** The file name shown in errors about the default policy. */
export const defaultPolicyFile = "(default policy)";

/** The default policy as a URI reference (a VSA's `policy.uri`; its digest says which text). */
export const defaultPolicyUri = "sluice:policy/default";
