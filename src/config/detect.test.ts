import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { detectProject, filesIn, majorOf, minorOf } from "./detect.js";
import { initProject, renderInitConfig } from "./init.js";
import { parseConfig } from "./loader.js";

const dirs: string[] = [];
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-detect-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0))
    rmSync(dir, { recursive: true, force: true });
});

const pkg = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "svc", scripts: { test: "node --test" }, ...extra });

/** [what, files, expected sluice.yml] */
const cases: [string, Record<string, string>, string][] = [
  [
    "node + npm, no version",
    { "package.json": pkg(), "package-lock.json": "{}" },
    "extends: golden/node@1\n",
  ],
  [
    "node + pnpm, version from .nvmrc",
    { "package.json": pkg(), "pnpm-lock.yaml": "", ".nvmrc": "v20.11.1\n" },
    "extends: golden/node@1\nwith:\n  package-manager: pnpm\n  node-version: 20\n",
  ],
  [
    "node + yarn, version from engines",
    {
      "package.json": pkg({ engines: { node: ">=18.19 <23" } }),
      "yarn.lock": "",
    },
    'extends: golden/node@1\nwith:\n  package-manager: yarn\n  node-version: ">=18.19 <23"\n',
  ],
  [
    "node, a minimum in engines stays a minimum",
    { "package.json": pkg({ engines: { node: ">= 18" } }) },
    'extends: golden/node@1\nwith:\n  node-version: ">=18"\n',
  ],
  [
    "node, an exact major in engines",
    { "package.json": pkg({ engines: { node: "20" } }) },
    "extends: golden/node@1\nwith:\n  node-version: 20\n",
  ],
  [
    "node, engines the check cannot read becomes a minimum",
    { "package.json": pkg({ engines: { node: ">=18 ||| nope" } }) },
    'extends: golden/node@1\nwith:\n  node-version: ">=18"\n',
  ],
  [
    ".nvmrc wins over engines",
    {
      "package.json": pkg({ engines: { node: "^18" } }),
      "package-lock.json": "{}",
      ".nvmrc": "22",
    },
    "extends: golden/node@1\nwith:\n  node-version: 22\n",
  ],
  [
    "node without a lockfile, packageManager field",
    { "package.json": pkg({ packageManager: "pnpm@9.1.0" }) },
    "extends: golden/node@1\nwith:\n  package-manager: pnpm\n",
  ],
  [
    "python + requirements.txt + .python-version",
    { "requirements.txt": "flask\n", ".python-version": "3.12.1\n" },
    'extends: golden/python@1\nwith:\n  python-version: "3.12"\n',
  ],
  [
    "python + pyproject with poetry, requires-python",
    {
      "pyproject.toml":
        '[project]\nname = "svc"\nrequires-python = ">=3.11"\n[tool.poetry]\nname = "svc"\n',
    },
    'extends: golden/python@1\nwith:\n  package-manager: poetry\n  python-version: ">=3.11"\n',
  ],
  [
    "python, requires-python with several specifiers",
    {
      "requirements.txt": "flask\n",
      "pyproject.toml":
        '[project]\nname = "svc"\nrequires-python = ">= 3.9, != 3.11.*, < 4"\n',
    },
    'extends: golden/python@1\nwith:\n  python-version: ">=3.9, !=3.11.*, <4"\n',
  ],
  [
    "python + uv.lock",
    { "pyproject.toml": '[project]\nname = "svc"\n', "uv.lock": "" },
    "extends: golden/python@1\nwith:\n  package-manager: uv\n",
  ],
  [
    "python + Pipfile",
    { Pipfile: "[packages]\n" },
    "extends: golden/python@1\nwith:\n  package-manager: pipenv\n",
  ],
  [
    "python + pyproject alone installs the project",
    { "pyproject.toml": '[project]\nname = "svc"\n' },
    "extends: golden/python@1\nwith:\n  lockfile: pyproject.toml\n  install: python3 -m venv .venv && .venv/bin/python -m pip install -q -e .\n",
  ],
  [
    "python + tox.ini running unittest, pytest named nowhere",
    {
      "pyproject.toml": '[project]\nname = "lib"\n',
      "tox.ini": "[testenv]\ncommands = {envpython} -m unittest -v {posargs}\n",
    },
    "extends: golden/python@1\nwith:\n  lockfile: pyproject.toml\n  install: python3 -m venv .venv && .venv/bin/python -m pip install -q -e .\n  test-runner: unittest\n",
  ],
  [
    "python naming pytest keeps pytest even beside unittest",
    {
      "requirements.txt": "pytest\n",
      Makefile: "test:\n\tpython -m unittest\n",
    },
    "extends: golden/python@1\n",
  ],
  [
    "go with a go directive",
    { "go.mod": "module example.com/svc\n\ngo 1.22.3\n", "go.sum": "" },
    'extends: golden/go@1\nwith:\n  go-version: ">=1.22.3"\n',
  ],
  [
    "go 1.15 is a minimum",
    { "go.mod": "module example.com/old\n\ngo 1.15\n", "go.sum": "" },
    'extends: golden/go@1\nwith:\n  go-version: ">=1.15"\n',
  ],
];

describe("detectProject", () => {
  it.each(cases)("%s", (_what, files, expected) => {
    const dir = project(files);
    const detection = detectProject(filesIn(dir));
    const text = renderInitConfig(detection);
    expect(text).toBe(expected);
    // What init writes always loads.
    expect(() => parseConfig(text, "sluice.yml")).not.toThrow();
  });

  it("says when a declared range is not one the check reads", () => {
    const detection = detectProject(
      filesIn(
        project({
          "package.json": pkg({ engines: { node: ">=18 ||| nope" } }),
          "package-lock.json": "{}",
        }),
      ),
    );
    expect(detection.evidence).toContain(
      'node >=18 (engines.node ">=18 ||| nope")',
    );
    expect(detection.notes).toEqual([
      'engines.node ">=18 ||| nope" is not a range the node check reads; it checks for node >=18',
    ]);
  });

  it("says what it found and what is missing", () => {
    const detection = detectProject(
      filesIn(project({ "package.json": "{}", "pnpm-lock.yaml": "" })),
    );
    expect(detection.evidence).toEqual([
      "package.json",
      "package manager pnpm (pnpm-lock.yaml)",
    ]);
    expect(detection.notes).toEqual([
      "package.json has no test script: the test job fails until it has one",
    ]);
  });

  it("refuses a folder it cannot recognise", () => {
    expect(() =>
      detectProject(filesIn(project({ "README.md": "" })), "here"),
    ).toThrow(
      "no package.json, pyproject.toml, requirements.txt, Pipfile or go.mod in here: cannot pick a golden path; write sluice.yml by hand (docs/config.md)",
    );
  });

  const versions: [string, number | undefined, string | undefined][] = [
    [">=20.11", 20, "20.11"],
    ["v18.19.0", 18, "18.19"],
    ["lts/*", undefined, undefined],
    ["^3.12", 3, "3.12"],
  ];
  it.each(versions)("versions of %s", (text, major, minor) => {
    expect(majorOf(text)).toBe(major);
    expect(minorOf(text)).toBe(minor);
  });
});

describe("initProject", () => {
  it("writes sluice.yml and refuses to replace it without force", () => {
    const dir = project({ "go.mod": "module m\n\ngo 1.21\n" });
    const first = initProject(dir);
    expect(first.replaced).toBe(false);
    expect(readFileSync(join(dir, "sluice.yml"), "utf8")).toBe(first.text);
    writeFileSync(join(dir, "sluice.yml"), "# mine\n");
    expect(() => initProject(dir)).toThrow(
      `sluice.yml already exists in ${dir}; use --force to replace it`,
    );
    expect(readFileSync(join(dir, "sluice.yml"), "utf8")).toBe("# mine\n");
    expect(initProject(dir, { force: true }).replaced).toBe(true);
    expect(readFileSync(join(dir, "sluice.yml"), "utf8")).toBe(first.text);
  });

  it("writes a minimum that the host's newer node satisfies (engines >= 18 on node 20)", () => {
    const dir = project({
      "package.json": pkg({ engines: { node: ">= 18" } }),
    });
    const { text } = initProject(dir);
    const config = parseConfig(text, join(dir, "sluice.yml")).config;
    const check = config.jobs.build!.steps[0]!;
    const result = spawnSync(
      "bash",
      ["--noprofile", "--norc", "-eo", "pipefail", "-c", check.run!],
      { encoding: "utf8", env: { ...process.env, SLUICE_OUTPUT: "/dev/null" } },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`v${process.versions.node}\n`);
    expect(result.status).toBe(0);
  });
});
