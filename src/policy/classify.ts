// Classifiers of a change from its diff (as gitStream's): pure functions over parsed diff data.
import { globToRegExp } from "../kernel/index.js";
import type { FactValues, FileChange } from "./facts.js";

/** One file of a unified diff (`git diff -U0`): its path and the text of its changed lines. */
export interface DiffFile extends FileChange {
  /** Lines added, without the leading `+`. */
  addedLines: string[];
  /** Lines removed, without the leading `-`. */
  removedLines: string[];
  binary: boolean;
}

const cache = new Map<string, RegExp>();

/** Whether `path` matches the glob (compiled once per pattern). */
export function globMatch(path: string, glob: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    // A pattern without `/` matches the file name in any folder.
    re = globToRegExp(glob.includes("/") ? glob : `**/${glob}`);
    if (cache.size > 1000) cache.clear();
    cache.set(glob, re);
  }
  return re.test(path);
}

const matchesAny = (path: string, globs: readonly string[]) =>
  globs.some((g) => globMatch(path, g));

const docsGlobs = [
  "*.{md,mdx,markdown,rst,adoc,txt}",
  "docs/**",
  "doc/**",
  "LICENSE*",
  "CHANGELOG*",
  "AUTHORS*",
];
const testGlobs = [
  "test/**",
  "tests/**",
  "**/__tests__/**",
  "*.{test,spec}.{js,jsx,ts,tsx,mjs,cjs,mts,cts}",
  "*_test.go",
  "test_*.py",
  "*_test.py",
  "conftest.py",
  "**/testdata/**",
];
/** Pipeline and CI configuration: what runs the tests is not code that needs tests of its own. */
const pipelineGlobs = [
  "/sluice.{yml,yaml}",
  "/.sluice/**",
  "/.github/workflows/**",
  "/.gitlab-ci.yml",
  "/.circleci/**",
];
const lockfiles = [
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "go.sum",
  "poetry.lock",
  "Pipfile.lock",
  "uv.lock",
  "Cargo.lock",
  "Gemfile.lock",
  "composer.lock",
];
const manifests = [
  "package.json",
  "go.mod",
  "requirements*.txt",
  "pyproject.toml",
  "Cargo.toml",
  "Gemfile",
  "composer.json",
];
const generatedGlobs = [
  "*.min.{js,css}",
  "*.pb.go",
  "*_pb.{js,ts,d.ts}",
  "*_pb2.py",
  "*.generated.*",
  "*.gen.*",
  "dist/**",
  "**/__generated__/**",
  "schema/*.schema.json",
];

/** A manifest line that only names a dependency and its version (or a bare version field). */
const versionLine = [
  // package.json / composer.json: "name": "^1.2.3",
  /^\s*"[^"]+"\s*:\s*"[~^<>=v]*\d+(\.\d+)*[\w.+-]*"\s*,?\s*$/,
  // go.mod: require a/b v1.2.3 or a/b v1.2.3 // indirect
  /^\s*(require\s+)?[\w./-]+\s+v\d+(\.\d+)*[\w.+-]*(\s*\/\/.*)?$/,
  // requirements.txt: name==1.2.3
  /^\s*[\w.[\],-]+\s*(==|>=|~=|<=|===)\s*[\w.*+-]+\s*$/,
  // TOML (Cargo.toml, pyproject): name = "1.2.3" or version = "1.2.3"
  /^\s*[\w.-]+\s*=\s*"[~^<>=]*\d+(\.\d+)*[\w.+-]*"\s*$/,
];

const isGeneratedHeader = (lines: readonly string[]) =>
  lines
    .slice(0, 5)
    .some((l) => /Code generated .* DO NOT EDIT|@generated\b/.test(l));

export type Classification = Pick<
  FactValues,
  | "files"
  | "fileStats"
  | "filesChanged"
  | "linesAdded"
  | "linesRemoved"
  | "linesChanged"
  | "docsOnly"
  | "testsOnly"
  | "formattingOnly"
  | "dependencyBumpOnly"
  | "generatedFiles"
  | "testsChangedWithCode"
  | "codeChanged"
  | "sensitiveFiles"
>;

/**
 * The diff facts of a change. `whitespaceOnly` says the diff is empty when whitespace and blank
 * lines are ignored (git's `-w --ignore-blank-lines`), which the parsed lines cannot tell alone.
 * An empty change is none of docs-, tests-, formatting- or dependency-only.
 */
export function classify(
  diff: readonly DiffFile[],
  whitespaceOnly: boolean,
  sensitivePaths: readonly string[],
): Classification {
  const files = diff.map((f) => f.path);
  const any = diff.length > 0;
  const isDoc = (p: string) => matchesAny(p, docsGlobs);
  const isTest = (p: string) => matchesAny(p, testGlobs);
  const isLock = (p: string) => matchesAny(p, lockfiles);
  const isManifest = (p: string) => matchesAny(p, manifests);
  const isPipeline = (p: string) => matchesAny(`/${p}`, pipelineGlobs);
  const generatedFiles = diff
    .filter(
      (f) =>
        matchesAny(f.path, generatedGlobs) || isGeneratedHeader(f.addedLines),
    )
    .map((f) => f.path);
  const generated = new Set(generatedFiles);
  const code = files.filter(
    (p) =>
      !isDoc(p) &&
      !isTest(p) &&
      !isLock(p) &&
      !isManifest(p) &&
      !isPipeline(p) &&
      !generated.has(p),
  );
  const dependencyBumpOnly =
    any &&
    diff.every(
      (f) =>
        isLock(f.path) ||
        (isManifest(f.path) &&
          !f.binary &&
          [...f.addedLines, ...f.removedLines].every(
            (line) =>
              line.trim() === "" || versionLine.some((re) => re.test(line)),
          )),
    ) &&
    // A bump changes a version in a manifest or a lockfile: a lockfile-only change qualifies too.
    diff.some((f) => f.added + f.removed > 0);
  const linesAdded = diff.reduce((n, f) => n + f.added, 0);
  const linesRemoved = diff.reduce((n, f) => n + f.removed, 0);
  return {
    files,
    fileStats: diff.map(({ path, added, removed }) => ({
      path,
      added,
      removed,
    })),
    filesChanged: diff.length,
    linesAdded,
    linesRemoved,
    linesChanged: linesAdded + linesRemoved,
    docsOnly: any && files.every(isDoc),
    testsOnly: any && files.every(isTest),
    formattingOnly: any && whitespaceOnly && diff.every((f) => !f.binary),
    dependencyBumpOnly,
    generatedFiles,
    testsChangedWithCode: code.length > 0 && files.some(isTest),
    codeChanged: code.length > 0,
    sensitiveFiles: files.filter((p) => matchesAny(p, sensitivePaths)),
  };
}

/** Parses `git diff -U0 --no-color --no-renames` output into one entry per file. */
export function parseDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let current: DiffFile | undefined;
  // Headers (---, +++) come before a file's first hunk; after it, `---` is a removed `--` line.
  let inHunk = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("diff --git ")) {
      const m = / b\/(.*)$/.exec(line);
      current = {
        path: m?.[1] ?? "",
        added: 0,
        removed: 0,
        addedLines: [],
        removedLines: [],
        binary: false,
      };
      files.push(current);
      inHunk = false;
    } else if (!current) continue;
    else if (line.startsWith("@@")) inHunk = true;
    else if (!inHunk) {
      // A deleted file's +++ is /dev/null: keep the path of the diff line.
      if (line.startsWith("+++ b/")) current.path = line.slice(6);
      else if (line.startsWith("Binary files ")) current.binary = true;
    } else if (line.startsWith("+")) {
      current.added++;
      current.addedLines.push(line.slice(1));
    } else if (line.startsWith("-")) {
      current.removed++;
      current.removedLines.push(line.slice(1));
    }
  }
  return files;
}
