import { relative, resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface ConfigOptions {
  file?: string;
  expanded?: boolean;
  json?: boolean;
}

export function registerConfig(program: Command, ctx: CliContext): void {
  program
    .command("config")
    .description(summaryOf("config"))
    .option(
      "-f, --file <path>",
      "the config file, or a folder holding sluice.yml",
      ".",
    )
    .option("--expanded", "print every job, as the template expands them")
    .option("--json", "print JSON instead of YAML")
    .action(async (options: ConfigOptions) => {
      const { loadConfig } = await import("../../config/index.js");
      const { builtinStepNames, loadBuiltinStepChecks } =
        await import("../../builtin-steps.js");
      const { stringify } = await import("yaml");
      const path = resolve(ctx.cwd, options.file ?? ".");
      // Errors name the file as the user would type it: relative to the current folder.
      const shown = relative(ctx.cwd, path);
      // `uses` is checked against the built-in steps `sluice run` has, without opening the database.
      const loaded = loadConfig(
        shown === "" ? "." : shown.startsWith("..") ? path : shown,
        {
          knownSteps: new Set(builtinStepNames),
          checkWith: await loadBuiltinStepChecks(),
        },
      );
      const value = options.expanded ? loaded.config : loaded.source;
      if (options.json) {
        ctx.json(value);
        return;
      }
      if (!options.expanded) ctx.stderr(`${loaded.file}: valid`);
      ctx.stdout(
        stringify(value, {
          lineWidth: 0,
          aliasDuplicateObjects: false,
        }).trimEnd(),
      );
    });
}
