import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../src/kernel/index.js";
import { lockfileKinds } from "../../src/scan/deps/index.js";
import type { LockfileKind } from "../../src/scan/deps/lockfiles/index.js";

/**
 * Issue 10 "Must show": every lockfile parser fed mutated valid lockfiles, random text, random
 * JSON, and very deep or very long structures. Each input either parses into well-formed packages
 * or is refused with a clear error (AppError CONFIG_INVALID, one line, naming the file): no
 * TypeError, no stack overflow, no hang, within a generous time per input.
 *
 * A fixed seed in CI; longer runs by hand: FUZZ_RUNS=5000 FUZZ_SEED=$RANDOM npx vitest run test/fuzz
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261206);
const numRuns = Number(process.env.FUZZ_RUNS ?? 150);
/** Generous: the slowest input here (a 2 MB YAML parse) takes about 2 s on a quiet machine. */
const perInputMs = 10_000;

/** A small valid file of each kind, the seed the mutations start from. */
const samples: Record<string, string> = {
  "package-lock.json": JSON.stringify(
    {
      name: "app",
      lockfileVersion: 3,
      packages: {
        "": { dependencies: { lodash: "^4" } },
        "node_modules/lodash": { version: "4.17.15", dev: true },
        "node_modules/@s/b": {
          version: "1.0.0",
          resolved:
            "git+ssh://git@github.com/s/b.git#0123456789abcdef0123456789abcdef01234567",
        },
        "node_modules/a/node_modules/c": { name: "c", version: "2.0.0" },
      },
    },
    null,
    2,
  ),
  "npm-shrinkwrap.json": JSON.stringify(
    {
      lockfileVersion: 1,
      dependencies: {
        a: {
          version: "1.0.0",
          dependencies: { b: { version: "npm:real@2.0.0", dev: true } },
        },
      },
    },
    null,
    2,
  ),
  "yarn.lock": [
    "# yarn lockfile v1",
    "",
    '"@scope/a@^1.0.0", "@scope/a@^1.1.0":',
    '  version "1.2.0"',
    '  resolved "https://registry.yarnpkg.com/@scope/a/-/a-1.2.0.tgz#abc"',
    "  dependencies:",
    '    b "^2"',
    "",
    "b@^2:",
    '  version "2.0.1"',
    "",
    "__metadata:",
    "  version: 6",
    "",
    '"c@npm:^3.0.0":',
    "  version: 3.0.0",
    '  resolution: "c@npm:3.0.0"',
    "",
  ].join("\n"),
  "pnpm-lock.yaml": [
    "lockfileVersion: '9.0'",
    "",
    "importers:",
    "  .:",
    "    dependencies:",
    "      a:",
    "        specifier: ^1.0.0",
    "        version: 1.0.0",
    "",
    "packages:",
    "  a@1.0.0:",
    "    resolution: {integrity: sha512-x}",
    "  /b/2.0.0_peer@1.0.0:",
    "    dev: true",
    "  /@s/c@3.0.0(peer@1.0.0):",
    "    resolution: {tarball: https://codeload.github.com/s/c/tar.gz/0123456789abcdef0123456789abcdef01234567}",
    "",
    "snapshots:",
    "  a@1.0.0: {}",
    "",
  ].join("\n"),
  "requirements.txt": [
    "# pinned",
    "flask==2.0.0",
    "requests[security]===2.31.0 ; python_version >= '3.8'",
    "django>=4 \\",
    "  --hash=sha256:abc",
    "-r other.txt",
    "-r self.txt",
    "-c constraints.txt",
    "",
  ].join("\n"),
  "poetry.lock": [
    "[[package]]",
    'name = "flask"',
    'version = "2.0.0"',
    "optional = false",
    'groups = ["main", "dev"]',
    "",
    "[[package]]",
    'name = "click"',
    'version = "8.1.0"',
    "",
    "[metadata]",
    'lock-version = "2.0"',
    "",
  ].join("\n"),
  "Pipfile.lock": JSON.stringify(
    {
      _meta: { hash: { sha256: "x" } },
      default: { flask: { version: "==2.0.0" } },
      develop: { pytest: { version: "==7.0.0" } },
    },
    null,
    4,
  ),
  "uv.lock": [
    "version = 1",
    "",
    "[[package]]",
    'name = "flask"',
    'version = "2.0.0"',
    'source = { registry = "https://pypi.org/simple" }',
    "dependencies = [",
    '  { name = "click" },',
    "]",
    "",
    "[[package]]",
    'name = "app"',
    'version = "0.1.0"',
    'source = { editable = "." }',
    "",
  ].join("\n"),
  "go.mod": [
    "module example.com/app",
    "",
    "go 1.21",
    "toolchain go1.21.5",
    "",
    "require (",
    "\tgithub.com/a/b v1.2.3",
    "\tgolang.org/x/text v0.3.0 // indirect",
    ")",
    "",
    "require github.com/c/d v0.0.0-20200101000000-0123456789ab",
    "",
    "replace github.com/a/b => github.com/a/b v1.2.4",
    "replace github.com/e/f => ../f",
    "",
  ].join("\n"),
  "Cargo.lock": [
    "version = 3",
    "",
    "[[package]]",
    'name = "serde"',
    'version = "1.0.0"',
    'source = "registry+https://github.com/rust-lang/crates.io-index"',
    "",
    "[[package]]",
    'name = "app"',
    'version = "0.1.0"',
    "",
  ].join("\n"),
  "Gemfile.lock": [
    "GEM",
    "  remote: https://rubygems.org/",
    "  specs:",
    "    rack (2.2.3)",
    "    rails (7.0.0)",
    "      rack (>= 2.2)",
    "",
    "PLATFORMS",
    "  ruby",
    "",
    "DEPENDENCIES",
    "  rails",
    "",
  ].join("\n"),
  "composer.lock": JSON.stringify(
    {
      packages: [{ name: "monolog/monolog", version: "2.0.0" }],
      "packages-dev": [{ name: "phpunit/phpunit", version: "9.0.0" }],
    },
    null,
    4,
  ),
};

/** One file name per lockfile kind (the kind decides by name). */
function fileNameOf(kind: LockfileKind): string {
  const name = Object.keys(samples).find((n) => kind.matches(n));
  if (!name) throw new Error(`no sample for lockfile kind ${kind.id}`);
  return name;
}

/** Edits of a text: delete, duplicate, insert or replace a slice; applied in a sequence. */
const edit = fc.oneof(
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(),
    len: fc.nat({ max: 40 }),
  }),
  fc.record({
    op: fc.constant("duplicate" as const),
    at: fc.nat(),
    len: fc.nat({ max: 200 }),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        "{",
        "}",
        "[",
        "]",
        '"',
        ":",
        ",",
        "\n",
        "\n  ",
        "\t",
        "\\",
        "#",
        "@",
        "==",
        "(",
        ")",
        "=>",
        "[[package]]\n",
        "null",
        "\u0000",
        "\ud800",
        "__proto__",
        '"__proto__": {}',
        "constructor",
      ),
    ),
  }),
  fc.record({
    op: fc.constant("replace" as const),
    at: fc.nat(),
    text: fc.string({ maxLength: 5, unit: "binary" }),
  }),
);

function applyEdits(
  text: string,
  edits: fc.Arbitrary<typeof edit> extends never ? never : unknown[],
): string {
  let out = text;
  for (const e of edits as {
    op: string;
    at: number;
    len?: number;
    text?: string;
  }[]) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.op === "delete") out = out.slice(0, at) + out.slice(at + e.len!);
    else if (e.op === "duplicate")
      out = out.slice(0, at + e.len!) + out.slice(at);
    else if (e.op === "insert")
      out = out.slice(0, at) + e.text! + out.slice(at);
    else out = out.slice(0, at) + e.text! + out.slice(at + e.text!.length);
  }
  return out;
}

/** Very deep and very long inputs of the shapes the parsers walk. */
function deepInputs(): string[] {
  const depth = 20_000;
  const nestedDeps =
    '{"lockfileVersion":1,"dependencies":' +
    '{"a":{"version":"1.0.0","dependencies":'.repeat(depth) +
    "{}" +
    "}}".repeat(depth) +
    "}";
  // Install paths nested 500 deep (node_modules/a/node_modules/a/…), each needing the next.
  const v2Chain = JSON.stringify({
    lockfileVersion: 3,
    packages: Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [
        i === 0 ? "" : "node_modules/a/".repeat(i).slice(0, -1),
        { version: "1.0.0", dependencies: { a: "1" } },
      ]),
    ),
  });
  const nestedArrays = "[".repeat(depth) + "]".repeat(depth);
  const nestedObjects = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  const tomlArrays = `x = ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
  const tomlTables = `a = ${"{ b = ".repeat(depth)}1${" }".repeat(depth)}\n`;
  const yamlNested = Array.from(
    { length: 2_000 },
    (_, i) => `${"  ".repeat(i)}k${i}:`,
  ).join("\n");
  const yamlFlow = `packages: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
  const longLine = `a==${"1".repeat(2_000_000)}\n`;
  const manyIncludes = Array.from(
    { length: 5_000 },
    (_, i) => `-r r${i}.txt`,
  ).join("\n");
  const manyLines = 'b@^2:\n  version "2.0.1"\n\n'.repeat(20_000);
  return [
    nestedDeps,
    v2Chain,
    nestedArrays,
    nestedObjects,
    tomlArrays,
    tomlTables,
    yamlNested,
    yamlFlow,
    longLine,
    manyIncludes,
    manyLines,
  ];
}

/** Parses and checks the outcome: packages of the right shape, or a clear CONFIG_INVALID error. */
function check(kind: LockfileKind, path: string, text: string): void {
  const started = performance.now();
  let outcome: unknown;
  try {
    outcome = kind.parse({
      path,
      text,
      // Includes resolve to another mutated file, and to themselves (a loop must end).
      readRelative: (rel) => (rel.endsWith("self.txt") ? text : undefined),
    });
  } catch (error) {
    if (!isAppError(error) || error.code !== "CONFIG_INVALID") {
      throw new Error(
        `${kind.id}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} (not a clear error) for input ${JSON.stringify(text.slice(0, 300))}`,
      );
    }
    // One line, naming the file, never the engine's stack or its words for it.
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toMatch(
      /call stack|is not a function|of undefined/,
    );
    expect(error.message.startsWith(path)).toBe(true);
    expect(error.message).not.toMatch(/\bat .*\.(?:ts|js):\d+/);
    outcome = "refused";
  }
  const elapsed = performance.now() - started;
  expect(elapsed, `${kind.id}: ${elapsed.toFixed(0)} ms`).toBeLessThan(
    perInputMs,
  );
  if (outcome === "refused") return;
  expect(Array.isArray(outcome)).toBe(true);
  for (const pkg of outcome as Record<string, unknown>[]) {
    expect(typeof pkg.name).toBe("string");
    expect(typeof pkg.version).toBe("string");
    expect(pkg.ecosystem).toBe(kind.ecosystem);
    expect(Array.isArray(pkg.groups)).toBe(true);
    if (pkg.line !== undefined) expect(Number.isInteger(pkg.line)).toBe(true);
  }
}

describe("lockfile parsers under fuzzing (fixed seed)", () => {
  it("has a sample for every lockfile kind", () => {
    for (const kind of lockfileKinds) expect(fileNameOf(kind)).toBeTruthy();
  });

  describe.each(lockfileKinds.map((kind) => [kind.id, kind] as const))(
    "%s",
    (_id, kind) => {
      const path = fileNameOf(kind);
      const sample = samples[path]!;

      it("parses its own valid sample into packages", () => {
        const packages = kind.parse({ path, text: sample });
        expect(packages.length).toBeGreaterThan(0);
      });

      it("mutated valid files: packages or a clear error, never a crash", () => {
        fc.assert(
          fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) =>
            check(kind, path, applyEdits(sample, edits)),
          ),
          { seed, numRuns },
        );
      });

      it("random text and random JSON: packages or a clear error", () => {
        fc.assert(
          fc.property(
            fc.oneof(
              fc.string({ maxLength: 400, unit: "binary" }),
              fc.json({ maxDepth: 6 }),
              fc.jsonValue({ maxDepth: 5 }).map((v) =>
                JSON.stringify({
                  lockfileVersion: 3,
                  packages: v,
                  dependencies: v,
                  default: v,
                  package: v,
                }),
              ),
              fc
                .array(
                  fc.oneof(
                    fc.string({ maxLength: 30 }),
                    fc.constantFrom(
                      "[[package]]",
                      'name = "x"',
                      'version = "1"',
                      "require (",
                      ")",
                      "GEM",
                      "  specs:",
                      "    x (1.0)",
                    ),
                  ),
                  { maxLength: 30 },
                )
                .map((lines) => lines.join("\n")),
            ),
            (text) => check(kind, path, text),
          ),
          { seed, numRuns },
        );
      });

      it("very deep and very long inputs: no stack overflow, within the time bound", () => {
        for (const text of deepInputs()) check(kind, path, text);
      });
    },
  );
});
