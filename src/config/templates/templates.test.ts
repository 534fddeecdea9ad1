import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../loader.js";
import type { Job, PipelineConfig } from "../schema.js";
import { builtinTemplates } from "./index.js";

// The steps the templates use; `sluice/gate` is back before deploy (docs/adr/012-no-gate-before-policy.md).
const knownSteps = new Set(["sluice/scan", "sluice/gate", "sluice/deploy"]);
const load = (text: string): PipelineConfig =>
  parseConfig(text, "sluice.yml", { knownSteps, name: "svc" }).config;

const stepRun = (job: Job | undefined, name: string) =>
  job?.steps.find((s) => s.name === name)?.run;

describe("golden templates", () => {
  it("registers node, python and go at version 1", () => {
    expect([...builtinTemplates.keys()].sort()).toEqual([
      "golden/go@1",
      "golden/node@1",
      "golden/python@1",
    ]);
  });

  const lockfiles: [string, string, string, string][] = [
    // package manager, lockfile, install (a frozen one with a lockfile, a plain one without), test
    [
      "npm",
      "package-lock.json",
      "if [ -f package-lock.json ]; then npm ci; else npm install --no-audit --no-fund; fi",
      "npm test",
    ],
    [
      "pnpm",
      "pnpm-lock.yaml",
      "if [ -f pnpm-lock.yaml ]; then pnpm install --frozen-lockfile; else pnpm install; fi",
      "pnpm test",
    ],
    [
      "yarn",
      "yarn.lock",
      "if [ -f yarn.lock ]; then yarn install --frozen-lockfile; else yarn install; fi",
      "yarn test",
    ],
  ];
  it.each(lockfiles)(
    "node with %s keys the install cache on %s",
    (pm, lockfile, install, test) => {
      const config = load(
        `extends: golden/node@1\nwith:\n  package-manager: ${pm}\n`,
      );
      const installStep = config.jobs.build!.steps.find(
        (s) => s.name === "install",
      );
      expect(installStep).toEqual({
        name: "install",
        run: install,
        cache: {
          key: `${pm}-\${{ hashFiles('${lockfile}', 'package.json') }}`,
          "restore-keys": [`${pm}-`],
          paths: ["node_modules"],
          "skip-if-hit": true,
        },
      });
      expect(stepRun(config.jobs.test, "test")).toBe(test);
      expect(config.jobs.test).toMatchObject({
        needs: ["build"],
        timeout: "15m",
      });
      expect(config.jobs.scan).toEqual({
        needs: ["build"],
        steps: [
          {
            uses: "sluice/scan",
            // No fail-on: the step's default, the one of every scan (ADR 043).
            with: { secrets: true, deps: true },
          },
        ],
      });
      expect(Object.keys(config.jobs)).toEqual(["build", "test", "scan"]);
      expect(config.on).toEqual({
        push: { branches: ["main"] },
        pull_request: {},
      });
    },
  );

  it("node inputs: version, working directory, commands, deploy", () => {
    const config = load(
      [
        "extends: golden/node@1",
        "with:",
        "  node-version: 20",
        "  working-directory: services/api",
        "  build: false",
        "  lint: npm run lint",
        "  test: npm run test:unit",
        "  test-timeout: 5m",
        "  health: /healthz",
        "  deploy:",
        "    environment: staging",
        "    steps: [{ weight: 25 }, { pause: 1m }, { analysis: default }, { weight: 100 }]",
        "",
      ].join("\n"),
    );
    const build = config.jobs.build!;
    expect(build["working-directory"]).toBe("services/api");
    expect(build.steps.map((s) => s.name)).toEqual([
      "check node 20",
      "install",
    ]);
    expect(build.steps[1]!.cache!.key).toBe(
      "npm-node${{ steps.toolchain.outputs.version }}-${{ hashFiles('services/api/package-lock.json', 'services/api/package.json') }}",
    );
    expect(build.steps[1]!.cache!.paths).toEqual(["services/api/node_modules"]);
    expect(config.jobs.test!.steps.map((s) => s.run)).toEqual([
      "npm run lint",
      "npm run test:unit",
    ]);
    expect(config.jobs.test!.timeout).toBe("5m");
    expect(Object.keys(config.jobs)).toEqual([
      "build",
      "test",
      "scan",
      "gate",
      "deploy",
    ]);
    expect(config.jobs.gate!.needs).toEqual(["test", "scan"]);
    expect(config.jobs.deploy).toEqual({
      needs: ["gate"],
      if: "branch == 'main'",
      environment: "staging",
      concurrency: { group: "deploy-staging" },
      steps: [
        {
          uses: "sluice/deploy",
          with: {
            strategy: "canary",
            steps: [
              { weight: 25 },
              { pause: { duration: "1m" } },
              { analysis: "default" },
              { weight: 100 },
            ],
            release: {
              command: "npm start",
              cwd: "services/api",
              health: "/healthz",
            },
          },
        },
      ],
    });
  });

  it("deploy.secrets go on the deploy job only", () => {
    const config = load(
      "extends: golden/node@1\nwith:\n  deploy:\n    secrets: [DB_URL, { name: TLS_KEY, file: true }]\n",
    );
    expect(config.jobs.deploy!.secrets).toEqual([
      "DB_URL",
      { name: "TLS_KEY", file: true },
    ]);
    for (const id of ["build", "test", "scan"])
      expect(config.jobs[id]!.secrets).toBeUndefined();
    expect(
      load("extends: golden/node@1\nwith:\n  deploy: true\n").jobs.deploy,
    ).not.toHaveProperty("secrets");
  });

  it("deploy: true gives the default canary; no deploy input, no deploy job", () => {
    const withDeploy = load("extends: golden/go@1\nwith:\n  deploy: true\n");
    expect(withDeploy.jobs.gate!.needs).toEqual(["test", "scan"]);
    expect(withDeploy.jobs.deploy!.needs).toEqual(["gate"]);
    expect(withDeploy.jobs.deploy!.steps[0]!.with!.steps).toEqual([
      { weight: 10 },
      { analysis: "default" },
      { weight: 50 },
      { analysis: "default" },
      { weight: 100 },
    ]);
    expect(Object.keys(load("extends: golden/go@1\n").jobs)).toEqual([
      "build",
      "test",
      "scan",
    ]);
  });

  it.each([...builtinTemplates.keys()])(
    "%s with deploy puts a gate with the policy input between test/scan and deploy",
    (ref) => {
      const config = load(`extends: ${ref}\nwith:\n  deploy: true\n`);
      const uses = Object.values(config.jobs).flatMap((job) =>
        job.steps.flatMap((s) => (s.uses ? [s.uses] : [])),
      );
      expect(uses).toEqual(["sluice/scan", "sluice/gate", "sluice/deploy"]);
      expect(config.jobs.gate!.steps[0]!.with).toEqual({
        policy: ".sluice/policy.yml",
        environment: "production",
      });
      expect(config.jobs.deploy!.needs).toEqual(["gate"]);
      const custom = load(
        `extends: ${ref}\nwith:\n  policy: ops/gate.yml\n  deploy: { environment: staging }\n`,
      );
      expect(custom.jobs.gate!.steps[0]!.with).toEqual({
        policy: "ops/gate.yml",
        environment: "staging",
      });
      // Without deploy there is nothing to gate.
      expect(load(`extends: ${ref}\n`).jobs.gate).toBeUndefined();
      expect(() =>
        load(`extends: ${ref}\nwith:\n  policy: ../elsewhere.yml\n`),
      ).toThrow("a file inside the repository");
    },
  );

  it("python: venv install keyed on requirements.txt, pytest with exit 5 handled", () => {
    const config = load(
      "extends: golden/python@1\nwith:\n  python-version: '3.11'\n  no-tests: pass\n",
    );
    expect(config.jobs.build!.steps.map((s) => s.name)).toEqual([
      "check python 3.11",
      "install",
    ]);
    expect(config.jobs.build!.steps[1]!.cache!.key).toBe(
      "pip-py${{ steps.toolchain.outputs.version }}-${{ hashFiles('requirements.txt') }}",
    );
    expect(stepRun(config.jobs.test, "test")).toContain(
      ".venv/bin/python -m pytest -q",
    );
    expect(
      load("extends: golden/python@1\nwith:\n  package-manager: uv\n").jobs
        .build!.steps[0]!.cache!.key,
    ).toBe("uv-${{ hashFiles('uv.lock') }}");
  });

  it("python: test-runner unittest runs the standard library's runner inside the environment", () => {
    const run = (pm: string) =>
      stepRun(
        load(
          `extends: golden/python@1\nwith:\n  package-manager: ${pm}\n  test-runner: unittest\n`,
        ).jobs.test,
        "test",
      );
    expect(run("pip")).toContain("\n.venv/bin/python -m unittest\n");
    expect(run("uv")).toContain("\nuv run python -m unittest\n");
    expect(run("pip")).toContain("sluice: unittest found no tests (exit 5)");
  });

  it("go: vet and test, -race on demand, cache on go.sum", () => {
    const config = load("extends: golden/go@1\nwith:\n  race: true\n");
    expect(config.jobs.test!.steps.map((s) => s.run)).toEqual([
      "go vet ./...",
      "go test -race ./...",
    ]);
    expect(config.env).toEqual({ CGO_ENABLED: "1" });
    expect(config.jobs.build!.steps[0]!.cache!.key).toBe(
      "go-${{ hashFiles('go.sum') }}",
    );
  });
});

describe("overrides of template jobs", () => {
  it("objects deep-merge, arrays replace, new jobs are added", () => {
    const config = load(
      [
        "extends: golden/node@1",
        "env: { EXTRA: yes }",
        "jobs:",
        "  test:",
        "    timeout: 30m",
        "    env: { CI: 'true' }",
        "    steps:",
        "      - run: npm run test:ci",
        "  scan:",
        "    steps:",
        "      - uses: sluice/scan",
        "        with: { secrets: true, deps: false }",
        "  e2e:",
        "    needs: [test]",
        "    steps: [{ run: npm run e2e }]",
        "",
      ].join("\n"),
    );
    expect(config.jobs.test).toEqual({
      needs: ["build"],
      timeout: "30m",
      env: { CI: "true" },
      steps: [{ run: "npm run test:ci" }],
    });
    // Steps are an array: replaced whole, so `fail-on` from the template is gone.
    expect(config.jobs.scan!.steps).toEqual([
      { uses: "sluice/scan", with: { secrets: true, deps: false } },
    ]);
    expect(config.jobs.e2e).toEqual({
      needs: ["test"],
      steps: [{ run: "npm run e2e" }],
    });
    expect(config.env).toEqual({ NODE_ENV: "test", EXTRA: "yes" });
  });

  it("null removes a job and drops it from the template's needs", () => {
    const config = load(
      "extends: golden/node@1\nwith:\n  deploy: true\njobs:\n  scan: null\n",
    );
    expect(Object.keys(config.jobs)).toEqual([
      "build",
      "test",
      "gate",
      "deploy",
    ]);
    expect(config.jobs.gate!.needs).toEqual(["test"]);
    expect(config.jobs.deploy!.needs).toEqual(["gate"]);
  });

  it("a needs the user wrote to a removed job is an error", () => {
    expect(() =>
      load(
        "extends: golden/node@1\njobs:\n  scan: null\n  report:\n    needs: [scan]\n    steps: [{ run: x }]\n",
      ),
    ).toThrow("job `report` needs `scan`, which is not a job");
  });
});

describe("generated shell", () => {
  const bash = (script: string) =>
    spawnSync(
      "bash",
      ["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
      { encoding: "utf8", env: { ...process.env, SLUICE_OUTPUT: "/dev/null" } },
    );

  it("the version check passes on the running node and names the input when it fails", () => {
    const major = process.versions.node.split(".")[0]!;
    const ok = load(
      `extends: golden/node@1\nwith:\n  node-version: ${major}\n`,
    );
    expect(bash(ok.jobs.build!.steps[0]!.run!).status).toBe(0);
    const bad = load("extends: golden/node@1\nwith:\n  node-version: 7\n");
    const result = bash(bad.jobs.build!.steps[0]!.run!);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `sluice: found node v${process.versions.node}; the pipeline wants 7 (input node-version)\n`,
    );
  });

  const pytest: [string, string, number, string][] = [
    // no-tests, test command, exit code, stderr
    [
      "fail",
      "(exit 5)",
      5,
      "sluice: pytest found no tests (exit 5); input no-tests is fail\n",
    ],
    [
      "pass",
      "(exit 5)",
      0,
      "sluice: pytest found no tests (exit 5); input no-tests is pass\n",
    ],
    ["pass", "(exit 1)", 1, ""],
    ["fail", "true", 0, ""],
  ];
  it.each(pytest)(
    "pytest wrapper with no-tests %s and %s exits %i",
    (noTests, command, status, stderr) => {
      const config = load(
        `extends: golden/python@1\nwith:\n  no-tests: ${noTests}\n  test: "${command}"\n`,
      );
      const result = bash(stepRun(config.jobs.test, "test")!);
      expect(result.status).toBe(status);
      expect(result.stderr).toBe(stderr);
    },
  );
});
