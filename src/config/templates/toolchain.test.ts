import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AppError } from "../../kernel/index.js";
import { parseConfig } from "../loader.js";
import { parseRequirement } from "./toolchain.js";

const knownSteps = new Set(["sluice/scan", "sluice/gate", "sluice/deploy"]);
const root = mkdtempSync(join(tmpdir(), "sluice-toolchain-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const binaries = { node: "node", python: "python3", go: "go" } as const;
type Tool = keyof typeof binaries;

/**
 * Runs the first step of `golden/<tool>@1` with `<tool>-version: <wanted>` under bash (as the
 * local executor does), with a fake toolchain on PATH that prints `prints`.
 */
function runCheck(tool: Tool, wanted: string, prints: string | undefined) {
  const dir = mkdtempSync(join(root, "case-"));
  const bin = join(dir, binaries[tool]);
  writeFileSync(
    bin,
    prints === undefined
      ? `#!/bin/sh\necho "${binaries[tool]}: broken install" >&2\nexit 127\n`
      : `#!/bin/sh\necho '${prints}'\n`,
  );
  chmodSync(bin, 0o755);
  const config = parseConfig(
    `extends: golden/${tool}@1\nwith:\n  ${tool}-version: ${JSON.stringify(wanted)}\n`,
    "sluice.yml",
    { knownSteps, name: "svc" },
  ).config;
  const step = config.jobs.build!.steps[0]!;
  expect(step.id).toBe("toolchain");
  const output = join(dir, "output");
  writeFileSync(output, "");
  const result = spawnSync(
    "bash",
    ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!],
    {
      encoding: "utf8",
      // Only the fake toolchain and the system's tools (awk, cut), never the real node or go.
      env: { PATH: `${dir}:/usr/bin:/bin`, SLUICE_OUTPUT: output },
    },
  );
  return { ...result, output: readFileSync(output, "utf8") };
}

/** [tool, wanted, the toolchain prints, the version written for cache keys] */
const satisfied: [Tool, string, string, string][] = [
  ["node", "20", "v20.20.2", "20"],
  ["node", "20.20", "v20.20.2", "20"],
  ["node", ">=18", "v20.20.2", "20"],
  ["node", ">= 18", "v20.20.2", "20"],
  ["node", "^20 || ^22", "v22.1.0", "22"],
  ["node", ">=18.19 <23", "v18.19.0", "18"],
  ["node", "18.x", "v18.0.0", "18"],
  ["python", "3.11", "Python 3.11.9", "3.11"],
  ["python", "3.12.3", "Python 3.12.3", "3.12"],
  ["python", ">=3.10", "Python 3.12.3", "3.12"],
  ["python", "~=3.10", "Python 3.13.0", "3.13"],
  ["python", ">=3.9,!=3.11.*,<3.14", "Python 3.12.0", "3.12"],
  ["python", "==3.12.*", "Python 3.12.3", "3.12"],
  ["python", ">3.10", "Python 3.10.1", "3.10"],
  ["go", "1.22", "go1.22.1", "1.22"],
  ["go", ">=1.15", "go1.22.1", "1.22"],
  ["go", ">= 1.21, <2", "go1.21.0", "1.21"],
];

/** [tool, wanted, the toolchain prints, the message] */
const unsatisfied: [Tool, string, string, string][] = [
  ["node", "18", "v20.20.2", "found node v20.20.2; the pipeline wants 18"],
  ["node", "^20 || ^22", "v21.7.3", "found node v21.7.3"],
  ["node", ">=18.19 <23", "v18.18.2", "the pipeline wants >=18.19 <23"],
  ["node", ">=18.19 <23", "v23.0.0", "found node v23.0.0"],
  ["python", "3.1", "Python 3.11.9", "the pipeline wants 3.1 "],
  ["python", ">=3.10", "Python 3.9.18", "the pipeline wants >=3.10 "],
  ["python", "~=3.10.2", "Python 3.11.0", "found python Python 3.11.0"],
  ["python", ">=3.9,!=3.11.*,<3.14", "Python 3.11.2", "!=3.11.*"],
  ["python", ">=3.9,!=3.11.*,<3.14", "Python 3.14.0", "found python"],
  ["python", "==3.10", "Python 3.10.4", "the pipeline wants ==3.10 "],
  ["go", "1.22", "go1.23.0", "found go go1.23.0; the pipeline wants 1.22"],
  ["go", ">=1.15", "go1.14.2", "the pipeline wants >=1.15 (input go-version)"],
];

describe("the toolchain check of the golden paths, run by bash", () => {
  it.each(satisfied)(
    "%s-version %s accepts %s",
    (tool, wanted, prints, version) => {
      const result = runCheck(tool, wanted, prints);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`${prints}\n`);
      expect(result.output).toBe(`version=${version}\n`);
    },
  );

  it.each(unsatisfied)(
    "%s-version %s refuses %s",
    (tool, wanted, prints, message) => {
      const result = runCheck(tool, wanted, prints);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `sluice: found ${tool} ${prints}; the pipeline wants ${wanted} (input ${tool}-version)\n`,
      );
      expect(result.stderr).toContain(message);
      expect(result.output).toBe("");
    },
  );

  it("says which command failed when the toolchain does not answer", () => {
    const result = runCheck("python", ">=3.10", undefined);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "sluice: python3 --version failed: python3: broken install; the pipeline wants python >=3.10 (input python-version)\n",
    );
  });
});

describe("parseRequirement", () => {
  it("reads each ecosystem's grammar into comparators", () => {
    expect(parseRequirement("node", "^18")).toEqual({
      requirement: [
        [
          { op: ">=", version: [18, 0, 0] },
          { op: "<", version: [19, 0, 0] },
        ],
      ],
    });
    expect(parseRequirement("python", "~=3.10")).toEqual({
      requirement: [
        [
          { op: ">=", version: [3, 10] },
          { op: "=*", version: [3] },
        ],
      ],
    });
    expect(parseRequirement("go", ">=1.15")).toEqual({
      requirement: [[{ op: ">=", version: [1, 15] }]],
    });
  });

  const refused: [Tool, string, string][] = [
    ["node", ">=eighteen", "not a semver range"],
    [
      "python",
      ">=3.10rc1",
      '">=3.10rc1" is not a comparison on release numbers',
    ],
    ["python", "===3.10", "=== (arbitrary equality) names no range"],
    ["python", "~=3", "~= needs two numbers, such as ~=3.0"],
    ["python", ">=3.10.*", ".* goes only with == and !="],
    ["python", ">=3.9,", "an empty clause"],
    ["go", "latest", '"latest" is not a comparison on release numbers'],
  ];
  it.each(refused)("%s %s: %s", (tool, text, error) => {
    expect(parseRequirement(tool, text)).toEqual({ error });
  });

  it("refuses a bad range when the file loads, at the input", () => {
    let error: AppError | undefined;
    try {
      parseConfig(
        "extends: golden/python@1\nwith:\n  python-version: '>=3.10rc1'\n",
        "sluice.yml",
      );
    } catch (caught) {
      error = caught as AppError;
    }
    expect(error?.message).toBe(
      `input \`python-version\` must be a python version or PEP 440 specifiers such as '3.12' or '>=3.10' (">=3.10rc1" is not a comparison on release numbers), not ">=3.10rc1"`,
    );
    expect(error?.location).toMatchObject({ line: 3, column: 19 });
  });
});
