import { basename } from "node:path";
import type { LockedPackage, LockfileInput } from "../types.js";
import { lockfileError } from "./errors.js";

interface Require {
  path: string;
  version: string;
  line: number;
  indirect: boolean;
}

/**
 * go.mod: `require` directives (single and blocks), `replace` applied on top, and a `stdlib`
 * package from the `toolchain` (else `go`) directive. Versions lose their leading `v`. For
 * go < 1.17 modules, whose go.mod lists only direct requirements, go.sum adds the rest.
 */
export function parseGoMod(input: LockfileInput): LockedPackage[] {
  const lines = input.text.split(/\r?\n/);
  const requires: Require[] = [];
  const replaces: {
    from: string;
    fromVersion?: string;
    to: string;
    toVersion?: string;
    line: number;
  }[] = [];
  let goVersion: { version: string; line: number } | undefined;
  let toolchain: { version: string; line: number } | undefined;
  let block: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const full = lines[i]!;
    const indirect = /\/\/\s*indirect/.test(full);
    const text = full.replace(/\/\/.*$/, "").trim();
    if (text === "") continue;
    if (block) {
      if (text === ")") {
        block = undefined;
        continue;
      }
      directive(block, text.split(/\s+/), lineNo, indirect);
      continue;
    }
    const words = text.split(/\s+/);
    const verb = words[0]!;
    if (words[1] === "(") {
      block = verb;
      continue;
    }
    directive(verb, words.slice(1), lineNo, indirect);
  }
  if (block)
    throw lockfileError(
      input.path,
      lines.length,
      `unclosed '${block} (' block`,
    );

  function directive(
    verb: string,
    args: string[],
    line: number,
    indirect: boolean,
  ): void {
    switch (verb) {
      case "module":
      case "exclude":
      case "retract":
      case "godebug":
      case "tool":
      case "ignore":
        return;
      case "go":
        goVersion = { version: args[0] ?? "", line };
        return;
      case "toolchain":
        toolchain = {
          version: (args[0] ?? "").replace(/^go/, "").replace(/[-+].*$/, ""),
          line,
        };
        return;
      case "require":
        if (args.length < 2)
          throw lockfileError(
            input.path,
            line,
            "require needs a module path and a version",
          );
        requires.push({
          path: unquote(args[0]!),
          version: args[1]!,
          line,
          indirect,
        });
        return;
      case "replace": {
        const arrow = args.indexOf("=>");
        if (arrow < 1 || arrow === args.length - 1)
          throw lockfileError(input.path, line, "replace needs 'old => new'");
        const left = args.slice(0, arrow);
        const right = args.slice(arrow + 1);
        replaces.push({
          from: unquote(left[0]!),
          ...(left[1] ? { fromVersion: left[1] } : {}),
          to: unquote(right[0]!),
          ...(right[1] ? { toVersion: right[1] } : {}),
          line,
        });
        return;
      }
      default:
        throw lockfileError(
          input.path,
          line,
          `unknown go.mod directive '${verb}'`,
        );
    }
  }

  if (goVersion && compareGoLang(goVersion.version, "1.17") < 0) {
    const stem = basename(input.path).replace(/\.mod$/, "");
    const sum =
      input.readRelative?.("go.sum") ?? input.readRelative?.(`${stem}.sum`);
    if (sum !== undefined) {
      const known = new Set(requires.map((r) => r.path));
      for (const entry of sum.split(/\r?\n/)) {
        const [path, version] = entry.trim().split(/\s+/);
        if (!path || !version || version.endsWith("/go.mod") || known.has(path))
          continue;
        known.add(path);
        requires.push({ path, version, line: 0, indirect: true });
      }
    }
  }

  const out: LockedPackage[] = [];
  for (const req of requires) {
    const replace =
      replaces.find(
        (r) => r.from === req.path && r.fromVersion === req.version,
      ) ??
      replaces.find((r) => r.from === req.path && r.fromVersion === undefined);
    const name = replace ? replace.to : req.path;
    const local = replace !== undefined && /^\.{1,2}\//.test(replace.to);
    const version = replace
      ? local
        ? ""
        : (replace.toVersion ?? req.version)
      : req.version;
    out.push({
      name,
      version: version.replace(/^v/, ""),
      ecosystem: "Go",
      groups: [],
      direct: !req.indirect,
      ...(replace
        ? { line: replace.line }
        : req.line
          ? { line: req.line }
          : {}),
    });
  }
  const std = toolchain ?? goVersion;
  if (std && std.version)
    out.push({
      name: "stdlib",
      version: std.version,
      ecosystem: "Go",
      groups: [],
      line: std.line,
    });
  return dedupe(out);
}

function unquote(s: string): string {
  return s.replace(/^"(.*)"$/, "$1");
}

function dedupe(packages: LockedPackage[]): LockedPackage[] {
  const seen = new Set<string>();
  return packages.filter((p) => {
    const key = `${p.name}@${p.version}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compareGoLang(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
