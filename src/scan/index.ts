export { severities, severityRank } from "./finding.js";
export type {
  Finding,
  FindingCommit,
  FindingLocation,
  Severity,
} from "./finding.js";
