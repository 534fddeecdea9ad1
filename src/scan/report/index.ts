import { formatHuman } from "./human.js";
import type { HumanOptions } from "./human.js";
import { formatJson } from "./json.js";
import { formatSarif } from "./sarif.js";
import type { ReportFormat, ReportInput } from "./types.js";

export { codeFrame, isSensitive, secretSpans } from "./frame.js";
export type { FileSpan, SecretSpan } from "./frame.js";
export { formatHuman, summaryLine } from "./human.js";
export type { HumanOptions } from "./human.js";
export { countBySeverity, formatJson, sortFindings } from "./json.js";
export { formatSarif, levelOf, securityScore, toSarif } from "./sarif.js";
export { reportFormats } from "./types.js";
export type {
  ReportFormat,
  ReportInput,
  RuleInfo,
  ScanMetadata,
  ToolInfo,
} from "./types.js";

/** Formats findings in one of the `--format` outputs. */
export function formatReport(
  format: ReportFormat,
  input: ReportInput,
  options: HumanOptions = {},
): string {
  switch (format) {
    case "json":
      return formatJson(input);
    case "sarif":
      return formatSarif(input);
    case "human":
      return formatHuman(input, options);
  }
}
export {
  findingsAtOrAbove,
  indexSourceReader,
  sourceReader,
} from "./source.js";
