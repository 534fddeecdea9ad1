/**
 * Parses a `$SLUICE_OUTPUT` / `$SLUICE_ENV` file in GitHub's format: `key=value` lines, and
 * `key<<DELIMITER` followed by lines up to a line equal to DELIMITER for multi-line values.
 * Later entries win. A heredoc without its closing delimiter takes the rest of the file.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") continue;
    const heredoc = /^([^=<\s][^=<]*?)<<(.+)$/.exec(line);
    const eq = line.indexOf("=");
    if (heredoc && (eq === -1 || eq > line.indexOf("<<"))) {
      const [, key = "", delimiter = ""] = heredoc;
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter)
        body.push(lines[i++] ?? "");
      result[key.trim()] = body.join("\n");
      continue;
    }
    if (eq > 0) result[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return result;
}
