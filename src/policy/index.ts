// The policy capability: facts of a change, rules in CEL, risk, and decisions (issue 12).
export { factNames, factTypes, severities, unknownFacts } from "./facts.js";
export type { FactName, FactValues, Facts, FileChange } from "./facts.js";
export { PolicyFile, decisions } from "./schema.js";
export type { Approvals, DecisionKind, FreezeWindow, Rule } from "./schema.js";
export { loadPolicy, parsePolicy, policyFileName } from "./loader.js";
export type { CompiledRule, Policy } from "./loader.js";
export { decide } from "./decide.js";
export type { Decision, FiredRule, UndecidedRule } from "./decide.js";
export { computeRisk, riskFactors } from "./risk.js";
export type { Risk, RiskFactor } from "./risk.js";
export { classify, globMatch, parseDiff } from "./classify.js";
export type { Classification, DiffFile } from "./classify.js";
export { timeFacts } from "./time.js";
export { gitChangeFacts } from "./git.js";
export { readChangeFacts } from "./change-facts.js";
export type { ChangeFacts } from "./change-facts.js";
export { defaultPolicyFile, defaultPolicyText } from "./default-policy.js";
export {
  FactsInput,
  PolicyCases,
  parsePolicyCases,
  runPolicyCases,
} from "./cases.js";
export type { CaseResult } from "./cases.js";
export { readPolicyText } from "./yaml.js";
export * from "./evidence/index.js";
export { approveCommand, checkGateStepInput, createGateStep } from "./gate.js";
export type { EvidenceSink, GateDeps, GateRun } from "./gate.js";
export { createApprovals, identityOf } from "./approvals.js";
export type {
  ApprovalOutcome,
  DecisionView,
  GateApprovals,
  HoldView,
} from "./approvals.js";
export { createGateStore } from "./store.js";
export { createDeploymentEvidence } from "./deployment-evidence.js";
