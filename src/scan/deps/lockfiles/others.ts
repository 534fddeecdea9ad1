import type { LockedPackage, LockfileInput } from "../types.js";
import { KeyLines, isRecord, lockfileError, parseJson } from "./errors.js";
import { parseToml, tableArrayLines } from "./toml.js";

/** Cargo.lock: `[[package]]` name/version, in order of appearance. */
export function parseCargoLock(input: LockfileInput): LockedPackage[] {
  const doc = parseToml(input.path, input.text);
  const lines = tableArrayLines(input.text, "package");
  const packages = Array.isArray(doc.package) ? doc.package : [];
  return packages.flatMap((entry: unknown, i): LockedPackage[] => {
    if (
      !isRecord(entry) ||
      typeof entry.name !== "string" ||
      typeof entry.version !== "string"
    )
      return [];
    const source = typeof entry.source === "string" ? entry.source : "";
    const commit = source.startsWith("git+")
      ? /#([0-9a-f]{7,40})$/.exec(source)?.[1]
      : undefined;
    return [
      {
        name: entry.name,
        version: entry.version,
        ecosystem: "crates.io",
        groups: [],
        ...(commit ? { commit } : {}),
        ...(lines[i] ? { line: lines[i] } : {}),
      },
    ];
  });
}

/**
 * Gemfile.lock: the `specs:` of GEM, GIT and PATH sections (four-space indented
 * `name (version)` lines; six-space lines are their dependencies). GIT sections give a commit.
 */
export function parseGemfileLock(input: LockfileInput): LockedPackage[] {
  const lines = input.text.split(/\r?\n/);
  const out: LockedPackage[] = [];
  const direct = new Set<string>();
  let section = "";
  let revision: string | undefined;
  let inSpecs = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\S/.test(line)) {
      section = line.trim();
      revision = undefined;
      inSpecs = false;
      continue;
    }
    if (section === "DEPENDENCIES") {
      const m = /^ {2}([^\s!(]+)/.exec(line);
      if (m) direct.add(m[1]!);
      continue;
    }
    if (!["GEM", "GIT", "PATH", "PLUGIN SOURCE"].includes(section)) continue;
    const rev = /^ {2}revision: (\S+)/.exec(line);
    if (rev) revision = rev[1];
    if (/^ {2}specs:\s*$/.test(line)) {
      inSpecs = true;
      continue;
    }
    if (!inSpecs) continue;
    const spec = /^ {4}([^\s(]+) \(([^)]+)\)\s*$/.exec(line);
    if (!spec) continue;
    // `nokogiri (1.13.3-x86_64-linux)`: the platform suffix is not part of the version.
    const version = spec[2]!.replace(
      /-(?:x86|x64|arm|aarch|java|universal|mingw|mswin|darwin|linux).*$/,
      "",
    );
    out.push({
      name: spec[1]!,
      version,
      ecosystem: "RubyGems",
      groups: [],
      ...(section === "GIT" && revision ? { commit: revision } : {}),
      line: i + 1,
    });
  }
  if (direct.size > 0) for (const p of out) p.direct = direct.has(p.name);
  return out;
}

/** composer.lock: `packages` and `packages-dev` (dev group), commit from `source.reference`. */
export function parseComposerLock(input: LockfileInput): LockedPackage[] {
  const doc = parseJson(input.path, input.text);
  if (!isRecord(doc))
    throw lockfileError(input.path, 1, "not a composer.lock object");
  const lines = new KeyLines(input.text);
  const out: LockedPackage[] = [];
  for (const [section, groups] of [
    ["packages", []],
    ["packages-dev", ["dev"]],
  ] as const) {
    const entries = doc[section];
    if (!Array.isArray(entries)) continue;
    const sectionAt = input.text.indexOf(`"${section}"`);
    for (const entry of entries) {
      if (!isRecord(entry) || typeof entry.name !== "string") continue;
      const at = input.text.indexOf(
        `"name": ${JSON.stringify(entry.name)}`,
        Math.max(0, sectionAt),
      );
      const source = isRecord(entry.source) ? entry.source : {};
      out.push({
        name: entry.name,
        version: String(entry.version ?? "").replace(/^v(?=\d)/, ""),
        ecosystem: "Packagist",
        groups: [...groups],
        ...(typeof source.reference === "string" &&
        /^[0-9a-f]{40}$/.test(source.reference)
          ? { commit: source.reference }
          : {}),
        ...(at >= 0 ? { line: lines.lineOf(at) } : {}),
      });
    }
  }
  return out;
}
