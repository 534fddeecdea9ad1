import { formatHuman } from "./human.js";
import type { HumanOptions } from "./human.js";
import { formatJson } from "./json.js";
import { formatSarif } from "./sarif.js";
import type { ReportFormat, ReportInput } from "./types.js";

export { summaryLine } from "./human.js";
export type { HumanOptions } from "./human.js";
export { formatSarif, toSarif } from "./sarif.js";
export type { ReportFormat, ReportInput, RuleInfo, ToolInfo } from "./types.js";

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
