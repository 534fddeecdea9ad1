import {
  chmodSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { AppError } from "../../kernel/index.js";

/** The hooks sluice manages. */
const hookNames = ["pre-commit", "pre-push"] as const;
type HookName = (typeof hookNames)[number];

const marker = "# sluice-managed-hook";
const chainedSuffix = ".sluice-chained";

/** Lockfiles whose change in a pushed range triggers the dependency scan. */
const lockfilePattern =
  "(^|/)(package-lock\\.json|npm-shrinkwrap\\.json|yarn\\.lock|pnpm-lock\\.yaml|bun\\.lock|requirements[^/]*\\.txt|poetry\\.lock|Pipfile\\.lock|uv\\.lock|go\\.mod|Cargo\\.lock|Gemfile\\.lock|composer\\.lock)$";

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script of one hook; `command` runs sluice (absolute node + script, recorded at install). */
function hookScript(
  name: HookName,
  command: string[],
  confidence?: string,
): string {
  const sluice = command.map(quote).join(" ");
  const head = [
    "#!/bin/sh",
    marker,
    "# Installed by `sluice hooks install`; `sluice hooks uninstall` restores the previous hook.",
    `chained="$(dirname "$0")/${name}${chainedSuffix}"`,
  ];
  if (name === "pre-commit")
    return [
      ...head,
      'if [ -x "$chained" ]; then "$chained" "$@" || exit $?; fi',
      `exec ${sluice} scan secrets --staged${confidence && confidence !== "medium" ? ` --confidence ${confidence}` : ""}`,
      "",
    ].join("\n");
  // pre-push: stdin lists "<local ref> <local sha> <remote ref> <remote sha>" per pushed ref.
  return [
    ...head,
    "input=$(cat)",
    'if [ -x "$chained" ]; then printf "%s\\n" "$input" | "$chained" "$@" || exit $?; fi',
    "zero=0000000000000000000000000000000000000000",
    "changed=''",
    "while read -r local_ref local_sha remote_ref remote_sha; do",
    '  [ -z "$local_sha" ] && continue',
    '  [ "$local_sha" = "$zero" ] && continue',
    '  if [ "$remote_sha" = "$zero" ]; then',
    '    files=$(git log --name-only --format= "$local_sha" --not --remotes)',
    "  else",
    '    files=$(git diff --name-only "$remote_sha" "$local_sha")',
    "  fi",
    '  changed="$changed',
    '$files"',
    "done <<EOF",
    "$input",
    "EOF",
    `if printf "%s\\n" "$changed" | grep -Eq ${quote(lockfilePattern)}; then`,
    // A push that removes the last lockfile has nothing to scan: not a reason to refuse it.
    `  exec ${sluice} scan deps --allow-no-lockfiles .`,
    "fi",
    "exit 0",
    "",
  ].join("\n");
}

function isOurs(file: string): boolean {
  return existsSync(file) && readFileSync(file, "utf8").includes(marker);
}

export interface HookChange {
  hook: HookName;
  action: "installed" | "updated" | "chained" | "removed" | "restored" | "left";
  detail?: string;
}

/**
 * Installs the hooks into a hooks folder. An existing hook that is not ours is renamed to
 * `<name>.sluice-chained` and called first; running it again only refreshes our script.
 * With a foreign hook *and* an older chained one present, `force` is needed (one would be lost).
 */
export function installHooks(
  hooksDir: string,
  command: string[],
  options: { force?: boolean; confidence?: "low" | "medium" | "high" } = {},
): HookChange[] {
  const changes: HookChange[] = [];
  for (const hook of hookNames) {
    const file = join(hooksDir, hook);
    const chained = file + chainedSuffix;
    let action: HookChange["action"] = "installed";
    if (isOurs(file)) action = "updated";
    else if (existsSync(file)) {
      if (existsSync(chained) && !options.force)
        throw new AppError(
          "CONFLICT",
          `${file} exists and ${chained} too: rerun with --force to replace ${chained} by the current hook`,
        );
      renameSync(file, chained);
      action = "chained";
    }
    writeFileSync(file, hookScript(hook, command, options.confidence));
    chmodSync(file, 0o755);
    changes.push({
      hook,
      action,
      ...(action === "chained"
        ? { detail: `previous hook kept as ${hook}${chainedSuffix}` }
        : {}),
    });
  }
  return changes;
}

/** Removes our hooks and puts chained ones back; a hook that is not ours is left alone. */
export function uninstallHooks(hooksDir: string): HookChange[] {
  return hookNames.map((hook) => {
    const file = join(hooksDir, hook);
    const chained = file + chainedSuffix;
    if (!isOurs(file))
      return {
        hook,
        action: "left" as const,
        detail: existsSync(file) ? "not installed by sluice" : "none",
      };
    rmSync(file);
    if (existsSync(chained)) {
      renameSync(chained, file);
      return { hook, action: "restored" as const };
    }
    return { hook, action: "removed" as const };
  });
}
