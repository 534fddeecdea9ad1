import { resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command("init")
    .description(summaryOf("init"))
    .argument("[dir]", "the project folder", ".")
    .option("--force", "replace an existing sluice.yml")
    .option("--json", "print what was detected and written as JSON")
    .action(
      async (dir: string, options: { force?: boolean; json?: boolean }) => {
        const { initProject } = await import("../../config/index.js");
        const result = initProject(resolve(ctx.cwd, dir), {
          force: options.force === true,
        });
        if (options.json) {
          ctx.json({
            file: result.file,
            replaced: result.replaced,
            language: result.detection.language,
            template: result.detection.template,
            inputs: result.detection.inputs,
            evidence: result.detection.evidence,
            notes: result.detection.notes,
            text: result.text,
          });
          return;
        }
        const { detection } = result;
        ctx.stdout(
          `detected a ${detection.language} project: ${detection.evidence.join(", ")}`,
        );
        for (const note of detection.notes) ctx.stdout(`note: ${note}`);
        ctx.stdout(`${result.replaced ? "replaced" : "wrote"} ${result.file}:`);
        ctx.stdout(result.text.replace(/^/gm, "  ").trimEnd());
        ctx.stdout(
          "next: `sluice config --expanded` shows the whole pipeline; `sluice run` runs it",
        );
      },
    );
}
