import type { LockedPackage, LockfileInput } from "../types.js";
import {
  KeyLines,
  commitOf,
  isRecord,
  lockfileError,
  parseJson,
} from "./errors.js";

interface V1Entry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  optional?: boolean;
  bundled?: boolean;
  dependencies?: Record<string, V1Entry>;
}

interface V2Entry {
  name?: string;
  version?: string;
  resolved?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  inBundle?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * package-lock.json / npm-shrinkwrap.json: `packages` (lockfileVersion 2 and 3) when present,
 * else the nested `dependencies` tree (version 1).
 */
export function parsePackageLock(input: LockfileInput): LockedPackage[] {
  const doc = parseJson(input.path, input.text);
  if (!isRecord(doc))
    throw lockfileError(input.path, 1, "not a package-lock object");
  const lines = new KeyLines(input.text);
  if (isRecord(doc.packages))
    return parseV2(doc.packages as Record<string, V2Entry>, lines);
  if (isRecord(doc.dependencies)) {
    const out: LockedPackage[] = [];
    walkV1(doc.dependencies as Record<string, V1Entry>, input.path, lines, out);
    return out;
  }
  return [];
}

/** Deeper `dependencies` nesting than any real tree; refused rather than walked (and held). */
const maxV1Depth = 1_000;

/**
 * Walks the v1 tree in document order (the line finder depends on it) with an explicit stack of
 * entry iterators, not recursion: a maliciously deep file cannot overflow the call stack.
 */
function walkV1(
  root: Record<string, V1Entry>,
  file: string,
  lines: KeyLines,
  out: LockedPackage[],
): void {
  const stack: { entries: Iterator<[string, V1Entry]>; path: string[] }[] = [
    { entries: Object.entries(root)[Symbol.iterator](), path: [] },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const next = top.entries.next();
    if (next.done) {
      stack.pop();
      continue;
    }
    const [key, entry] = next.value;
    if (typeof entry !== "object" || entry === null) continue;
    const parents = top.path;
    const line = lines.next(key);
    let name = key;
    let version = String(entry.version ?? "");
    let commit: string | undefined;
    if (version.startsWith("npm:")) {
      // An alias `npm:real@1.2.3`: the package is the real one.
      const spec = version.slice(4);
      const at = spec.lastIndexOf("@");
      name = spec.slice(0, at);
      version = spec.slice(at + 1);
    } else if (
      /^(git|github:|git\+|https?:\/\/)/.test(version) ||
      version.includes("#")
    ) {
      commit = commitOf(version);
      version = "";
    } else if (version.startsWith("file:") || version.startsWith("link:")) {
      version = "";
    }
    const groups: string[] = [];
    if (entry.dev) groups.push("dev");
    if (entry.optional) groups.push("optional");
    if (entry.bundled) groups.push("bundled");
    const path = [...parents, name];
    out.push({
      name,
      version,
      ecosystem: "npm",
      groups,
      ...(commit ? { commit } : {}),
      ...(parents.length === 0 ? {} : { direct: false }),
      path,
      ...(line ? { line } : {}),
    });
    if (isRecord(entry.dependencies)) {
      if (stack.length >= maxV1Depth) {
        throw lockfileError(
          file,
          line ?? 1,
          `dependencies nested more than ${maxV1Depth} deep`,
        );
      }
      stack.push({
        entries: Object.entries(entry.dependencies as Record<string, V1Entry>)[
          Symbol.iterator
        ](),
        path,
      });
    }
  }
}

function parseV2(
  packages: Record<string, V2Entry>,
  lines: KeyLines,
): LockedPackage[] {
  const root = packages[""];
  const directNames = new Set(
    Object.keys({
      ...root?.dependencies,
      ...root?.devDependencies,
      ...root?.optionalDependencies,
      ...root?.peerDependencies,
    }),
  );
  const paths = dependencyPaths(packages);
  const out: LockedPackage[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    const line = lines.next(key);
    if (key === "" || typeof entry !== "object" || entry === null || entry.link)
      continue;
    const version = String(entry.version ?? "");
    if (version.startsWith("file:") || version.startsWith("link:")) continue;
    const name =
      typeof entry.name === "string" ? entry.name : nameFromInstallPath(key);
    if (!name) continue;
    const groups: string[] = [];
    if (entry.inBundle) groups.push("bundled");
    if (entry.dev) groups.push("dev");
    if (entry.optional) groups.push("optional");
    if (entry.devOptional) groups.push("dev", "optional");
    const commit = /^(git|github:)/.test(entry.resolved ?? "")
      ? commitOf(entry.resolved)
      : undefined;
    const topLevel = key === `node_modules/${nameFromInstallPath(key)}`;
    out.push({
      name,
      version,
      ecosystem: "npm",
      groups: [...new Set(groups)],
      ...(commit ? { commit } : {}),
      direct: topLevel && directNames.has(nameFromInstallPath(key)),
      // Built when read: only the packages with a finding need their chain.
      get path() {
        return paths.chain(key) ?? [name];
      },
      ...(line ? { line } : {}),
    });
  }
  return out;
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
function nameFromInstallPath(key: string): string {
  const at = key.lastIndexOf("node_modules/");
  return at < 0
    ? key.split("/").pop()!
    : key.slice(at + "node_modules/".length);
}

/**
 * The shortest chain of package names from the root to each install path, following npm's
 * resolution: a dependency `d` of the package at `p` is the nearest `p/node_modules/d`, then
 * the parent folders' `node_modules/d`. Kept as one link to the parent per install path, so a
 * deep tree costs memory in its size, not its size times its depth.
 */
function dependencyPaths(packages: Record<string, V2Entry>): {
  chain(key: string): string[] | undefined;
} {
  const parents = new Map<string, { from: string; name: string }>();
  const queue: string[] = [""];
  for (let head = 0; head < queue.length; head++) {
    const from = queue[head]!;
    const entry = packages[from];
    if (!entry) continue;
    const names = Object.keys({
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
      ...(from === "" ? entry.devDependencies : {}),
    });
    for (const dep of names) {
      const target = resolveFrom(packages, from, dep);
      if (target === undefined || target === "" || parents.has(target))
        continue;
      parents.set(target, { from, name: packages[target]?.name ?? dep });
      queue.push(target);
    }
  }
  return {
    chain(key) {
      if (!parents.has(key)) return undefined;
      const names: string[] = [];
      for (let at = parents.get(key); at; at = parents.get(at.from))
        names.push(at.name);
      return names.reverse();
    },
  };
}

function resolveFrom(
  packages: Record<string, V2Entry>,
  from: string,
  dep: string,
): string | undefined {
  let base = from;
  for (;;) {
    const candidate =
      base === "" ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (base === "") return undefined;
    const at = base.lastIndexOf("/node_modules/");
    base = at < 0 ? "" : base.slice(0, at);
  }
}
