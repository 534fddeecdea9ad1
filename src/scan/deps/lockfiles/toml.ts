import { TomlError, parse } from "smol-toml";
import { messageOf } from "../../../kernel/index.js";
import { lockfileError } from "./errors.js";

/** Parses TOML; a syntax error names the file and line. */
export function parseToml(path: string, text: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    const line = error instanceof TomlError ? error.line : 1;
    throw lockfileError(
      path,
      line,
      `invalid TOML: ${messageOf(error).split("\n")[0]}`,
      error,
    );
  }
}

/**
 * The line of each `[[name]]` entry, in order (entry i is on line i): the entry's `name = ...`
 * line when it has one (as osv-scalibr reports), else its header.
 */
export function tableArrayLines(text: string, name: string): number[] {
  const lines: number[] = [];
  const header = `[[${name}]]`;
  let open = false;
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === header) {
      lines.push(i + 1);
      open = true;
    } else if (trimmed.startsWith("[")) {
      open = false;
    } else if (open && /^name\s*=/.test(trimmed)) {
      lines[lines.length - 1] = i + 1;
      open = false;
    }
  });
  return lines;
}
