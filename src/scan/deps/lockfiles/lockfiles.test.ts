import { describe, expect, it } from "vitest";
import {
  parseGoMod,
  parsePackageLock,
  parseRequirements,
  parseYarnLock,
} from "./index.js";

const files: Record<string, string> = {
  "base.txt": "requests==2.19.0\n-r more.txt\n",
  "more.txt":
    "# loops back\n-r base.txt\nDjango[bcrypt] == 3.2.1 ; python_version > '3' \\\n  --hash=sha256:abc\n",
};

describe("requirements.txt", () => {
  it.each([
    ["exact pins only", "a==1.0\nb>=2\nc===3.1\nd==4.*\n", ["a@1.0", "c@3.1"]],
    [
      "extras, markers, options, continuations",
      "x [s3] == 1.2 ; os_name=='nt' \\\n  --hash=sha256:1\n",
      ["x@1.2"],
    ],
    ["comments and blank lines", "# hi\n\ny==2 # pinned\n", ["y@2"]],
    [
      "includes followed once, loops end",
      "-r base.txt\n",
      ["requests@2.19.0", "Django@3.2.1"],
    ],
  ])("%s", (_name, text, want) => {
    const got = parseRequirements({
      path: "requirements.txt",
      text,
      readRelative: (p) => files[p],
    });
    expect(got.map((p) => `${p.name}@${p.version}`)).toEqual(want);
  });

  it("records the line of a pin and the include path", () => {
    const got = parseRequirements({
      path: "requirements.txt",
      text: "\n-r more.txt\n",
      readRelative: (p) => files[p],
    });
    expect(got.find((p) => p.name === "Django")).toMatchObject({
      line: 3,
      direct: false,
      path: ["more.txt", "Django"],
    });
  });
});

describe("malformed lockfiles name the file and line", () => {
  it.each([
    [
      "package-lock.json",
      () =>
        parsePackageLock({
          path: "package-lock.json",
          text: '{\n  "packages": {\n    "a": }\n}',
        }),
      /^package-lock.json:3: invalid JSON/,
    ],
    [
      "yarn.lock",
      () =>
        parseYarnLock({
          path: "yarn.lock",
          text: 'a@^1:\n  version "1"\nbroken line\n',
        }),
      /^yarn.lock:3: /,
    ],
    [
      "go.mod",
      () =>
        parseGoMod({
          path: "go.mod",
          text: "module x\n\nrequire (\n  a.b/c\n)\n",
        }),
      /^go.mod:4: require needs/,
    ],
  ])("%s", (_name, run, message) => {
    expect(run).toThrow(message);
  });
});

describe("package-lock dependency paths", () => {
  it("follows npm's resolution from the root to nested installs", () => {
    const text = JSON.stringify(
      {
        lockfileVersion: 3,
        packages: {
          "": { dependencies: { express: "^4" } },
          "node_modules/express": {
            version: "4.0.0",
            dependencies: { qs: "^6" },
          },
          "node_modules/express/node_modules/qs": { version: "6.0.0" },
          "node_modules/qs": { version: "5.0.0", dev: true },
        },
      },
      null,
      2,
    );
    const got = parsePackageLock({ path: "package-lock.json", text });
    expect(
      got.map((p) => [p.name, p.version, p.direct, p.path, p.line]),
    ).toEqual([
      ["express", "4.0.0", true, ["express"], 9],
      ["qs", "6.0.0", false, ["express", "qs"], 15],
      ["qs", "5.0.0", false, ["qs"], 18],
    ]);
  });
});
