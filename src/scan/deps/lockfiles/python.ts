import type { LockedPackage, LockfileInput } from "../types.js";
import {
  KeyLines,
  commitOf,
  isRecord,
  lockfileError,
  parseJson,
} from "./errors.js";
import { parseToml, tableArrayLines } from "./toml.js";

/**
 * requirements.txt: only exact pins (`==`, `===`) name an installed version; extras, markers,
 * per-requirement options and `\` continuations are handled, and `-r`/`-c` includes are followed
 * once each (a loop ends, it does not hang).
 */
export function parseRequirements(input: LockfileInput): LockedPackage[] {
  const out: LockedPackage[] = [];
  readRequirements(input.path, input.text, input, new Set([input.path]), out);
  return out;
}

function readRequirements(
  path: string,
  text: string,
  input: LockfileInput,
  seen: Set<string>,
  out: LockedPackage[],
): void {
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const startLine = i + 1;
    let line = raw[i]!;
    while (line.trimEnd().endsWith("\\") && i + 1 < raw.length) {
      line = `${line.trimEnd().slice(0, -1)} ${raw[++i]!}`;
    }
    line = line.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    const include = /^(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/.exec(
      line,
    );
    if (include) {
      const target = include[1]!;
      if (seen.has(target)) continue;
      seen.add(target);
      const included = input.readRelative?.(target);
      if (included === undefined) continue;
      readRequirements(target, included, input, seen, out);
      continue;
    }
    if (line.startsWith("-")) continue;
    // Drop environment markers and per-requirement options.
    const spec = line
      .split(";")[0]!
      .split(/\s--?[a-zA-Z]/)[0]!
      .trim();
    const m =
      /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(===?)\s*([^\s,;*]+)\s*$/.exec(
        spec,
      );
    if (!m) continue;
    out.push({
      name: m[1]!,
      version: m[3]!,
      ecosystem: "PyPI",
      groups: [],
      direct: path === input.path,
      line: startLine,
      ...(path === input.path ? {} : { path: [path, m[1]!] }),
    });
  }
}

/** poetry.lock: `[[package]]` name/version, groups from `optional` and `groups`. */
export function parsePoetryLock(input: LockfileInput): LockedPackage[] {
  const doc = parseToml(input.path, input.text);
  const lines = tableArrayLines(input.text, "package");
  const packages = Array.isArray(doc.package) ? doc.package : [];
  return packages.flatMap((entry: unknown, i): LockedPackage[] => {
    if (!isRecord(entry) || typeof entry.name !== "string") return [];
    const groups = Array.isArray(entry.groups)
      ? entry.groups.filter(
          (g): g is string => typeof g === "string" && g !== "main",
        )
      : typeof entry.category === "string" && entry.category !== "main"
        ? [entry.category]
        : [];
    if (entry.optional === true) groups.push("optional");
    const source = isRecord(entry.source) ? entry.source : {};
    const commit =
      source.type === "git" && typeof source.resolved_reference === "string"
        ? source.resolved_reference
        : undefined;
    return [
      {
        name: entry.name,
        version: String(entry.version ?? ""),
        ecosystem: "PyPI",
        groups,
        ...(commit ? { commit } : {}),
        ...(lines[i] ? { line: lines[i] } : {}),
      },
    ];
  });
}

/** Pipfile.lock: `default` and `develop` (dev) with `"version": "==x"`. */
export function parsePipfileLock(input: LockfileInput): LockedPackage[] {
  if (input.text.trim() === "") return [];
  const doc = parseJson(input.path, input.text);
  if (!isRecord(doc))
    throw lockfileError(input.path, 1, "not a Pipfile.lock object");
  const lines = new KeyLines(input.text);
  const out: LockedPackage[] = [];
  for (const [section, groups] of [
    ["default", []],
    ["develop", ["dev"]],
  ] as const) {
    const entries = doc[section];
    if (!isRecord(entries)) continue;
    lines.next(section);
    for (const [name, entry] of Object.entries(entries)) {
      const line = lines.next(name);
      if (!isRecord(entry) || typeof entry.version !== "string") continue;
      const version = entry.version.replace(/^===?/, "");
      out.push({
        name,
        version,
        ecosystem: "PyPI",
        groups: [...groups],
        ...(typeof entry.ref === "string" ? { commit: entry.ref } : {}),
        ...(line ? { line } : {}),
      });
    }
  }
  return out;
}

/** uv.lock (and pdm.lock, pylock.toml): TOML `[[package]]` with name/version; the project itself is skipped. */
export function parseTomlPackages(input: LockfileInput): LockedPackage[] {
  const doc = parseToml(input.path, input.text);
  const key = Array.isArray(doc.packages) ? "packages" : "package";
  const lines = tableArrayLines(input.text, key);
  const packages = Array.isArray(doc[key]) ? (doc[key] as unknown[]) : [];
  return packages.flatMap((entry, i): LockedPackage[] => {
    if (
      !isRecord(entry) ||
      typeof entry.name !== "string" ||
      entry.version === undefined
    )
      return [];
    const source = isRecord(entry.source) ? entry.source : {};
    if (source.virtual !== undefined || source.editable !== undefined)
      return [];
    const vcs = isRecord(entry.vcs) ? entry.vcs : undefined;
    const commit =
      (typeof source.git === "string" ? commitOf(source.git) : undefined) ??
      (typeof entry.revision === "string" ? entry.revision : undefined) ??
      (vcs && typeof vcs["commit-id"] === "string"
        ? vcs["commit-id"]
        : undefined);
    const groups = Array.isArray(entry.groups)
      ? entry.groups.filter(
          (g): g is string => typeof g === "string" && g !== "default",
        )
      : [];
    return [
      {
        name: entry.name,
        version: String(entry.version),
        ecosystem: "PyPI",
        groups,
        ...(commit ? { commit } : {}),
        ...(lines[i] ? { line: lines[i] } : {}),
      },
    ];
  });
}
