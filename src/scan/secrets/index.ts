export { defaultRules } from "./rules/index.js";
export { scanSecrets } from "./scan.js";
export { repoRoot } from "./sources/git.js";
export { hashKeyFileName, loadHashKey } from "./hash-key.js";
export { scanProjectSecrets } from "./setup.js";
/** @public app.ts reaches it through scan's `secrets` namespace, which knip does not follow. */
export { createCredentialFinder } from "./credentials.js";
