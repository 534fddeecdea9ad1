import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "bin", "sluice.js");

/** Runs the built CLI in `cwd` with a private SLUICE_HOME. */
function sluice(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      SLUICE_HOME: join(cwd, ".sluice-home"),
      NO_COLOR: "1",
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("sluice init and sluice config (built CLI)", () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(join(root, "dist", "cli", "main.js")))
      throw new Error("dist/ is missing: run `npm run build` first");
    dir = mkdtempSync(join(tmpdir(), "sluice-e2e-config-"));
  });
  afterAll(() => {
    // `sluice run` goes through the home's local server, started on demand: stop it, or it
    // would run on for its idle time (10 minutes) after the test.
    for (const name of readdirSync(dir)) {
      const home = join(dir, name, ".sluice-home");
      if (existsSync(home)) stopLocalServer(home);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const project = (name: string, files: Record<string, string>) => {
    const path = join(dir, name);
    spawnSync("mkdir", ["-p", path]);
    for (const [file, text] of Object.entries(files))
      writeFileSync(join(path, file), text);
    return path;
  };

  it("init detects a pnpm project, writes three lines, and refuses to overwrite", () => {
    const repo = project("web", {
      "package.json": JSON.stringify({
        name: "web",
        scripts: { test: "node --test" },
      }),
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
      ".nvmrc": "20\n",
    });
    const first = sluice(repo, "init");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      "detected a node project: package.json, package manager pnpm (pnpm-lock.yaml), node 20 (.nvmrc)",
    );
    const text = readFileSync(join(repo, "sluice.yml"), "utf8");
    expect(text).toBe(
      "extends: golden/node@1\nwith:\n  package-manager: pnpm\n  node-version: 20\n",
    );

    const again = sluice(repo, "init");
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `sluice: sluice.yml already exists in ${repo}; use --force to replace it\n`,
    );
    expect(sluice(repo, "init", "--force").code).toBe(0);
  });

  it("config --expanded prints the whole pipeline as YAML, and --json as JSON", () => {
    const repo = project("api", {
      "go.mod": "module example.com/api\n\ngo 1.22\n",
      "sluice.yml":
        "extends: golden/go@1\nwith:\n  race: true\njobs:\n  test:\n    timeout: 20m\n",
    });
    const yaml = sluice(repo, "config", "--expanded");
    expect(yaml.code).toBe(0);
    const expanded = parse(yaml.stdout) as {
      name: string;
      jobs: Record<string, unknown>;
    };
    expect(expanded.name).toBe("api");
    expect(Object.keys(expanded.jobs)).toEqual(["build", "test", "scan"]);
    expect(expanded.jobs.test).toMatchObject({
      needs: ["build"],
      timeout: "20m",
    });

    const json = sluice(repo, "config", "--expanded", "--json");
    expect(JSON.parse(json.stdout)).toEqual(expanded);

    const plain = sluice(repo, "config");
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe("sluice.yml: valid\n");
    expect(parse(plain.stdout)).toEqual({
      extends: "golden/go@1",
      with: { race: true },
      jobs: { test: { timeout: "20m" } },
    });
  });

  it("a broken file: exit 2, file:line:col, the line and a caret, no stack", () => {
    const repo = project("broken", {
      "sluice.yml": "extends: golden/node@1\nwith:\n  node-verison: 20\n",
    });
    const result = sluice(repo, "config");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        "sluice: sluice.yml:3:3: unknown input `node-verison` in `with` of golden/node@1; did you mean `node-version`?",
        "  3 |   node-verison: 20",
        "    |   ^",
        "",
      ].join("\n"),
    );
  });

  it("an unknown built-in step is a config error with file:line:col, without a database", () => {
    const repo = project("uses", {
      "sluice.yml": [
        "jobs:",
        "  build:",
        "    steps: [{ run: make }]",
        "  scan:",
        "    needs: [build]",
        "    steps:",
        "      - uses: sluice/scna",
        "",
      ].join("\n"),
    });
    const result = sluice(repo, "config");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        "sluice: sluice.yml:7:15: unknown built-in step `sluice/scna` in step 1 of job `scan`; did you mean `sluice/scan`?",
        "  7 |       - uses: sluice/scna",
        "    |               ^",
        "",
      ].join("\n"),
    );
    // `sluice config` opened no database: SLUICE_HOME was never created.
    expect(existsSync(join(repo, ".sluice-home"))).toBe(false);

    writeFileSync(
      join(repo, "sluice.yml"),
      "jobs:\n  scan:\n    steps:\n      - uses: sluice/scan\n",
    );
    const fixed = sluice(repo, "config");
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toBe("sluice.yml: valid\n");
  });

  it("checks the `with` of built-in steps: a malformed rollout or scan input, before any job runs", () => {
    const repo = project("with", {
      "sluice.yml": [
        "jobs:",
        "  deploy:",
        "    steps:",
        "      - uses: sluice/deploy",
        "        with:",
        "          steps: [{ weight: 50 }, { pause: 1s }]",
        "          release: { command: node server.js }",
        "",
      ].join("\n"),
    });
    const bad = sluice(repo, "config");
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n").slice(0, 3)).toEqual([
      "sluice: sluice.yml:5:9: sluice/deploy in step 1 of job `deploy`: with steps.1: a step is {weight: 0-100}, {pause: {duration: 30s}}, {pause: {}} (until promoted) or {analysis: NAME}",
      "  5 |         with:",
      "    |         ^",
    ]);
    // `sluice run` refuses the same file before it starts anything.
    const run = sluice(repo, "run");
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe(bad.stderr.split("\n")[0]);

    writeFileSync(
      join(repo, "sluice.yml"),
      "jobs:\n  scan:\n    steps:\n      - uses: sluice/scan\n        with: { fail-on: severe }\n",
    );
    const scan = sluice(repo, "config");
    expect(scan.code).toBe(2);
    expect(scan.stderr.split("\n")[0]).toMatch(
      /^sluice: sluice\.yml:5:9: sluice\/scan in step 1 of job `scan`: with\.fail-on: /,
    );

    // An input known only at run time (an expression) is checked when the step runs.
    writeFileSync(
      join(repo, "sluice.yml"),
      "jobs:\n  deploy:\n    steps:\n      - uses: sluice/deploy\n        with: { release: { command: '${{ env.CMD }}' } }\n",
    );
    expect(sluice(repo, "config").code).toBe(0);
  });

  it("--file points at another file; malformed YAML is one clear error", () => {
    const repo = project("yaml", {
      "ci.yml": "jobs:\n  build:\n    steps: [{ run: make }\n",
    });
    const result = sluice(repo, "config", "--file", "ci.yml");
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toMatch(
      /^sluice: ci\.yml:\d+:\d+: malformed YAML: /,
    );
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("a 10 MB config fails fast on its size", () => {
    const repo = project("huge", {
      "sluice.yml": `jobs:\n${"#".repeat(10 * 1024 * 1024)}\n`,
    });
    const result = sluice(repo, "config");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "sluice: sluice.yml:1:1: sluice.yml is 10.0 MB, over the 1.0 MB limit for a config file\n",
    );
  });

  it("init in a folder with no known project files explains itself", () => {
    const repo = project("empty", { "README.md": "hello\n" });
    const result = sluice(repo, "init");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `sluice: no package.json, pyproject.toml, requirements.txt, Pipfile or go.mod in ${repo}: cannot pick a golden path; write sluice.yml by hand (docs/config.md)\n`,
    );
    expect(existsSync(join(repo, "sluice.yml"))).toBe(false);
  });

  it("config without a sluice.yml says how to make one", () => {
    const repo = project("none", {});
    const result = sluice(repo, "config");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `sluice: no sluice.yml in ${repo}; run \`sluice init\` to write one\n`,
    );
  });
});
