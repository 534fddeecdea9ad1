/** Secrets: an age vault per project (envelope encryption), scoped values, audited reads. */
export { createSecretsService } from "./service.js";
export type { SecretsService } from "./service.js";
export { createSecretStore } from "./store.js";
export { keySourceFrom } from "./keys.js";
export { checkName } from "./names.js";
