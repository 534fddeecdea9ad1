import { posix } from "node:path";
import type { Ecosystem } from "./types.js";

/**
 * A manifest: the file where a project declares its dependencies (package.json, pyproject.toml,
 * Cargo.toml, …). sluice matches only what a lockfile pins, so a manifest with no lockfile of its
 * ecosystem beside it (or in a folder above, as in a workspace) means dependencies nobody scanned.
 */
export interface ManifestKind {
  /** File names of this kind. */
  names: readonly string[];
  ecosystem: Ecosystem | "Maven";
  /** Lockfile names that pin its dependencies (a test on the file name); none for Maven. */
  lockfiles: readonly string[];
  locks(fileName: string): boolean;
  /** How a user writes the lockfile. */
  hint: string;
  /** False when the text declares no dependency at all (nothing to lock, nothing to say). */
  declares(text: string): boolean;
}

const named =
  (...names: string[]) =>
  (file: string) =>
    names.includes(file);

const pythonLock = (file: string) =>
  ["poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"].includes(file) ||
  /^pylock(\..+)?\.toml$/.test(file) ||
  /^requirements.*\.txt$/.test(file) ||
  /-requirements\.txt$/.test(file);

function jsonDeclares(text: string, keys: string[]): boolean {
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    return keys.some((key) => {
      const value = doc?.[key];
      return (
        typeof value === "object" &&
        value !== null &&
        Object.keys(value).some((name) => name !== "php" && name !== "node")
      );
    });
  } catch {
    // A manifest that does not parse may still declare dependencies: say so rather than stay quiet.
    return true;
  }
}

/** The manifests sluice knows, with the lockfiles that pin them. */
const manifestKinds: readonly ManifestKind[] = [
  {
    names: ["package.json"],
    ecosystem: "npm",
    lockfiles: [
      "package-lock.json",
      "npm-shrinkwrap.json",
      "yarn.lock",
      "pnpm-lock.yaml",
    ],
    locks: named(
      "package-lock.json",
      "npm-shrinkwrap.json",
      "yarn.lock",
      "pnpm-lock.yaml",
    ),
    hint: "`npm install` (or yarn, pnpm) writes one",
    declares: (text) =>
      jsonDeclares(text, [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
      ]),
  },
  {
    names: ["pyproject.toml"],
    ecosystem: "PyPI",
    lockfiles: [
      "uv.lock",
      "poetry.lock",
      "pdm.lock",
      "pylock.toml",
      "requirements.txt",
    ],
    locks: pythonLock,
    hint: "`uv lock`, `poetry lock` or `pip freeze > requirements.txt` writes one",
    declares: (text) =>
      /^\s*(?:dependencies\s*=\s*\[\s*["']|\[tool\.poetry\.(?:group\.[\w-]+\.)?dependencies\]|\[dependency-groups\]|\[project\.optional-dependencies\])/m.test(
        text,
      ),
  },
  {
    names: ["Pipfile"],
    ecosystem: "PyPI",
    lockfiles: ["Pipfile.lock"],
    locks: pythonLock,
    hint: "`pipenv lock` writes one",
    declares: (text) => /^\[(?:dev-)?packages\]\s*\n\s*[A-Za-z0-9]/m.test(text),
  },
  {
    names: ["setup.py"],
    ecosystem: "PyPI",
    lockfiles: ["requirements.txt"],
    locks: pythonLock,
    hint: "`pip freeze > requirements.txt` writes one",
    declares: (text) => /install_requires\s*=\s*\[\s*["']/.test(text),
  },
  {
    names: ["Cargo.toml"],
    ecosystem: "crates.io",
    lockfiles: ["Cargo.lock"],
    locks: named("Cargo.lock"),
    hint: "`cargo generate-lockfile` writes one",
    declares: (text) =>
      /^\s*\[(?:workspace\.)?(?:dev-|build-)?dependencies(?:\.[^\]]+)?\]\s*$/m.test(
        text,
      ),
  },
  {
    names: ["Gemfile"],
    ecosystem: "RubyGems",
    lockfiles: ["Gemfile.lock"],
    locks: named("Gemfile.lock", "gems.locked"),
    hint: "`bundle lock` writes one",
    declares: (text) => /^\s*gem\s+["']/m.test(text),
  },
  {
    names: ["composer.json"],
    ecosystem: "Packagist",
    lockfiles: ["composer.lock"],
    locks: named("composer.lock"),
    hint: "`composer update` writes one",
    declares: (text) => jsonDeclares(text, ["require", "require-dev"]),
  },
  {
    names: ["pom.xml", "build.gradle", "build.gradle.kts"],
    ecosystem: "Maven",
    lockfiles: [],
    locks: () => false,
    hint: "sluice reads no Maven or Gradle lockfile yet",
    declares: (text) =>
      /<dependency>|\b(?:implementation|api|compile|runtimeOnly)\s*[("']/.test(
        text,
      ),
  },
];

/** The manifest kind of a file name, or undefined. */
export function manifestKindOf(fileName: string): ManifestKind | undefined {
  const name = posix.basename(fileName);
  return manifestKinds.find((k) => k.names.includes(name));
}

/** A manifest whose dependencies no lockfile pins: said once per file, naming it. */
export interface UnlockedManifest {
  path: string;
  ecosystem: string;
  message: string;
}

/**
 * The manifests (relative paths) that declare dependencies with no lockfile of their ecosystem in
 * their folder or a folder above it (a workspace's root lockfile covers its members). Pure:
 * `read` gives a manifest's text, or undefined when it cannot be read (then it is reported).
 */
export function unlockedManifests(
  files: { lockfiles: readonly string[]; manifests: readonly string[] },
  read: (path: string) => string | undefined,
): UnlockedManifest[] {
  const out: UnlockedManifest[] = [];
  for (const path of files.manifests) {
    const kind = manifestKindOf(path);
    if (!kind) continue;
    const dir = posix.dirname(path);
    const covered = files.lockfiles.some((lock) => {
      const lockDir = posix.dirname(lock);
      const above =
        lockDir === "." || dir === lockDir || dir.startsWith(`${lockDir}/`);
      return above && kind.locks(posix.basename(lock));
    });
    if (covered) continue;
    const text = read(path);
    if (text !== undefined && !kind.declares(text)) continue;
    const file = posix.basename(path);
    out.push({
      path,
      ecosystem: kind.ecosystem,
      message:
        kind.lockfiles.length === 0
          ? `${path}: a ${kind.ecosystem} manifest and ${kind.hint}: its dependencies were not scanned`
          : `${path}: no lockfile for this ${file} (${orList(kind.lockfiles)}): its dependencies were not scanned; ${kind.hint}`,
    });
  }
  return out;
}

function orList(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/**
 * Requirement lines of a requirements file that pin no exact version (`flask>=2`): sluice cannot
 * tell which version is installed, so they are not matched.
 */
export function unpinnedRequirements(text: string): number {
  let n = 0;
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i]!;
    while (line.trimEnd().endsWith("\\") && i + 1 < raw.length)
      line = `${line.trimEnd().slice(0, -1)} ${raw[++i]!}`;
    line = line.replace(/(^|\s)#.*$/, "").trim();
    if (line === "" || line.startsWith("-") || !/^[A-Za-z0-9]/.test(line))
      continue;
    // The same reading as the requirements parser: markers and options dropped, `==` pins kept.
    const spec = line
      .split(";")[0]!
      .split(/\s--?[a-zA-Z]/)[0]!
      .trim();
    if (
      !/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*===?\s*[^\s,;*]+\s*$/.test(
        spec,
      )
    )
      n++;
  }
  return n;
}
