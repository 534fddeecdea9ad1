import type { Command } from "commander";
import type { CliContext } from "../context.js";

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description(
      "create a sample Node service repo in a temp folder, run its golden-path pipeline, and show where to look",
    )
    .action(async () => {
      const app = await ctx.app();
      ctx.stdout(
        `sluice demo: store opened in ${app.home} (${app.database.kind})`,
      );
    });
}
