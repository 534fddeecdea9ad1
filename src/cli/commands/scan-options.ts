import { writeFileSync } from "node:fs";
import { AppError, messageOf } from "../../kernel/index.js";
// The constants only, not scan/index.js: every CLI command loads this file at start-up.
import { defaultFailOn, severities } from "../../scan/finding.js";
import { reportFormats } from "../../scan/report/types.js";
import type { ReportFormat, Severity } from "../../scan/index.js";

/** `--format` checked against the report formats. */
export function parseFormat(value: string): ReportFormat {
  if (!(reportFormats as readonly string[]).includes(value)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `--format must be one of ${reportFormats.join(", ")}, not '${value}'`,
    );
  }
  return value as ReportFormat;
}

/** The default `--fail-on` of every scan command (the one constant of scan, ADR 043). */
export { defaultFailOn };

/** `--fail-on` checked against the severities. */
export function parseSeverity(value: string): Severity {
  const lower = value.toLowerCase();
  if (!(severities as readonly string[]).includes(lower)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `--fail-on must be one of ${severities.join(", ")}, not '${value}'`,
    );
  }
  return lower as Severity;
}

/**
 * Writes a report to `--output FILE`, or to stdout, resolving once stdout has taken the whole
 * text: bin/sluice.js exits right after the command, which would cut a large piped report short.
 */
export async function writeReport(
  text: string,
  output: string | undefined,
): Promise<void> {
  if (!output) {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(text, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    return;
  }
  try {
    writeFileSync(output, text);
  } catch (error) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `cannot write ${output}: ${messageOf(error)}`,
      { cause: error },
    );
  }
}
