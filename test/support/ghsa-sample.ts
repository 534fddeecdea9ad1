import { fileURLToPath } from "node:url";

/** Four GHSA advisories in OSV form, two on lodash and two on minimist (an export's folder). */
export const ghsaSample = fileURLToPath(
  new URL("../fixtures/osv/ghsa-sample", import.meta.url),
);

/**
 * A package-lock.json (v3) that every advisory of `ghsaSample` hits: lodash 4.17.15 (through
 * express) and minimist 1.2.0.
 */
export const vulnerableLockfile = {
  lockfileVersion: 3,
  packages: {
    "": { dependencies: { express: "^4", minimist: "^1" } },
    "node_modules/express": {
      version: "4.0.0",
      dependencies: { lodash: "^4" },
    },
    "node_modules/lodash": { version: "4.17.15" },
    "node_modules/minimist": { version: "1.2.0" },
  },
};
