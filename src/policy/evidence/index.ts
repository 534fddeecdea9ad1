// Evidence of deployments: in-toto statements in DSSE envelopes, chained per environment (issue 12).
export {
  gateAnswerStatement,
  gateAnswerType,
  provenanceStatement,
  provenanceType,
  sluiceBuildType,
  sluiceVerifierId,
  statementMeta,
  statementType,
  vsaStatement,
  vsaType,
} from "./statement.js";
export type {
  BuildStep,
  GateAnswerInput,
  LinkedRecord,
  ProvenanceInput,
  Statement,
  Subject,
  VsaInput,
} from "./statement.js";
export {
  envelopeProblem,
  inTotoPayloadType,
  keyIdOf,
  pae,
  signStatement,
} from "./dsse.js";
export type { Envelope } from "./dsse.js";
export { lineHash, readRecords, recordLine, verifyRecords } from "./chain.js";
export type {
  ChainSpan,
  EvidenceRecord,
  ReadRecord,
  ReadResult,
  VerifyResult,
} from "./chain.js";
export {
  headLine,
  headPayloadType,
  headProblem,
  verifyExport,
} from "./head.js";
export { evidenceKeyFile, loadPublicKey, loadSigningKey } from "./key.js";
export type { SigningKey } from "./key.js";
export { EvidenceLog, evidenceLogFile, exportEvidence } from "./log.js";
export type { EvidenceFilter } from "./log.js";
