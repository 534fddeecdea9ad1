import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import type { parse as parseYaml } from "yaml";

/** The project a command works on, and how that was decided (shown to the user). */
export interface ResolvedProject {
  name: string;
  basis: string;
  /** False when nothing marks the folder as a project (no sluice.yml, no git repository). */
  inProject: boolean;
}

/**
 * The project of every command (run, deploy, rollout, releases, flags, metrics): `--project` when
 * given, else the `name` in the folder's sluice.yml (or in the repository's top folder's), else
 * the repository's top folder's name, else the folder's name. One rule, so what `sluice deploy`
 * records `sluice rollout` finds.
 */
export function resolveProject(
  dir: string,
  option?: string | undefined,
): ResolvedProject {
  if (option !== undefined)
    return { name: option, basis: "--project", inProject: true };
  const here = configName(dir);
  if (here)
    return { name: here, basis: "the name in ./sluice.yml", inProject: true };
  const top = gitTop(dir);
  if (top && resolve(top) !== resolve(dir)) {
    const atTop = configName(top);
    if (atTop)
      return {
        name: atTop,
        basis: `the name in ${join(top, "sluice.yml")}`,
        inProject: true,
      };
  }
  if (top)
    return {
      name: basename(top),
      basis: "the repository folder's name",
      inProject: true,
    };
  return {
    name: basename(resolve(dir)),
    basis: "the folder's name",
    inProject: here === null,
  };
}

/** The `name` of the sluice.yml in `dir`: a string, undefined without one, null when it has no name. */
function configName(dir: string): string | null | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, "sluice.yml"), "utf8");
  } catch {
    return undefined;
  }
  try {
    // Loaded here, not at start: `sluice --help` stays fast.
    const { parse } = createRequire(import.meta.url)("yaml") as {
      parse: typeof parseYaml;
    };
    const doc: unknown = parse(text);
    const name =
      doc && typeof doc === "object" && "name" in doc
        ? (doc as { name: unknown }).name
        : undefined;
    return typeof name === "string" && name.trim() ? name.trim() : null;
  } catch {
    // A sluice.yml that does not parse names nothing; `sluice config` reports why.
    return null;
  }
}

function gitTop(dir: string): string | undefined {
  try {
    const out = execFileSync("git", ["rev-parse", "--show-toplevel"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}
