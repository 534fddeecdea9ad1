import { describe, expect, it } from "vitest";
import { classify, globMatch, parseDiff } from "./classify.js";

describe("parseDiff", () => {
  it("counts a removed line that starts with -- and keeps a deleted file's path", () => {
    const diff = parseDiff(
      [
        "diff --git a/db.sql b/db.sql",
        "index 1..2 100644",
        "--- a/db.sql",
        "+++ b/db.sql",
        "@@ -1 +1 @@",
        "--- a comment",
        "+-- a better comment",
        "diff --git a/old.txt b/old.txt",
        "deleted file mode 100644",
        "--- a/old.txt",
        "+++ /dev/null",
        "@@ -1,2 +0,0 @@",
        "-x",
        "-y",
        "diff --git a/logo.png b/logo.png",
        "Binary files a/logo.png and b/logo.png differ",
      ].join("\n"),
    );
    expect(diff.map((f) => [f.path, f.added, f.removed, f.binary])).toEqual([
      ["db.sql", 1, 1, false],
      ["old.txt", 0, 2, false],
      ["logo.png", 0, 0, true],
    ]);
    expect(diff[0]!.removedLines).toEqual(["-- a comment"]);
  });
});

describe("globMatch", () => {
  it.each([
    ["infra/a/b.tf", "infra/**", true],
    ["src/infra/b.tf", "infra/**", false],
    ["src/db/migrations/001.sql", "**/migrations/**", true],
    ["README.md", "*.md", true],
    ["docs/deep/guide.md", "*.md", true],
    ["src/a.test.ts", "*.{test,spec}.{ts,js}", true],
    ["src/a.ts", "src/*.ts", true],
    ["src/x/a.ts", "src/*.ts", false],
    ["a.tf", "?.tf", true],
  ])("%s ~ %s: %s", (path, glob, expected) => {
    expect(globMatch(path, glob)).toBe(expected);
  });
});

describe("classify", () => {
  const file = (
    path: string,
    added: string[] = ["x"],
    removed: string[] = [],
  ) => ({
    path,
    added: added.length,
    removed: removed.length,
    addedLines: added,
    removedLines: removed,
    binary: false,
  });

  it("calls a requirements.txt pin change a bump, and a new import in package.json not", () => {
    expect(
      classify(
        [file("requirements.txt", ["flask==3.0.1"], ["flask==3.0.0"])],
        false,
        [],
      ).dependencyBumpOnly,
    ).toBe(true);
    expect(
      classify(
        [file("Cargo.toml", ['serde = "1.0.200"'], ['serde = "1.0.199"'])],
        false,
        [],
      ).dependencyBumpOnly,
    ).toBe(true);
    expect(
      classify([file("package.json", ['  "main": "index.js",'])], false, [])
        .dependencyBumpOnly,
    ).toBe(false);
    expect(
      classify([file("package.json", ['    "left-pad": "^1.3.0",'])], false, [])
        .dependencyBumpOnly,
    ).toBe(true);
  });

  it("says nothing is docs-, tests- or formatting-only for an empty change", () => {
    const c = classify([], true, []);
    expect([
      c.docsOnly,
      c.testsOnly,
      c.formattingOnly,
      c.dependencyBumpOnly,
    ]).toEqual([false, false, false, false]);
  });

  it("does not call a binary change formatting", () => {
    expect(
      classify([{ ...file("a.png"), binary: true }], true, []).formattingOnly,
    ).toBe(false);
  });
});
