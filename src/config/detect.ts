import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { AppError } from "../kernel/index.js";
import { parseRequirement } from "./templates/toolchain.js";
import type { Toolchain } from "./templates/toolchain.js";

/** Reads files of the project being detected; paths are relative to its root. */
export interface ProjectFiles {
  exists(path: string): boolean;
  /** The text of a file, or undefined when it is missing or unreadable. */
  read(path: string): string | undefined;
}

/** What `sluice init` found: the template, the inputs that differ from its defaults, and why. */
export interface Detection {
  language: "node" | "python" | "go";
  template: string;
  inputs: Record<string, string | number | boolean>;
  /** One line per fact found, for the user: `package manager pnpm (pnpm-lock.yaml)`. */
  evidence: string[];
  /** Things worth knowing before the first run. */
  notes: string[];
}

/** Reads files under `root` from disk. */
export function filesIn(root: string): ProjectFiles {
  return {
    exists: (path) => existsSync(join(root, path)),
    read: (path) => {
      try {
        return readFileSync(join(root, path), "utf8");
      } catch {
        return undefined;
      }
    },
  };
}

/** The first major version in a range or version text: `>=20.11` → 20, `v18.19.0` → 18. */
export function majorOf(text: string): number | undefined {
  const match = /(\d+)/.exec(text.replace(/^[^\d]*/, ""));
  return match ? Number(match[1]) : undefined;
}

/** `>=3.11`, `^3.12`, `3.10.4` → `3.11`, `3.12`, `3.10`. */
export function minorOf(text: string): string | undefined {
  const match = /(\d+)\.(\d+)/.exec(text);
  return match ? `${match[1]}.${match[2]}` : undefined;
}

/**
 * A version input from a range a project declares (`engines.node`, `requires-python`, go.mod's
 * `go`): the range itself, so that any newer toolchain that satisfies it passes. Spaces after an
 * operator go (`>= 18` → `>=18`). A range the check cannot read becomes the minimum of its first
 * version, with a note saying so.
 */
function rangeInput(
  tool: Toolchain,
  text: string,
  from: string,
  notes: string[],
): string | undefined {
  const range = text.trim().replace(/(>=|<=|~=|==|!=|[<>=~^])\s+/g, "$1");
  if (range !== "" && !("error" in parseRequirement(tool, range))) return range;
  const minimum = tool === "node" ? majorOf(text) : minorOf(text);
  if (minimum === undefined) return undefined;
  notes.push(
    `${from} ${JSON.stringify(text)} is not a range the ${tool} check reads; it checks for ${tool} >=${minimum}`,
  );
  return `>=${minimum}`;
}

function json(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function toml(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function detectNode(files: ProjectFiles): Detection {
  const pkg = json(files.read("package.json"));
  const inputs: Detection["inputs"] = {};
  const evidence = ["package.json"];
  const notes: string[] = [];
  if (pkg === undefined) notes.push("package.json is not valid JSON");
  const locks: [string, "npm" | "pnpm" | "yarn"][] = [
    ["pnpm-lock.yaml", "pnpm"],
    ["yarn.lock", "yarn"],
    ["package-lock.json", "npm"],
  ];
  const lock = locks.find(([file]) => files.exists(file));
  let pm: string = lock?.[1] ?? "npm";
  if (lock) evidence.push(`package manager ${pm} (${lock[0]})`);
  else {
    const declared =
      typeof pkg?.packageManager === "string"
        ? pkg.packageManager.split("@")[0]
        : undefined;
    if (declared === "pnpm" || declared === "yarn" || declared === "npm") {
      pm = declared;
      evidence.push(`package manager ${pm} (packageManager in package.json)`);
    }
    notes.push(
      `no lockfile: the install cache has nothing to key on; commit the ${pm} lockfile`,
    );
  }
  if (pm !== "npm") inputs["package-manager"] = pm;

  const versionFiles = [".nvmrc", ".node-version"];
  for (const file of versionFiles) {
    const text = files.read(file)?.trim();
    const major = text ? majorOf(text) : undefined;
    if (major !== undefined) {
      inputs["node-version"] = major;
      evidence.push(`node ${major} (${file})`);
      break;
    }
  }
  const engines = pkg?.engines as Record<string, unknown> | undefined;
  if (
    inputs["node-version"] === undefined &&
    typeof engines?.node === "string"
  ) {
    const range = rangeInput("node", engines.node, "engines.node", notes);
    if (range !== undefined) {
      inputs["node-version"] = /^\d+$/.test(range) ? Number(range) : range;
      evidence.push(`node ${range} (engines.node "${engines.node}")`);
    }
  }
  const scripts = (pkg?.scripts ?? {}) as Record<string, unknown>;
  if (
    typeof scripts.test !== "string" ||
    /no test specified/.test(scripts.test)
  )
    notes.push(
      "package.json has no test script: the test job fails until it has one",
    );
  return {
    language: "node",
    template: "golden/node@1",
    inputs,
    evidence,
    notes,
  };
}

function detectPython(files: ProjectFiles): Detection {
  const inputs: Detection["inputs"] = {};
  const evidence: string[] = [];
  const notes: string[] = [];
  const pyproject = toml(files.read("pyproject.toml"));
  const tool = pyproject?.tool as Record<string, unknown> | undefined;
  const project = pyproject?.project as Record<string, unknown> | undefined;
  if (files.exists("pyproject.toml")) evidence.push("pyproject.toml");
  if (files.exists("uv.lock")) {
    inputs["package-manager"] = "uv";
    evidence.push("package manager uv (uv.lock)");
  } else if (files.exists("poetry.lock") || tool?.poetry !== undefined) {
    inputs["package-manager"] = "poetry";
    evidence.push(
      `package manager poetry (${files.exists("poetry.lock") ? "poetry.lock" : "[tool.poetry]"})`,
    );
  } else if (files.exists("Pipfile")) {
    inputs["package-manager"] = "pipenv";
    evidence.push("package manager pipenv (Pipfile)");
  } else if (files.exists("requirements.txt")) {
    evidence.push("package manager pip (requirements.txt)");
  } else {
    // pyproject.toml alone: install the project itself into the venv and key the cache on it.
    inputs.lockfile = "pyproject.toml";
    inputs.install =
      "python3 -m venv .venv && .venv/bin/python -m pip install -q -e .";
    evidence.push("package manager pip (pyproject.toml, no lockfile)");
  }
  const runner = testRunner(files);
  if (runner) {
    inputs["test-runner"] = "unittest";
    evidence.push(`tests run with unittest (${runner})`);
  }
  // .python-version names the interpreter to use (a pin); requires-python is a range.
  const pinned = files.read(".python-version")?.trim();
  const requires =
    typeof project?.["requires-python"] === "string"
      ? project["requires-python"]
      : undefined;
  const pin = pinned ? minorOf(pinned) : undefined;
  if (pin) {
    inputs["python-version"] = pin;
    evidence.push(`python ${pin} (.python-version)`);
  } else if (requires !== undefined) {
    const range = rangeInput("python", requires, "requires-python", notes);
    if (range !== undefined) {
      inputs["python-version"] = range;
      evidence.push(`python ${range} (requires-python "${requires}")`);
    }
  }
  return {
    language: "python",
    template: "golden/python@1",
    inputs,
    evidence,
    notes,
  };
}

/** Files where a Python project names how its tests run. */
const testRunnerFiles = [
  "pyproject.toml",
  "setup.cfg",
  "tox.ini",
  "Makefile",
  "noxfile.py",
  "requirements.txt",
  "requirements-dev.txt",
  "requirements/testing.txt",
  "requirements/test.txt",
  "requirements/dev.txt",
  "requirements/development.txt",
  "Pipfile",
];

/**
 * The file that shows a project runs its tests with the standard library's unittest (say, tox.ini's
 * `python -m unittest`), when nothing names pytest; undefined means pytest, the template's default.
 */
function testRunner(files: ProjectFiles): string | undefined {
  if (files.exists("pytest.ini") || files.exists("conftest.py")) return;
  let unittest: string | undefined;
  for (const name of testRunnerFiles) {
    const text = files.read(name);
    if (text === undefined) continue;
    if (/\bpytest\b/.test(text)) return;
    if (unittest === undefined && /-m\s+unittest\b/.test(text)) unittest = name;
  }
  return unittest;
}

function detectGo(files: ProjectFiles): Detection {
  const inputs: Detection["inputs"] = {};
  const evidence = ["go.mod"];
  const mod = files.read("go.mod") ?? "";
  // The go directive is the oldest go that builds the module, not the one it must be built with.
  const go = /^go\s+(\d+(?:\.\d+){1,2})\b/m.exec(mod);
  if (go?.[1]) {
    inputs["go-version"] = `>=${go[1]}`;
    evidence.push(`go >=${go[1]} (go directive in go.mod, a minimum)`);
  }
  const notes = files.exists("go.sum")
    ? []
    : ["no go.sum: the module cache has nothing to key on"];
  return { language: "go", template: "golden/go@1", inputs, evidence, notes };
}

/**
 * Detects the kind of project: package.json → node; pyproject.toml, requirements.txt or Pipfile →
 * python; go.mod → go (first match wins, in that order). Throws NOT_FOUND when none matches.
 */
export function detectProject(
  files: ProjectFiles,
  where = "this folder",
): Detection {
  if (files.exists("package.json")) return detectNode(files);
  if (
    ["pyproject.toml", "requirements.txt", "Pipfile"].some((f) =>
      files.exists(f),
    )
  )
    return detectPython(files);
  if (files.exists("go.mod")) return detectGo(files);
  throw new AppError(
    "NOT_FOUND",
    `no package.json, pyproject.toml, requirements.txt, Pipfile or go.mod in ${where}: cannot pick a golden path; write sluice.yml by hand (docs/config.md)`,
  );
}
