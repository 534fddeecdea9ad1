import type { Logger } from "../../src/kernel/index.js";

type Level = keyof Logger;

/** One call of a capturing logger. */
export interface LoggedLine {
  level: Level;
  msg: string;
  fields: Record<string, unknown>;
}

/**
 * A Logger that keeps what it is given, for tests that look at what would be logged (an event
 * logged once, no secret in any line). `text(from)` is the lines from index `from` on, one JSON
 * object each as the file logger writes them.
 */
export function capturingLogger(): Logger & {
  lines: LoggedLine[];
  messages(level: Level): string[];
  text(from?: number): string;
} {
  const lines: LoggedLine[] = [];
  const log =
    (level: Level) => (msg: string, fields?: Record<string, unknown>) =>
      void lines.push({ level, msg, fields: fields ?? {} });
  return {
    lines,
    messages: (level) =>
      lines.filter((l) => l.level === level).map((l) => l.msg),
    text: (from = 0) =>
      lines
        .slice(from)
        .map(({ level, msg, fields }) =>
          JSON.stringify({ level, msg, ...fields }),
        )
        .join("\n"),
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
}
