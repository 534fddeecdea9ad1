/**
 * A `.env` file parsed for `sluice secrets import`: `NAME=value` lines, `export NAME=value`,
 * values in single quotes (literal, may span lines) or double quotes (`\n`, `\"`, `\\` escapes,
 * may span lines), `#` comments and blank lines. Pure: every problem is reported with its line,
 * and the caller imports nothing when there is one.
 */
interface DotenvEntry {
  name: string;
  value: string;
  line: number;
}

interface DotenvProblem {
  line: number;
  message: string;
}

export interface DotenvResult {
  entries: DotenvEntry[];
  problems: DotenvProblem[];
}

const assignment = /^(?:export\s+)?([^=\s]*)\s*=\s?(.*)$/;

export function parseDotenv(text: string): DotenvResult {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const entries: DotenvEntry[] = [];
  const problems: DotenvProblem[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = assignment.exec(line);
    if (!match) {
      problems.push({
        line: lineNo,
        message: /^export\s+\S+$/.test(line)
          ? "`export NAME` without a value"
          : "not NAME=value",
      });
      continue;
    }
    const name = match[1] ?? "";
    let rest = (match[2] ?? "").trim();
    if (name === "") {
      problems.push({ line: lineNo, message: "no name before '='" });
      continue;
    }
    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may go on over the next lines until its closing quote.
      let body = rest.slice(1);
      let close = closingQuote(body, quote);
      let j = i;
      while (close < 0 && j + 1 < lines.length) {
        j++;
        body += `\n${lines[j] ?? ""}`;
        close = closingQuote(body, quote);
      }
      if (close < 0) {
        problems.push({
          line: lineNo,
          message: `the ${quote === '"' ? "double" : "single"} quote is never closed`,
        });
        break;
      }
      const after = body.slice(close + 1).trim();
      i = j;
      if (after !== "" && !after.startsWith("#")) {
        problems.push({
          line: lineNo,
          message: "text after the closing quote",
        });
        continue;
      }
      const inner = body.slice(0, close);
      value = quote === "'" ? inner : unescape(inner);
    } else {
      // An unquoted value ends at ` #` (a comment), as in docker compose and dotenv.
      const comment = rest.search(/\s#/);
      if (comment >= 0) rest = rest.slice(0, comment).trimEnd();
      value = rest;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        line: lineNo,
        message: `${name} is set again (first on line ${first})`,
      });
      continue;
    }
    seen.set(name, lineNo);
    entries.push({ name, value, line: lineNo });
  }
  return { entries, problems };
}

function closingQuote(body: string, quote: string): number {
  for (let k = 0; k < body.length; k++) {
    if (quote === '"' && body[k] === "\\") {
      k++;
      continue;
    }
    if (body[k] === quote) return k;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/gs, (_all, c: string) =>
    c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c,
  );
}
