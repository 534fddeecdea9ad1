/** Secrets: an age vault per project (envelope encryption), scoped values, audited reads. */
export { createSecretsService, openVersion } from "./service.js";
export type { SealedVersion, SecretsService } from "./service.js";
export { createSecretStore } from "./store.js";
export { keySourceFrom } from "./keys.js";
export { checkName, checkValue } from "./names.js";
export { decryptValue, isAgeFile } from "./vault.js";
