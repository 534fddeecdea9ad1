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

/** The lines of each `[[name]]` array-of-tables header, in order (entry i is on line i). */
export function tableArrayLines(text: string, name: string): number[] {
  const lines: number[] = [];
  const header = `[[${name}]]`;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === header) lines.push(i + 1);
  });
  return lines;
}
