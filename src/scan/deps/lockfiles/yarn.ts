import type { LockedPackage, LockfileInput } from "../types.js";
import { commitOf, lockfileError } from "./errors.js";

/**
 * yarn.lock, classic (v1) and berry (v2+), with one line-based parser: an unindented header of
 * comma-joined specifiers, then two-space-indented properties (`version "x"` or `version: x`).
 */
export function parseYarnLock(input: LockfileInput): LockedPackage[] {
  const lines = input.text.split(/\r?\n/);
  const out: LockedPackage[] = [];
  let current:
    { header: string; line: number; props: Map<string, string> } | undefined;
  const flush = () => {
    if (current) {
      const pkg = toPackage(current.header, current.line, current.props);
      if (pkg) out.push(pkg);
    }
    current = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    if (!/^\s/.test(raw)) {
      flush();
      if (!raw.trimEnd().endsWith(":")) {
        throw lockfileError(
          input.path,
          i + 1,
          `expected a package header ending with ':'`,
        );
      }
      current = {
        header: raw.trimEnd().slice(0, -1),
        line: i + 1,
        props: new Map(),
      };
      continue;
    }
    if (!current)
      throw lockfileError(
        input.path,
        i + 1,
        "indented line outside a package block",
      );
    // Only the block's own properties (two spaces); deeper lines are dependency lists.
    if (/^ {2}\S/.test(raw)) {
      const m = /^ {2}("?)([^\s":]+)\1:?\s+(.*)$/.exec(raw);
      if (m) current.props.set(m[2]!, unquote(m[3]!.trim()));
    }
  }
  flush();
  return out;
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2
    ? value.slice(1, -1)
    : value;
}

function toPackage(
  header: string,
  line: number,
  props: Map<string, string>,
): LockedPackage | undefined {
  if (header === "__metadata") return undefined;
  // A quoted header may quote each specifier or the whole comma-joined list.
  const first = header.split(",")[0]!.trim().replace(/^"|"$/g, "");
  const resolution = props.get("resolution") ?? "";
  // The root workspace (`name@workspace:.`) is the project itself.
  if (/@workspace:\.$/.test(first) || /@workspace:\.$/.test(resolution))
    return undefined;
  const name = nameOf(first);
  const version = props.get("version") ?? "";
  if (!name) return undefined;
  const commit = commitOf(props.get("resolved")) ?? commitOf(resolution);
  return {
    name,
    version,
    ecosystem: "npm",
    groups: [],
    ...(commit ? { commit } : {}),
    line,
  };
}

/** `@s/n@^1`, `n@npm:^1`, `alias@npm:real@^1` → the real package name. */
function nameOf(specifier: string): string {
  const at = specifier.indexOf("@", 1);
  if (at < 0) return specifier;
  const name = specifier.slice(0, at);
  const rest = specifier.slice(at + 1);
  if (rest.startsWith("npm:")) {
    const target = rest.slice(4);
    if (target.indexOf("@", 1) > 0) return nameOf(target);
  }
  return name;
}
