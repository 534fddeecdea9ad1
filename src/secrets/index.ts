/** Secrets: an age vault per project (envelope encryption), scoped values, audited reads. */
export { createSecretsService } from "./service.js";
export type {
  Reader,
  SecretHistoryEntry,
  SecretScope,
  SecretSummary,
  SecretsService,
} from "./service.js";
export { createSecretStore } from "./store.js";
export { keySourceFrom } from "./keys.js";
export type { KeySource } from "./keys.js";
export type { Recipient, SecretAuditEntry } from "./ports.js";
export { checkName } from "./names.js";
