import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { AppError, messageOf } from "../../kernel/index.js";
import type { Finding, RuleInfo, ToolInfo } from "../../scan/index.js";
import type { CliContext } from "../context.js";
import { parseFormat, parseSeverity, writeReport } from "./scan-options.js";

interface SarifOptions {
  format: string;
  output?: string;
  failOn: string;
}

/** `sluice scan sarif FILE...`: another tool's SARIF as sluice findings. */
export function registerScanSarif(scan: Command, ctx: CliContext): void {
  scan
    .command("sarif")
    .description(
      "import SARIF logs from other scanners (ESLint, semgrep, bandit...), print their findings and re-emit them as GitHub-ready SARIF",
    )
    .argument("<files...>", "SARIF 2.1.0 files")
    .option("--format <format>", "human, json or sarif", "human")
    .option(
      "--output <file>",
      "write the report to this file instead of stdout",
    )
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at or above: info, low, medium, high, critical",
      "low",
    )
    .action(async (files: string[], options: SarifOptions) => {
      const format = parseFormat(options.format);
      const failOn = parseSeverity(options.failOn);
      const { importSarif, formatReport, findingsAtOrAbove, sourceReader } =
        await import("../../scan/index.js");
      const all: { findings: Finding[]; rules: RuleInfo[]; tools: ToolInfo[] } =
        {
          findings: [],
          rules: [],
          tools: [],
        };
      for (const file of files) {
        let value: unknown;
        try {
          value = JSON.parse(readFileSync(resolve(ctx.cwd, file), "utf8"));
        } catch (error) {
          throw new AppError(
            "CONFIG_INVALID",
            `${file}: cannot read SARIF: ${messageOf(error).split("\n")[0]}`,
            { cause: error },
          );
        }
        const imported = importSarif(value, file);
        for (const warning of imported.warnings)
          ctx.stderr(`sluice: ${warning}`);
        all.findings.push(...imported.findings);
        all.rules.push(...imported.rules);
        for (const tool of imported.tools)
          if (!all.tools.some((t) => t.name === tool.name))
            all.tools.push(tool);
      }
      const report = formatReport(
        format,
        { ...all, metadata: { files } },
        { readSource: sourceReader(ctx.cwd) },
      );
      await writeReport(report, options.output);
      if (findingsAtOrAbove(all.findings, failOn).length > 0)
        process.exitCode = 1;
    });
}
