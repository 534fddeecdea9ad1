import { z } from "zod";
import type { Step } from "../schema.js";
import {
  Command,
  OptionalCommand,
  commonInputs,
  defaultTriggers,
  goldenJobs,
  inDir,
} from "./common.js";
import { defineTemplate } from "./template.js";
import { toolchainKey, toolchainVersion, versionCheck } from "./toolchain.js";

/**
 * Per package manager: the lockfile the cache is keyed on and the default commands. `install` is
 * the frozen install a lockfile allows; `unlocked` installs a project that has none (express and
 * many libraries commit no lockfile, and `npm ci` refuses to run without one).
 */
const managers = {
  npm: {
    lockfile: "package-lock.json",
    install: "npm ci",
    unlocked: "npm install --no-audit --no-fund",
    build: "npm run build --if-present",
    test: "npm test",
  },
  pnpm: {
    lockfile: "pnpm-lock.yaml",
    install: "pnpm install --frozen-lockfile",
    unlocked: "pnpm install",
    build: "pnpm run --if-present build",
    test: "pnpm test",
  },
  yarn: {
    lockfile: "yarn.lock",
    install: "yarn install --frozen-lockfile",
    unlocked: "yarn install",
    // yarn has no --if-present; npm runs a package.json script whatever installed the packages.
    build: "npm run build --if-present",
    test: "yarn test",
  },
} as const;

/** golden/node@1: install (cached on the lockfile), build, test, scan; deploy on demand. */
export const nodeV1 = defineTemplate({
  name: "golden/node",
  version: 1,
  description:
    "Node.js service: npm, pnpm or yarn; build, test, scan, optional canary deploy",
  inputs: z.strictObject({
    /** Checked against the host's `node --version`: a version (20: any 20.x) or a semver range. */
    "node-version": toolchainVersion("node").optional(),
    "package-manager": z.enum(["npm", "pnpm", "yarn"]).default("npm"),
    install: Command.optional(),
    build: OptionalCommand.optional(),
    test: OptionalCommand.optional(),
    lint: OptionalCommand.default(false),
    ...commonInputs,
  }),
  expand(input) {
    const pm = managers[input["package-manager"]];
    const dir = input["working-directory"];
    const version = input["node-version"];
    const keyPrefix = `${input["package-manager"]}-${version ? `node${toolchainKey}-` : ""}`;
    const buildSteps: Step[] = [];
    if (version)
      buildSteps.push(
        versionCheck("node", "node --version", version, "node-version"),
      );
    const lockfile = inDir(dir, pm.lockfile);
    buildSteps.push({
      name: "install",
      run:
        input.install ??
        // The step runs in the working directory: the lockfile is looked for there.
        `if [ -f ${pm.lockfile} ]; then ${pm.install}; else ${pm.unlocked}; fi`,
      cache: {
        // With no lockfile the manifest is what changes when a dependency is added.
        key: `${keyPrefix}\${{ hashFiles('${lockfile}', '${inDir(dir, "package.json")}') }}`,
        "restore-keys": [keyPrefix],
        paths: [inDir(dir, "node_modules")],
        "skip-if-hit": true,
      },
    });
    const build = input.build ?? pm.build;
    if (build !== false) buildSteps.push({ name: "build", run: build });

    const testSteps: Step[] = [];
    if (input.lint !== false) testSteps.push({ name: "lint", run: input.lint });
    const test = input.test ?? pm.test;
    if (test !== false) testSteps.push({ name: "test", run: test });
    const jobs = goldenJobs({
      buildSteps,
      testSteps,
      testTimeout: input["test-timeout"],
      failOn: input["fail-on"],
      workingDirectory: dir,
      deploy: input.deploy,
      health: input.health,
      policy: input.policy,
      start:
        input["package-manager"] === "npm"
          ? "npm start"
          : `${input["package-manager"]} start`,
    });
    return {
      on: defaultTriggers,
      env: { NODE_ENV: "test", ...input.env },
      jobs,
    };
  },
});
