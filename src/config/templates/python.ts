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
 * Per package manager: the file the cache is keyed on, the install command, and how commands run
 * inside the environment. pip installs into `.venv` because each step is its own shell.
 */
const managers = {
  pip: {
    lockfile: "requirements.txt",
    install:
      "python3 -m venv .venv && .venv/bin/python -m pip install -q -r requirements.txt",
    prefix: ".venv/bin/python -m ",
    python: ".venv/bin/python",
    paths: [".venv"],
  },
  uv: {
    lockfile: "uv.lock",
    install: "uv sync --frozen",
    prefix: "uv run ",
    python: "uv run python",
    paths: [".venv"],
  },
  poetry: {
    lockfile: "poetry.lock",
    install: "poetry install --no-interaction",
    prefix: "poetry run ",
    python: "poetry run python",
    paths: [".venv"],
  },
  pipenv: {
    lockfile: "Pipfile.lock",
    install: "PIPENV_VENV_IN_PROJECT=1 pipenv sync --dev",
    prefix: "pipenv run ",
    python: "pipenv run python",
    paths: [".venv"],
  },
} as const;

/**
 * Runs the tests and says so when none were found (exit 5: pytest, and unittest since Python 3.12),
 * which otherwise looks like a crash; `no-tests: pass` turns that case into a success.
 */
function testStep(
  command: string,
  runner: string,
  noTests: "fail" | "pass",
): Step {
  return {
    name: "test",
    run: [
      "set +e",
      command,
      "rc=$?",
      "set -e",
      'if [ "$rc" -eq 5 ]; then',
      `  echo "sluice: ${runner} found no tests (exit 5); input no-tests is ${noTests}" >&2`,
      `  exit ${noTests === "pass" ? 0 : 5}`,
      "fi",
      'exit "$rc"',
    ].join("\n"),
  };
}

/** golden/python@1: a virtual environment (cached on the lock or requirements), tests, scan. */
export const pythonV1 = defineTemplate({
  name: "golden/python",
  version: 1,
  description:
    "Python service: pip, uv, poetry or pipenv; pytest or unittest, scan, optional canary deploy",
  inputs: z.strictObject({
    /** Checked against the host's `python3 --version`: '3.12' (any 3.12.x) or PEP 440 specifiers. */
    "python-version": toolchainVersion("python").optional(),
    "package-manager": z.enum(["pip", "uv", "poetry", "pipenv"]).default("pip"),
    /** The file the cache key hashes; default per package manager (requirements.txt for pip). */
    lockfile: z.string().min(1).optional(),
    install: Command.optional(),
    /** Default: the test runner inside the environment. */
    test: OptionalCommand.optional(),
    /** The default test command: `pytest -q`, or `python -m unittest` for the standard library's. */
    "test-runner": z.enum(["pytest", "unittest"]).default("pytest"),
    /** What a test run that finds no tests (exit 5) means. */
    "no-tests": z.enum(["fail", "pass"]).default("fail"),
    lint: OptionalCommand.default(false),
    ...commonInputs,
  }),
  expand(input) {
    const pm = managers[input["package-manager"]];
    const dir = input["working-directory"];
    const version = input["python-version"];
    const lockfile = input.lockfile ?? pm.lockfile;
    const keyPrefix = `${input["package-manager"]}-${version ? `py${toolchainKey}-` : ""}`;
    const buildSteps: Step[] = [];
    if (version)
      buildSteps.push(
        versionCheck("python", "python3 --version", version, "python-version"),
      );
    buildSteps.push({
      name: "install",
      run: input.install ?? pm.install,
      cache: {
        key: `${keyPrefix}\${{ hashFiles('${inDir(dir, lockfile)}') }}`,
        "restore-keys": [keyPrefix],
        paths: pm.paths.map((p) => inDir(dir, p)),
        "skip-if-hit": true,
      },
    });
    const testSteps: Step[] = [];
    if (input.lint !== false) testSteps.push({ name: "lint", run: input.lint });
    if (input.test !== false) {
      const runner = input["test-runner"];
      const command =
        runner === "unittest"
          ? `${pm.python} -m unittest`
          : `${pm.prefix}pytest -q`;
      testSteps.push(
        testStep(input.test ?? command, runner, input["no-tests"]),
      );
    }
    const jobs = goldenJobs({
      buildSteps,
      testSteps,
      testTimeout: input["test-timeout"],
      failOn: input["fail-on"],
      workingDirectory: dir,
      deploy: input.deploy,
      health: input.health,
      policy: input.policy,
      start: `${pm.prefix}app`,
    });
    return {
      on: defaultTriggers,
      env: { PYTHONUNBUFFERED: "1", ...input.env },
      jobs,
    };
  },
});
