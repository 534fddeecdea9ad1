import { LineCounter, isMap, isScalar, parseDocument } from "yaml";
import type { LockedPackage, LockfileInput } from "../types.js";
import { commitOf, isRecord, lockfileError } from "./errors.js";

/**
 * pnpm-lock.yaml v5 to v9. Keys: v5 `/name/1.2.3_peer@x` (a host may lead: `registry/name/v`),
 * v6 `/name@1.2.3(peer@x)`, v9 `name@1.2.3(peer)`. An entry's own `name`/`version` win (git,
 * tarball and `file:` packages).
 */
export function parsePnpmLock(input: LockfileInput): LockedPackage[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(input.text, { lineCounter });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw lockfileError(
      input.path,
      error.linePos?.[0]?.line ?? 1,
      // The YAML parser recurses; it reports a structure too deep for it as a stack overflow.
      /Maximum call stack/.test(error.message)
        ? "invalid YAML: nested too deeply"
        : `invalid YAML: ${error.message.split("\n")[0]}`,
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return [];
  if (!isRecord(value))
    throw lockfileError(input.path, 1, "not a pnpm lockfile");
  const version = Number.parseFloat(String(value.lockfileVersion ?? "5"));
  const packagesNode = doc.get("packages", true);
  if (!isMap(packagesNode)) return [];
  const direct = new Set<string>();
  for (const section of [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
  ]) {
    const deps = value[section];
    if (isRecord(deps)) for (const n of Object.keys(deps)) direct.add(n);
  }
  const importers = value.importers;
  if (isRecord(importers)) {
    for (const importer of Object.values(importers)) {
      if (!isRecord(importer)) continue;
      for (const section of [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
      ]) {
        const deps = importer[section];
        if (isRecord(deps)) for (const n of Object.keys(deps)) direct.add(n);
      }
    }
  }
  const out: LockedPackage[] = [];
  for (const pair of packagesNode.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const line = lineCounter.linePos(
      (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? 0,
    ).line;
    const entry = (isMap(pair.value) ? pair.value.toJSON() : {}) as Record<
      string,
      unknown
    >;
    const parsed = parseKey(key, version);
    const name = typeof entry.name === "string" ? entry.name : parsed?.name;
    const pkgVersion =
      typeof entry.version === "string" || typeof entry.version === "number"
        ? String(entry.version)
        : parsed?.version;
    if (!name || !pkgVersion) {
      if (key.startsWith("file:") || /^[^/]+\.[a-z]+\//.test(key)) continue;
      if (parsed === null)
        throw lockfileError(
          input.path,
          line,
          `invalid dependency path '${key}'`,
        );
      continue;
    }
    const resolution = isRecord(entry.resolution) ? entry.resolution : {};
    const commit =
      (typeof resolution.commit === "string" ? resolution.commit : undefined) ??
      (typeof resolution.tarball === "string" &&
      resolution.tarball.includes("codeload.")
        ? commitOf(resolution.tarball)
        : undefined);
    const groups: string[] = [];
    if (entry.dev === true) groups.push("dev");
    if (entry.optional === true) groups.push("optional");
    out.push({
      name,
      version: pkgVersion,
      ecosystem: "npm",
      groups,
      ...(commit ? { commit } : {}),
      ...(direct.size > 0 ? { direct: direct.has(name) } : {}),
      line,
    });
  }
  return out;
}

/**
 * The name and version in a package key; undefined when the key names no registry version
 * (a git host path), null when it is not a dependency path at all.
 */
function parseKey(
  key: string,
  lockfileVersion: number,
): { name: string; version: string } | undefined | null {
  let k = key;
  // Peer suffixes: v6+ `(peer@x)`, v5 `_peer@x`.
  k = k.replace(/\(.*$/, "");
  if (lockfileVersion >= 6 || (!k.includes("/", 1) && k.indexOf("@", 1) > 0)) {
    k = k.replace(/^\//, "");
    const at = k.lastIndexOf("@");
    if (at <= 0) return k.includes("/") ? undefined : null;
    return { name: k.slice(0, at), version: k.slice(at + 1) };
  }
  if (!k.includes("/")) return null;
  const segments = k.replace(/^\//, "").split("/");
  // A key not starting with `/` begins with a registry host.
  if (!k.startsWith("/")) segments.shift();
  const last = segments.pop() ?? "";
  const version = last.replace(/_.*$/, "");
  if (!/^\d/.test(version) || segments.length === 0) return undefined;
  return { name: segments.join("/"), version };
}
