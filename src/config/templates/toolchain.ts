import semver from "semver";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import type { Step } from "../schema.js";

/**
 * The toolchain a golden path checks for: an exact version (`20`, `'3.12'`, `'1.22.1'`, which
 * matches that version and anything under it, e.g. 20.11.1) or a range in the ecosystem's own
 * grammar: a semver range for node (`>=18`, `^20 || ^22`), PEP 440 specifiers for python
 * (`>=3.10`, `~=3.11`, `>=3.9,!=3.11.*,<3.14`), comparators for go (`>=1.15`; go.mod's `go`
 * directive is a minimum). See docs/adr/013-toolchain-ranges.md.
 */
export type Toolchain = "node" | "python" | "go";

/** One comparison on release numbers: `=*` / `!*` are (not) "starts with" (`==3.11.*`, `20`). */
interface Comparator {
  op: ">=" | ">" | "<=" | "<" | "=" | "!=" | "=*" | "!*";
  version: number[];
}

/** Any of the sets holds when all of its comparators hold (semver's `||`; PEP 440 has one set). */
export type Requirement = Comparator[][];

const exact = /^\d+(\.\d+){0,2}$/;

const examples: Record<Toolchain, string> = {
  node: "a node version or semver range such as 20 or '>=18'",
  python: "a python version or PEP 440 specifiers such as '3.12' or '>=3.10'",
  go: "a go version or minimum such as '1.22' or '>=1.15'",
};

const release = (text: string): number[] => text.split(".").map(Number);

/** `version` in a range, with what went wrong when it is not one. */
export function parseRequirement(
  tool: Toolchain,
  text: string,
): { requirement: Requirement } | { error: string } {
  const trimmed = text.trim();
  if (exact.test(trimmed))
    return { requirement: [[{ op: "=*", version: release(trimmed) }]] };
  try {
    if (tool === "node") return { requirement: semverRequirement(trimmed) };
    return { requirement: [clauses(tool, trimmed)] };
  } catch (error) {
    return { error: error instanceof RangeError ? error.message : "" };
  }
}

function semverRequirement(text: string): Requirement {
  let range: semver.Range;
  try {
    range = new semver.Range(text);
  } catch {
    throw new RangeError("not a semver range");
  }
  return range.set.map((set) =>
    set.map((c): Comparator => {
      // `*` and `x` ranges hold one comparator that matches anything.
      if (c.value === "") return { op: ">=", version: [0] };
      // Toolchains are releases: `<19.0.0-0` (what `^18` means) compares as `<19.0.0`.
      const version = [c.semver.major, c.semver.minor, c.semver.patch];
      return { op: c.operator === "" ? "=" : c.operator, version };
    }),
  );
}

const clause = /^(~=|===|==|!=|<=|>=|<|>|=)?\s*v?(\d+(?:\.\d+)*)(\.\*)?$/;

/** PEP 440 specifiers (comma-separated) or go comparators (comma- or space-separated). */
function clauses(tool: "python" | "go", text: string): Comparator[] {
  const parts =
    tool === "python"
      ? text.split(",")
      : text.replace(/(>=|<=|!=|==|[<>=])\s+/g, "$1").split(/[\s,]+/);
  const result: Comparator[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    const match = clause.exec(
      tool === "go" ? part.replace(/go(?=\d)/, "") : part,
    );
    if (!match)
      throw new RangeError(
        part === ""
          ? "an empty clause"
          : `${JSON.stringify(part)} is not a comparison on release numbers`,
      );
    const [, op = "", digits = "", star] = match;
    const version = release(digits);
    if (op === "===")
      throw new RangeError("=== (arbitrary equality) names no range");
    if (tool === "python" && (op === "" || op === "="))
      throw new RangeError(`write ==${digits} or a bare version`);
    if (star && op !== "==" && op !== "!=")
      throw new RangeError(`.* goes only with == and !=`);
    if (op === "~=") {
      if (version.length < 2)
        throw new RangeError(`~= needs two numbers, such as ~=${digits}.0`);
      result.push({ op: ">=", version });
      result.push({ op: "=*", version: version.slice(0, -1) });
    } else if (op === "==" || op === "=" || op === "")
      result.push({ op: star ? "=*" : "=", version });
    else if (op === "!=") result.push({ op: star ? "!*" : "!=", version });
    else result.push({ op: op as Comparator["op"], version });
  }
  return result;
}

/**
 * The zod type of a `<tool>-version` input: a version or range, checked when the file loads. A
 * bare `3.10` is the YAML number 3.1, so decimal numbers are refused with a hint to quote them.
 */
export function toolchainVersion(tool: Toolchain) {
  return z
    .union([z.string().min(1), z.number()])
    .describe(`${examples[tool]}; checked against the host's ${tool}`)
    .superRefine((value, ctx) => {
      if (typeof value === "number") {
        if (!Number.isInteger(value) || value < 0)
          ctx.addIssue({
            code: "custom",
            message:
              "a version with a dot in quotes, such as '3.10' (YAML reads 3.10 as the number 3.1)",
          });
        return;
      }
      const parsed = parseRequirement(tool, value);
      if ("error" in parsed)
        ctx.addIssue({
          code: "custom",
          message: `${examples[tool]}${parsed.error ? ` (${parsed.error})` : ""}`,
        });
    })
    .transform((value) => String(value).trim());
}

/** Quotes a word for bash and sh: `'it'\''s'`. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** `>=:18.0.0 <:19.0.0|>=:22.0.0`, what the check's awk program reads. */
function encode(requirement: Requirement): string {
  return requirement
    .map((set) => set.map((c) => `${c.op}:${c.version.join(".")}`).join(" "))
    .join("|");
}

// Compares release numbers padded with zeros (3.10 == 3.10.0), as semver and PEP 440 do. Prints the
// found version (the first run of dotted numbers in the tool's output) and exits 0 when a set holds.
const awkProgram = `
function cmp(a, b,   x, y, n, m, i, p, q) {
  n = split(a, x, "."); m = split(b, y, ".")
  for (i = 1; i <= n || i <= m; i++) {
    p = (i <= n) ? x[i] + 0 : 0; q = (i <= m) ? y[i] + 0 : 0
    if (p < q) return -1
    if (p > q) return 1
  }
  return 0
}
function starts(a, b,   x, y, n, m, i) {
  n = split(a, x, "."); m = split(b, y, ".")
  for (i = 1; i <= m; i++) if (((i <= n) ? x[i] + 0 : 0) != y[i] + 0) return 0
  return 1
}
function holds(op, v,   c) {
  if (op == "=*") return starts(found, v)
  if (op == "!*") return !starts(found, v)
  c = cmp(found, v)
  if (op == ">=") return c >= 0
  if (op == ">") return c > 0
  if (op == "<=") return c <= 0
  if (op == "<") return c < 0
  if (op == "=") return c == 0
  return c != 0
}
BEGIN {
  if (!match(out, /[0-9]+(\\.[0-9]+)*/)) exit 2
  found = substr(out, RSTART, RLENGTH)
  print found
  sets = split(want, set, "|")
  for (s = 1; s <= sets; s++) {
    ok = 1; n = split(set[s], cmps, " ")
    for (j = 1; j <= n && ok; j++) { split(cmps[j], pv, ":"); ok = holds(pv[1], pv[2]) }
    if (ok) exit 0
  }
  exit 1
}`;

/** The found toolchain in a cache key: written by {@link versionCheck}'s step. */
export const toolchainKey = "${{ steps.toolchain.outputs.version }}";

/** How many numbers of the found version name the toolchain in cache keys (20, 3.12, 1.22). */
const keyParts: Record<Toolchain, number> = { node: 1, python: 2, go: 2 };

/**
 * A step that fails fast when the host's toolchain does not satisfy `wanted` (sluice runs steps on
 * the host, so the version input checks instead of installing). `command` prints e.g. `v20.1.0`.
 * Its id is `toolchain`; it writes `version=20` (the found major, or major.minor) to
 * `$SLUICE_OUTPUT` for cache keys, since a range lets the host's version change under them.
 */
export function versionCheck(
  tool: Toolchain,
  command: string,
  wanted: string,
  input: string,
): Step {
  const parsed = parseRequirement(tool, wanted);
  // The input's schema refuses a bad range when the file loads; this is a template's own bug.
  if ("error" in parsed)
    throw new AppError("INTERNAL", `${input} must be ${examples[tool]}`);
  const q = shellQuote;
  const want = `${wanted} (input ${input})`;
  return {
    id: "toolchain",
    name: `check ${tool} ${wanted}`,
    run: [
      `if ! out="$(${command} 2>&1)"; then`,
      `  printf 'sluice: %s failed: %s; the pipeline wants ${tool} %s\\n' ${q(command)} "$out" ${q(want)} >&2`,
      "  exit 1",
      "fi",
      `if found="$(awk -v out="$out" -v want=${q(encode(parsed.requirement))} ${q(awkProgram)})"; then`,
      `  echo "$out"`,
      `  echo "version=$(echo "$found" | cut -d. -f1-${keyParts[tool]})" >> "$SLUICE_OUTPUT"`,
      "else",
      `  printf 'sluice: found ${tool} %s; the pipeline wants %s\\n' "$out" ${q(want)} >&2`,
      "  exit 1",
      "fi",
    ].join("\n"),
  };
}
